package app

import (
	"html/template"
	"net/http"
)

var callbackPage = template.Must(template.New("callback").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lintel: authorization result</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#222}pre{background:#f3f3f3;padding:.75rem;white-space:pre-wrap;word-break:break-all}</style>
</head><body>
{{if .Error}}
<h1>Authorization was not granted</h1>
<p><strong>{{.Error}}</strong>{{if .Description}}: {{.Description}}{{end}}</p>
{{else if .Code}}
<h1>Authorization code received</h1>
<p>Exchange it for an access token within 10 minutes (it works once):</p>
<pre>curl -X POST {{.Base}}/oauth/token \
  -d grant_type=authorization_code \
  -d code={{.Code}} \
  -d client_id=YOUR_CLIENT_ID -d client_secret=YOUR_CLIENT_SECRET \
  -d redirect_uri={{.Base}}/callback</pre>
{{if .State}}<p>state: <code>{{.State}}</code></p>{{end}}
{{else}}
<h1>Nothing to show</h1>
<p>This page receives OAuth redirects for the demo application.</p>
{{end}}
</body></html>`))

// callback is the redirect target of the demo application: it shows the
// authorization code (or the error) so that someone following the
// quickstart with curl can copy it.
func (a *App) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_ = callbackPage.Execute(w, map[string]string{
		"Base": a.baseURL, "Code": q.Get("code"), "State": q.Get("state"),
		"Error": q.Get("error"), "Description": q.Get("error_description"),
	})
}
