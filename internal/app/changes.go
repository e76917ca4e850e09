package app

import (
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/gateway"
	"github.com/lintel-dev/lintel/internal/httpx"
)

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
		sw := httpx.NewStatusWriter(w)
		next.ServeHTTP(sw, r)
		if sw.Status() < 200 || sw.Status() >= 300 {
			return
		}
		if p, ok := gateway.PrincipalFrom(r.Context()); ok {
			a.Hub.Notify(p.AccountID)
			a.Webhook.Notify(p.AccountID)
		}
	})
}
