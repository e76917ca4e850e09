package api_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func encodeImage(t *testing.T, w, h int, format string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fetch GETs a path from the server without a token (photos need none).
func fetch(e *env, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func TestPhotos(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		pngData := encodeImage(t, 300, 200, "png")
		p := expect[obj](t, c.do("POST", "/api/3/people", fmt.Sprintf(`{"first_name":"Pat","last_name":"Photo","image_base64":%q}`,
			base64.StdEncoding.EncodeToString(pngData))), 201)
		url, _ := p["image_url"].(string)
		if !strings.HasPrefix(url, "http://lintel.test/media/people/") || p["image_thumbnail_url"] != url+"/thumbnail" {
			t.Fatalf("image urls %v %v", p["image_url"], p["image_thumbnail_url"])
		}
		path := strings.TrimPrefix(url, "http://lintel.test")
		rec := fetch(e, path)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" || !bytes.Equal(rec.Body.Bytes(), pngData) ||
			rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("photo: %d %v", rec.Code, rec.Header())
		}
		rec = fetch(e, path+"/thumbnail")
		thumb, format, err := image.Decode(rec.Body)
		if rec.Code != 200 || err != nil || format != "jpeg" || thumb.Bounds().Dx() != 128 || thumb.Bounds().Dy() != 85 {
			t.Fatalf("thumbnail: %d %v %s %v", rec.Code, err, format, thumb)
		}
		id := num(t, p["id"])
		person := fmt.Sprintf("/api/3/people/%d", id)
		if g := expect[obj](t, c.do("GET", person, ""), 200); g["image_url"] != url {
			t.Fatalf("get person image_url %v", g["image_url"])
		}

		// Bad photos: a clear 422 naming image_base64, and nothing changes.
		gif := append([]byte("GIF89a"), make([]byte, 64)...)
		huge := encodeImage(t, 4097, 1, "png")
		fakePNG := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 100)...)
		for name, tc := range map[string]struct{ body, want string }{
			"not base64":   {`{"image_base64":"not base64!"}`, "must be a base64-encoded JPEG or PNG image"},
			"a GIF":        {fmt.Sprintf(`{"image_base64":%q}`, base64.StdEncoding.EncodeToString(gif)), "must be a JPEG or PNG image"},
			"text":         {fmt.Sprintf(`{"image_base64":%q}`, base64.StdEncoding.EncodeToString([]byte("hello, I am a photo"))), "must be a JPEG or PNG image"},
			"broken PNG":   {fmt.Sprintf(`{"image_base64":%q}`, base64.StdEncoding.EncodeToString(fakePNG)), "is not a readable png image"},
			"too wide":     {fmt.Sprintf(`{"image_base64":%q}`, base64.StdEncoding.EncodeToString(huge)), "must be at most 4096 pixels wide and high"},
			"too large":    {fmt.Sprintf(`{"image_base64":%q}`, base64.StdEncoding.EncodeToString(make([]byte, 600<<10))), "must be at most 512 KiB"},
			"not a string": {`{"image_base64":42}`, ""},
			"both": {fmt.Sprintf(`{"image_base64":%q,"image_remote_url":"https://example.com/a.png"}`, base64.StdEncoding.EncodeToString(pngData)),
				"give image_base64 or image_remote_url, not both"},
		} {
			b := errorBody(t, c.do("PUT", person, tc.body), 422, "validation_failed")
			msgs := fmt.Sprint(b["errors"].(obj)["image_base64"])
			if msgs == "<nil>" || (tc.want != "" && !strings.Contains(msgs, tc.want)) {
				t.Errorf("%s: errors %v, want %q", name, b["errors"], tc.want)
			}
		}
		if g := expect[obj](t, c.do("GET", person, ""), 200); g["image_url"] != url {
			t.Fatalf("after refused updates image_url %v", g["image_url"])
		}

		// A JPEG as a data: URI, URL-safe and unpadded, replaces it: new key,
		// the old URL is gone.
		jpg := encodeImage(t, 40, 90, "jpeg")
		u := expect[obj](t, c.do("PUT", person, fmt.Sprintf(`{"image_base64":"data:image/png;base64,%s"}`, base64.RawURLEncoding.EncodeToString(jpg))), 201)
		url2, _ := u["image_url"].(string)
		if url2 == url || !strings.HasPrefix(url2, "http://lintel.test/media/people/") {
			t.Fatalf("replaced image_url %v", u["image_url"])
		}
		if rec := fetch(e, path); rec.Code != http.StatusGone {
			t.Fatalf("old photo: %d", rec.Code)
		}
		path2 := strings.TrimPrefix(url2, "http://lintel.test")
		if rec := fetch(e, path2); rec.Code != 200 || rec.Header().Get("Content-Type") != "image/jpeg" || !bytes.Equal(rec.Body.Bytes(), jpg) {
			t.Fatalf("jpeg photo: %d %v", rec.Code, rec.Header())
		}
		// An update that does not touch the image keeps it.
		if g := expect[obj](t, c.do("PUT", person, `{"notes":"hello"}`), 201); g["image_url"] != url2 {
			t.Fatalf("unrelated update: image_url %v", g["image_url"])
		}
		// "" removes it.
		if g := expect[obj](t, c.do("PUT", person, `{"image_base64":""}`), 201); g["image_url"] != nil || g["image_thumbnail_url"] != nil {
			t.Fatalf("removed: %v %v", g["image_url"], g["image_thumbnail_url"])
		}
		if rec := fetch(e, path2+"/thumbnail"); rec.Code != http.StatusGone {
			t.Fatalf("removed photo's thumbnail: %d", rec.Code)
		}
		// Deleting the person deletes the photo.
		q := expect[obj](t, c.do("POST", "/api/3/people", fmt.Sprintf(`{"first_name":"Del","last_name":"Eted","image_base64":%q}`,
			base64.StdEncoding.EncodeToString(pngData))), 201)
		expect[obj](t, c.do("DELETE", fmt.Sprintf("/api/3/people/%d", num(t, q["id"])), ""), 200)
		if rec := fetch(e, strings.TrimPrefix(q["image_url"].(string), "http://lintel.test")); rec.Code != http.StatusGone {
			t.Fatalf("photo of a deleted person: %d", rec.Code)
		}
		if rec := fetch(e, "/media/people/nonsense"); rec.Code != http.StatusGone {
			t.Fatalf("unknown key: %d", rec.Code)
		}
	})
}
