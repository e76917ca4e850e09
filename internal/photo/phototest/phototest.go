// Package phototest makes images for the tests of the packages that take
// photos (photo, console, api).
package phototest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// PNG returns a w×h PNG of one colour (transparent ones included).
func PNG(t testing.TB, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
