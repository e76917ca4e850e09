package mobile

import (
	"fmt"
	"html/template"
	"net"
	"net/http"
	"strings"

	"rsc.io/qr"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// Register adds the activation page: GET and POST /mobile/activate.
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /mobile/activate", s.showActivation)
	mux.HandleFunc("POST /mobile/activate", s.activate)
}

var pages = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{{.Title}}</title></head>
<body>
<main>
<h1>{{.Title}}</h1>
{{if .Message}}<p>{{.Message}}</p>{{end}}
{{if .Token}}<p>Hello {{.Name}}: {{.Account}} has given you a mobile key ({{.Label}}).</p>
<p>Activating shows you a code, once. Keep it on this phone (a screenshot of the QR code will do) and show it at the door's reader.</p>
<form method="post" action="/mobile/activate">
<input type="hidden" name="token" value="{{.Token}}">
<button type="submit">Activate my mobile key</button>
</form>{{end}}
{{if .Code}}<p>Your mobile key for {{.Account}} is active. Show this code at the door:</p>
<figure>{{.QR}}<figcaption><code id="code">{{.Code}}</code></figcaption></figure>
<p>This page is the only time the code is shown. Save it now; if you lose it, ask {{.Account}} for a new mobile key.</p>{{end}}
</main>
</body></html>
`))

type pageData struct {
	Title, Message       string
	Token, Name, Account string
	Label, Code          string
	QR                   template.HTML
}

// writePage answers an HTML page with the headers every activation page
// carries: no scripts at all, no caching, no Referer, no framing.
func writePage(w http.ResponseWriter, status int, d pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_ = pages.Execute(w, d)
}

var gone = pageData{Title: "Link expired", Message: "This link has expired, was already used, or the mobile key was withdrawn. Ask whoever gave it to you for a new one."}

// lookup finds the invitation of a token and what the page shows about it.
func (s *Service) lookup(r *http.Request, token string) (*domain.Credential, pageData, bool) {
	if !plausibleSecret(token) {
		return nil, gone, false
	}
	_, c, err := s.st.GetMobileInvitation(r.Context(), digest(token), s.now())
	if err != nil {
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			s.log.Error("mobile invitation lookup", "err", err)
			return nil, pageData{Title: "Something went wrong", Message: "Please try again in a moment."}, false
		}
		return nil, gone, false
	}
	d := pageData{Title: "Activate your mobile key", Label: c.Label}
	if p, err := s.st.GetPerson(r.Context(), c.AccountID, c.PersonID); err == nil {
		d.Name = p.FirstName
	}
	if a, err := s.st.GetAccount(r.Context(), c.AccountID); err == nil {
		d.Account = a.Name
	}
	return c, d, true
}

// showActivation serves GET /mobile/activate?token=: what is being
// activated and a button. It changes nothing. 410 for an unknown, used
// or expired link.
func (s *Service) showActivation(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	_, d, ok := s.lookup(r, token)
	if !ok {
		writePage(w, statusOf(d), d)
		return
	}
	d.Token = token
	writePage(w, http.StatusOK, d)
}

func statusOf(d pageData) int {
	if d.Title == gone.Title {
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// activate serves POST /mobile/activate (form field token): spends the
// link, makes the credential active with a fresh code and shows the code
// as text and QR. 410 for an unknown, used or expired link (also one
// spent by a concurrent request).
func (s *Service) activate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	token := r.PostFormValue("token")
	c, d, ok := s.lookup(r, token)
	if !ok {
		writePage(w, statusOf(d), d)
		return
	}
	code := newCode()
	ctx := store.WithActor(r.Context(), store.Actor{AccountID: c.AccountID, Kind: store.ActorHolder, ID: c.PersonID,
		Display: strings.TrimSpace(d.Name + " (mobile key " + c.UID + ")"), IP: clientIP(r), UserAgent: r.UserAgent()})
	ctx = store.WithOperation(ctx, store.Operation{Resource: "credentials", ResourceID: c.UID, Action: "activate",
		Changes: map[string]any{"status": store.MobileActive}})
	if _, err := s.st.ActivateMobileCredential(ctx, digest(token), domain.MobileCodeDigest(code), s.now()); err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			writePage(w, http.StatusGone, gone)
			return
		}
		s.log.Error("activate mobile credential", "credential", c.UID, "err", err)
		writePage(w, http.StatusInternalServerError, pageData{Title: "Something went wrong", Message: "Your key was not activated. Please try again."})
		return
	}
	svg, err := qrSVG(code)
	if err != nil {
		s.log.Error("mobile code QR", "err", err)
	}
	d.Title, d.Code, d.QR = "Your mobile key is active", code, svg
	writePage(w, http.StatusOK, d)
}

// qrSVG draws text as a QR code in SVG (modules as one path, a 4-module
// quiet zone), with no style or script.
func qrSVG(text string) (template.HTML, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	n := c.Size + 8
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="qr" role="img" aria-label="QR code of your mobile key" width="%d" height="%d" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n*8, n*8, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if c.Black(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+4, y+4)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil //nolint:gosec // drawn from numbers only
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
