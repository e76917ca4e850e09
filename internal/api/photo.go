package api

import (
	"bytes"
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/photo"
	"github.com/lintel-dev/lintel/internal/store"
)

// Photo limits, as the API documents them (see package photo).
const (
	MaxPhotoBytes  = photo.MaxBytes
	MaxPhotoPixels = photo.MaxPixels
)

// decodePhoto reads an image_base64 value (see photo.DecodeBase64): the
// stored photo with its JPEG thumbnail, or a message for the 422 naming
// image_base64.
func decodePhoto(s string, at time.Time) (*store.PersonImage, string) {
	ph, msg := photo.DecodeBase64(s)
	if ph == nil {
		return nil, msg
	}
	return store.NewPersonImage(ph, at), ""
}

// RegisterMedia adds GET /media/people/{key} and
// /media/people/{key}/thumbnail: stored photos, by their random key
// (the key is the capability, as with a signed storage URL: anyone with
// a person's image_url may fetch the photo; a new photo gets a new key).
func (a *API) RegisterMedia(mux *http.ServeMux) {
	mux.HandleFunc("GET /media/people/{key}", a.servePhoto(false))
	mux.HandleFunc("GET /media/people/{key}/thumbnail", a.servePhoto(true))
}

// servePhoto answers a stored photo or its thumbnail; 410 Gone for a key
// that names no photo (replaced or removed).
func (a *API) servePhoto(thumb bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		key := r.PathValue("key")
		var img *store.PersonImage
		var err error
		if len(key) == 32 {
			img, err = a.st.GetPersonImage(r.Context(), key)
		}
		if img == nil {
			if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
				a.log.Error("serve photo", "err", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			h.Set("Cache-Control", "no-store")
			http.Error(w, "This photo was replaced or removed.", http.StatusGone)
			return
		}
		body, ct := img.Data, img.ContentType
		if thumb {
			body, ct = img.Thumbnail, "image/jpeg"
		}
		h.Set("Content-Type", ct)
		// The key changes with the photo, so what it names never changes.
		h.Set("Cache-Control", "private, max-age=86400, immutable")
		h.Set("ETag", `"`+key+map[bool]string{true: "-t", false: ""}[thumb]+`"`)
		http.ServeContent(w, r, "", img.CreatedAt, bytes.NewReader(body))
	}
}
