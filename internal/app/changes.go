package app

import (
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/gateway"
)

// changeWriter remembers the status a handler answered with.
type changeWriter struct {
	http.ResponseWriter
	status int
}

func (w *changeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *changeWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *changeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// propagate tells the door controllers and the webhook worker about every
// successful write through the API, the moment it is answered: doors then
// re-read who may enter, and new events are delivered without waiting for
// the next poll. It runs inside the gateway, which has resolved the caller.
func (a *App) propagate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		cw := &changeWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		if cw.status < 200 || cw.status >= 300 {
			return
		}
		if p, ok := gateway.PrincipalFrom(r.Context()); ok {
			a.Hub.Notify(p.AccountID)
			a.Webhook.Notify(p.AccountID)
		}
	})
}
