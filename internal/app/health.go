package app

import (
	"context"
	"html/template"
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

// notFound answers unknown paths in the DoorFlow error shape.
func (a *App) notFound(w http.ResponseWriter, r *http.Request) {
	httpx.WriteError(w, r, a.Log, domain.Errorf(domain.ENOTFOUND, "No route matches %s %s", r.Method, r.URL.Path))
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lintel</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .25rem}</style>
</head><body>
<h1>Lintel is running</h1>
<p>Version {{.Version}}. This server speaks the DoorFlow API v3 under <code>{{.Base}}/api/3</code>, protected by OAuth 2.0.</p>
<ul>
<li>OAuth metadata: <a href="/.well-known/oauth-authorization-server">/.well-known/oauth-authorization-server</a></li>
<li>Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a>, metrics: <a href="/metrics">/metrics</a></li>
</ul>
</body></html>`))

// home is a small landing page so that opening the base URL shows something useful.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_ = homePage.Execute(w, map[string]string{"Version": Version, "Base": a.baseURL})
}
