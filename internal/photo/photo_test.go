package photo

import (
	"bytes"
	"encoding/base64"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/photo/phototest"
)

func TestDecode(t *testing.T) {
	clear := phototest.PNG(t, 400, 200, color.NRGBA{})
	ph, msg := Decode(clear)
	if ph == nil {
		t.Fatalf("a 400x200 PNG: %s", msg)
	}
	if ph.ContentType != "image/png" || !bytes.Equal(ph.Data, clear) {
		t.Fatalf("photo %q, %d bytes", ph.ContentType, len(ph.Data))
	}
	th, err := jpeg.Decode(bytes.NewReader(ph.Thumbnail))
	if err != nil {
		t.Fatalf("thumbnail: %v", err)
	}
	if b := th.Bounds(); b.Dx() != ThumbnailSide || b.Dy() != ThumbnailSide/2 {
		t.Fatalf("thumbnail %v, want %dx%d", b, ThumbnailSide, ThumbnailSide/2)
	}
	// Transparency becomes white, not black.
	if r, g, b, _ := th.At(10, 10).RGBA(); r < 0xf000 || g < 0xf000 || b < 0xf000 {
		t.Fatalf("a transparent pixel's thumbnail is %x %x %x, want white", r, g, b)
	}

	var gif bytes.Buffer
	gif.WriteString("GIF89a")
	gif.Write(make([]byte, 32))
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"empty":           {nil, "is empty"},
		"text":            {[]byte("hello, I am not a photo"), "must be a JPEG or PNG image"},
		"gif":             {gif.Bytes(), "must be a JPEG or PNG image"},
		"truncated png":   {clear[:len(clear)/2], "is not a readable png image"},
		"too many bytes":  {append(bytes.Clone(clear), make([]byte, MaxBytes)...), "at most 512 KiB"},
		"too many pixels": {phototest.PNG(t, MaxPixels+1, 1, color.White), "at most 4096 pixels"},
	} {
		if ph, msg := Decode(tc.data); ph != nil || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %v %q, want %q", name, ph != nil, msg, tc.want)
		}
	}
}

func TestDecodeBase64(t *testing.T) {
	data := phototest.PNG(t, 3, 3, color.Black)
	std := base64.StdEncoding.EncodeToString(data)
	for name, s := range map[string]string{
		"standard":  std,
		"unpadded":  strings.TrimRight(std, "="),
		"url-safe":  base64.URLEncoding.EncodeToString(data),
		"data uri":  "data:image/png;base64," + std,
		"wrapped":   std[:10] + "\n" + std[10:20] + " \t" + std[20:],
		"jpeg says": "data:image/jpeg;base64," + std, // the content decides, not the claim
	} {
		if ph, msg := DecodeBase64(s); ph == nil || ph.ContentType != "image/png" {
			t.Errorf("%s: %s", name, msg)
		}
	}
	for s, want := range map[string]string{
		"data:image/png," + std: "must be base64",
		"!!!!":                  "base64-encoded JPEG or PNG",
		"":                      "base64-encoded JPEG or PNG",
	} {
		if ph, msg := DecodeBase64(s); ph != nil || !strings.Contains(msg, want) {
			t.Errorf("%.20q: %q, want %q", s, msg, want)
		}
	}
}
