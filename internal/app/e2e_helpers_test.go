package app_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// server is one Lintel started through app.New on a free port, with the demo.
type server struct {
	*app.App
	demo *app.DemoInfo
}

// startServers starts one server per test backend (SQLite, and PostgreSQL
// when LINTEL_TEST_POSTGRES_URL is set) and runs fn against each.
func eachBackend(t *testing.T, fn func(t *testing.T, s *server)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			a, info := apptest.Start(t, apptest.Config(t, b), nil, 50)
			fn(t, &server{App: a, demo: info})
		})
	}
}

// browser is a cookie-keeping HTTP client that stops at redirects to the
// application's redirect URI, like a browser handing control back to the app.
type browser struct {
	t      *testing.T
	client *http.Client
	stopAt string
}

func newBrowser(t *testing.T, stopAt string) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, stopAt: stopAt}
	b.client = &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), b.stopAt) {
			return http.ErrUseLastResponse
		}
		if len(via) > 10 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	return b
}

// page is a fetched HTML page.
type page struct {
	url    *url.URL
	status int
	body   string
	header http.Header
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &page{url: resp.Request.URL, status: resp.StatusCode, body: string(body), header: resp.Header}
}

func (b *browser) get(u string) *page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

var (
	formRE   = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	actionRE = regexp.MustCompile(`(?i)\baction="([^"]*)"`)
	inputRE  = regexp.MustCompile(`(?is)<(input|button)\b([^>]*)>`)
	attrRE   = regexp.MustCompile(`(?i)\b(name|value|type)="([^"]*)"`)
)

// submit fills the page's first form that has every field in fill, adds
// its hidden inputs (the CSRF token), and posts it. A button whose
// name=value pair is in press is "clicked".
func (b *browser) submit(p *page, fill map[string]string, press [2]string) *page {
	b.t.Helper()
	for _, f := range formRE.FindAllStringSubmatch(p.body, -1) {
		vals := url.Values{}
		names := map[string]bool{}
		pressed := press[0] == ""
		for _, in := range inputRE.FindAllStringSubmatch(f[2], -1) {
			attrs := map[string]string{}
			for _, a := range attrRE.FindAllStringSubmatch(in[2], -1) {
				attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2])
			}
			name := attrs["name"]
			if name == "" {
				continue
			}
			names[name] = true
			isButton := strings.EqualFold(in[1], "button") || attrs["type"] == "submit"
			switch {
			case isButton:
				if name == press[0] && attrs["value"] == press[1] {
					vals.Set(name, attrs["value"])
					pressed = true
				}
			case attrs["type"] == "hidden":
				vals.Set(name, attrs["value"])
			}
		}
		complete := pressed
		for k, v := range fill {
			if !names[k] {
				complete = false
			}
			vals.Set(k, v)
		}
		if !complete {
			continue
		}
		action := p.url
		if m := actionRE.FindStringSubmatch(f[1]); m != nil && m[1] != "" {
			ref, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil {
				b.t.Fatalf("form action %q: %v", m[1], err)
			}
			action = p.url.ResolveReference(ref)
		}
		req, _ := http.NewRequest("POST", action.String(), strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", p.url.Scheme+"://"+p.url.Host)
		return b.do(req)
	}
	b.t.Fatalf("no form on %s with fields %v and button %v:\n%s", p.url, fill, press, p.body)
	return nil
}

// authorize runs the browser part of the authorization-code flow: sign in,
// allow, and return the query of the redirect back to the app.
func authorize(t *testing.T, s *server, authURL string) url.Values {
	t.Helper()
	b := newBrowser(t, s.demo.RedirectURI)
	p := b.get(authURL)
	if p.status != 200 {
		t.Fatalf("authorize page: %d %s", p.status, p.body)
	}
	p = b.submit(p, map[string]string{"email": s.demo.AdminEmail, "password": s.demo.AdminPassword}, [2]string{})
	if p.status != 200 || !strings.Contains(p.body, "decision") {
		t.Fatalf("after login want the consent page, got %d at %s:\n%s", p.status, p.url, p.body)
	}
	p = b.submit(p, nil, [2]string{"decision", "allow"})
	if p.status != http.StatusSeeOther && p.status != http.StatusFound {
		t.Fatalf("after consent want a redirect, got %d:\n%s", p.status, p.body)
	}
	loc, err := url.Parse(p.header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), s.demo.RedirectURI) {
		t.Fatalf("redirect to %q, want %s", p.header.Get("Location"), s.demo.RedirectURI)
	}
	return loc.Query()
}

// apiClient calls the API with a bearer token and decodes JSON.
type apiClient struct {
	t     *testing.T
	base  string
	http  *http.Client
	token string
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (c *apiClient) call(method, path string, body any) *response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

// expect fails the test unless the response has the wanted status.
func (r *response) expect(t *testing.T, what string, status int) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
	}
	return r
}

// postForm posts a form (optionally with HTTP Basic client auth) and returns the response.
func postForm(t *testing.T, u string, form url.Values, basicUser, basicPass string) *response {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}
