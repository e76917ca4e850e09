package app

import (
	"context"
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// healthz answers as long as the process serves HTTP (liveness).
func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": Version})
}

// readyz answers 200 only when the database does (readiness) and, on
// SQLite, its file is still the one the server opened.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		a.Log.Warn("readiness check failed", "err", err)
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	if err := a.databaseFileIntact(); err != nil {
		a.Log.Error("readiness check failed; restart the server", "err", err)
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "file removed or replaced"})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": string(a.Store.Dialect())})
}

// notFound answers what no route took, in the DoorFlow error shape: 405
// with an Allow header when the path exists with other methods (GET
// /oauth/token, PATCH /api/3/people), else 404. It is the catch-all of
// mux, which it asks which methods the path has.
func (a *App) notFound(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if allow := httpx.AllowedMethods(mux, r); len(allow) > 0 {
			httpx.MethodNotAllowed(w, r, a.Log, allow)
			return
		}
		httpx.WriteError(w, r, a.Log, domain.Errorf(domain.ENOTFOUND, "No route matches %s %s", r.Method, r.URL.Path))
	}
}
