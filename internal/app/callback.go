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
  -d client_id={{.ClientID}}{{if .Confidential}} -d client_secret=CLIENT_SECRET{{end}} \
  -d redirect_uri={{.Base}}/callback</pre>
{{if .Confidential}}<p>Put the application's client secret in place of <code>CLIENT_SECRET</code>{{if .Demo}}: <code>lintel demo</code> printed it and saved it in <code>demo.json</code> (key <code>client_secret</code>){{end}}. It is not shown here: this page is open to anyone who can reach the server.</p>{{end}}
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
	// The code names its application: show its real client_id (the
	// secret stays out of a page anyone can open).
	clientID, confidential, demo := "CLIENT_ID", true, false
	if app := a.OAuth.CodeClient(r.Context(), q.Get("code")); app != nil {
		clientID, confidential, demo = app.UID, app.Confidential(), app.Name == DemoAppName
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_ = callbackPage.Execute(w, map[string]any{
		"Base": a.baseURL, "Code": q.Get("code"), "State": q.Get("state"),
		"Error": q.Get("error"), "Description": q.Get("error_description"),
		"ClientID": clientID, "Confidential": confidential, "Demo": demo,
	})
}
