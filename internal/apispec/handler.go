package apispec

import (
	"bytes"
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// Handler serves the document as application/json for GET and HEAD. It
// sends an ETag and honours If-None-Match (304), and lets clients and
// proxies keep the document for five minutes before revalidating. Other
// methods answer 405 in the DoorFlow error shape with an Allow header.
func Handler() http.Handler {
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpx.WriteError(w, r, nil, &domain.Error{Code: domain.EMETHOD, Message: "Only GET and HEAD are allowed here"})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers conditional requests (If-None-Match) and HEAD.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(document))
}
