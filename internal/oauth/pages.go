package oauth

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

const pageLayout = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} · Lintel</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d2330;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:1.5rem 2rem}
h1{font-size:1.3rem;margin:0 0 1rem}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=email],input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #b8bfca;border-radius:4px;font:inherit}
button{font:inherit;padding:.55rem 1.2rem;border-radius:4px;border:1px solid #2456c7;background:#2f6bf0;color:#fff;cursor:pointer;margin:1rem .5rem 0 0}
button.secondary{background:#fff;color:#1d2330;border-color:#b8bfca}
.error{background:#fdecec;border:1px solid #f3b4b4;color:#8a1c1c;padding:.6rem .8rem;border-radius:4px}
.note{color:#5b6473;font-size:.9rem}
ul.scopes{padding-left:1.2rem} ul.scopes li{margin:.4rem 0} code{font-size:.85rem;color:#5b6473}
</style>
</head>
<body><main>
{{template "content" .}}
</main></body>
</html>`

const loginContent = `{{define "content"}}
<h1>Sign in to Lintel</h1>
<p><strong>{{.AppName}}</strong> wants to connect to your Lintel account. Sign in to continue.</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label for="email">Email (or PIN/email)</label>
<input id="email" name="email" type="text" autocomplete="username" value="{{.Email}}" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="note"><a href="/oauth/forgot">Forgot your password?</a></p>
{{end}}`

const consentContent = `{{define "content"}}
<h1>Allow {{.AppName}}?</h1>
{{if .Testing}}<p class="note">This application is in testing: only members of its own account can connect it.</p>{{end}}
<p><strong>{{.AppName}}</strong> is asking for access to <strong>{{.AccountName}}</strong>. If you allow it, it will be able to:</p>
<ul class="scopes">
{{range .Scopes}}<li>{{.Description}} <code>{{.Name}}</code></li>
{{end}}</ul>
{{if .Withheld}}<p class="note">Your role ({{.Role}}) does not let you grant:</p>
<ul class="scopes">{{range .Withheld}}<li>{{.Description}} <code>{{.Name}}</code></li>
{{end}}</ul>{{end}}
<p class="note">You will be sent back to {{.RedirectHost}}. You can disconnect the application at any time in the console, under Developers → Connected applications.</p>
<form method="post">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>
<p class="note">Signed in as {{.UserEmail}}. <a href="{{.LogoutURL}}">Not you?</a></p>
{{end}}`

const errorContent = `{{define "content"}}
<h1>{{.Title}}</h1>
<p class="error" role="alert">{{.Message}}</p>
<p class="note">If an application sent you here, go back to it and try again, or contact its developer.</p>
{{end}}`

const logoutContent = `{{define "content"}}
<h1>Sign out</h1>
{{if .SignedIn}}
<p>You are signed in as {{.UserEmail}}.</p>
<form method="post">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<button type="submit">Sign out</button>
</form>
{{else}}
<p>You are signed out.</p>
{{if .Next}}<p><a href="{{.Next}}">Continue</a></p>{{end}}
{{end}}
{{end}}`

var pages = map[string]*template.Template{
	"login":   template.Must(template.Must(template.New("layout").Parse(pageLayout)).Parse(loginContent)),
	"consent": template.Must(template.Must(template.New("layout").Parse(pageLayout)).Parse(consentContent)),
	"error":   template.Must(template.Must(template.New("layout").Parse(pageLayout)).Parse(errorContent)),
	"logout":  template.Must(template.Must(template.New("layout").Parse(pageLayout)).Parse(logoutContent)),
}

// scopeView is one line of the consent page.
type scopeView struct{ Name, Description string }

// pageError is a problem shown as an HTML page rather than redirected.
type pageError struct {
	status int
	title  string
	msg    string
}

// renderPage writes an HTML page with the headers every page carries:
// no framing, no caching, no referrer, no sniffing, and a CSP that allows
// only inline style, data: images (the TOTP QR code) and form posts to
// this server, plus formOrigins (the
// client's redirect origin: browsers apply form-action to the redirect
// that follows a form post).
func renderPage(w http.ResponseWriter, status int, name string, data map[string]any, formOrigins ...string) {
	var buf bytes.Buffer
	if err := pages[name].Execute(&buf, data); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<!doctype html><title>Error</title><p>An unexpected error occurred.</p>")
	}
	formAction := "'self'"
	for _, o := range formOrigins {
		if o != "" {
			formAction += " " + o
		}
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderError shows an error page.
// ErrorPage answers a request with the sign-in pages' error page, for
// input refused before any OAuth handler ran (httpx.CheckInput).
func (s *Server) ErrorPage(w http.ResponseWriter, status int, title, msg string) {
	renderError(w, &pageError{status, title, msg})
}

func renderError(w http.ResponseWriter, pe *pageError) {
	renderPage(w, pe.status, "error", map[string]any{"Title": pe.title, "Message": pe.msg})
}

// cspOrigin returns the CSP source expression for a redirect URI: its
// origin for http(s), its scheme for a native app's private-use scheme,
// or "" when the URI holds anything that could break out of the header.
func cspOrigin(redirect string) string {
	u, err := url.Parse(redirect)
	if err != nil || u.Scheme == "" {
		return ""
	}
	var src string
	if u.Scheme == "http" || u.Scheme == "https" {
		src = u.Scheme + "://" + u.Host
	} else {
		src = u.Scheme + ":"
	}
	if strings.ContainsAny(src, " ;,'\"\t\r\n") {
		return ""
	}
	return src
}
