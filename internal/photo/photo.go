// Package photo reads the photos of people that Lintel stores: a JPEG or
// PNG, recognised by its content (never by what the sender claims), that
// decodes whole within the size limits, with a JPEG thumbnail made from
// it. The API (image_base64) and the console (a file upload) both read
// photos here, so both accept and refuse the same files. It does no I/O.
package photo

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
)

// Limits: the file, its pixel dimensions (a small file may claim a huge
// image), and the thumbnail's longer side.
const (
	MaxBytes      = 512 << 10
	MaxPixels     = 4096
	ThumbnailSide = 128
)

// Photo is a checked photo and its thumbnail.
type Photo struct {
	ContentType string // image/jpeg or image/png
	Data        []byte // the file as sent
	Thumbnail   []byte // a JPEG, its longer side at most ThumbnailSide
}

// Decode checks a photo file and makes its thumbnail. A file that is not
// a whole, readable JPEG or PNG within the limits is refused with a
// message that completes "The photo ..." (or a field's name).
func Decode(data []byte) (*Photo, string) {
	if len(data) == 0 {
		return nil, "is empty: choose a JPEG or PNG image"
	}
	if len(data) > MaxBytes {
		return nil, "must be at most 512 KiB"
	}
	ct := http.DetectContentType(data)
	if ct != "image/jpeg" && ct != "image/png" {
		return nil, "must be a JPEG or PNG image"
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "image/"+format != ct {
		return nil, "is not a readable " + strings.TrimPrefix(ct, "image/") + " image"
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxPixels || cfg.Height > MaxPixels {
		return nil, "must be at most 4096 pixels wide and high"
	}
	var img image.Image
	if format == "png" {
		img, err = png.Decode(bytes.NewReader(data))
	} else {
		img, err = jpeg.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, "is not a readable " + format + " image"
	}
	var thumb bytes.Buffer
	if err := jpeg.Encode(&thumb, thumbnail(img, ThumbnailSide), &jpeg.Options{Quality: 80}); err != nil {
		return nil, "is not a readable " + format + " image"
	}
	return &Photo{ContentType: ct, Data: data, Thumbnail: thumb.Bytes()}, ""
}

// DecodeBase64 reads a photo sent as text: standard or URL-safe base64,
// padded or not, with whitespace and an optional data: URI prefix, then
// checks it as Decode does.
func DecodeBase64(s string) (*Photo, string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "data:") {
		i := strings.Index(s, ",")
		if i < 0 || !strings.HasSuffix(s[:i], ";base64") {
			return nil, "must be base64 (a data: URI must say ;base64)"
		}
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if base64.RawStdEncoding.DecodedLen(len(strings.TrimRight(s, "="))) > MaxBytes {
		return nil, "must be at most 512 KiB"
	}
	s = strings.NewReplacer("-", "+", "_", "/").Replace(strings.TrimRight(s, "="))
	data, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || len(data) == 0 {
		return nil, "must be a base64-encoded JPEG or PNG image"
	}
	return Decode(data)
}

// thumbnail scales img down so that its longer side is at most side
// pixels, averaging the source pixels each target pixel covers, on white
// (a PNG's transparency becomes white in the JPEG).
func thumbnail(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	tw, th := w, h
	if w >= h && w > side {
		tw, th = side, max(1, h*side/w)
	} else if h > w && h > side {
		tw, th = max(1, w*side/h), side
	}
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := 0; y < th; y++ {
		y0, y1 := b.Min.Y+y*h/th, b.Min.Y+max((y+1)*h/th, y*h/th+1)
		for x := 0; x < tw; x++ {
			x0, x1 := b.Min.X+x*w/tw, b.Min.X+max((x+1)*w/tw, x*w/tw+1)
			var r, g, bl, n uint64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					cr, cg, cb, ca := img.At(sx, sy).RGBA()
					// composite on white
					r += uint64(cr + (0xffff - ca))
					g += uint64(cg + (0xffff - ca))
					bl += uint64(cb + (0xffff - ca))
					n++
				}
			}
			out.Set(x, y, color.RGBA64{R: uint16(r / n), G: uint16(g / n), B: uint16(bl / n), A: 0xffff})
		}
	}
	return out
}
