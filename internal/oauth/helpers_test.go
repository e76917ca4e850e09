package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/clocktest"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestMain(m *testing.M) {
	password.UseCheap()
	os.Exit(m.Run())
}

// client is a registered app with its secret.
type client struct {
	app    *domain.OAuthApp
	secret string
}

func (c client) id() string { return c.app.UID }

// env is a running server with fixtures:
//
//	account A (PIN 4242): alice@a.test, shared@x.test
//	account B (PIN 7777): bob@b.test, shared@x.test
//	apps on account A: live (confidential), testing (confidential),
//	public (PKCE), strict (RequirePKCE+RequireState), pw (password grant),
//	admit (admit approved), other (a second confidential live app)
type env struct {
	t        *testing.T
	st       *store.Store
	srv      *Server
	ts       *httptest.Server
	clock    *clocktest.Clock
	logs     *strings.Builder
	acctA    *domain.Account
	acctB    *domain.Account
	alice    *domain.User
	bob      *domain.User
	live     client
	testing  client
	public   client
	strict   client
	pw       client
	admit    client
	other    client
	multiURI client
	pending  client // registered for the restricted admit scope, not approved
}

const (
	redirect  = "https://client.example/cb"
	redirect2 = "https://client.example/other"
	goodPass  = "correct horse battery"
)

var allScopes = domain.NewScopeSet("account.person", "account.channel.readonly", "account.event.access.readonly", "account.channel.admit.person")

func newEnv(t *testing.T) *env {
	return newEnvOn(t, storetest.Open(t, storetest.Backends(t)[0]))
}

// lockedBuilder is a strings.Builder safe for concurrent log writes.
type lockedBuilder struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func newEnvOn(t *testing.T, st *store.Store) *env {
	t.Helper()
	return newEnvWith(t, st, nil)
}

// newEnvWith is newEnvOn with a way to send operator email.
func newEnvWith(t *testing.T, st *store.Store, sendMail func(ctx context.Context, to, subject, text string) error) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, st: st, logs: &strings.Builder{}}
	e.acctA = &domain.Account{Name: "Acme Offices", TimeZone: "UTC", EnterprisePIN: "4242"}
	e.acctB = &domain.Account{Name: "Beta Gym", TimeZone: "UTC", EnterprisePIN: "7777"}
	for _, a := range []*domain.Account{e.acctA, e.acctB} {
		if err := st.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	hash, _ := password.Hash(goodPass)
	mkUser := func(acct int64, email string) *domain.User {
		u := &domain.User{AccountID: acct, Email: email, PasswordHash: hash}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	e.alice = mkUser(e.acctA.ID, "alice@a.test")
	e.bob = mkUser(e.acctB.ID, "bob@b.test")
	mkUser(e.acctA.ID, "shared@x.test")
	mkUser(e.acctB.ID, "shared@x.test")
	mk := func(in NewApp) client {
		in.AccountID = e.acctA.ID
		if in.Name == "" {
			in.Name = "Door sync"
		}
		if in.RedirectURIs == nil {
			in.RedirectURIs = []string{redirect}
		}
		if in.Scopes == nil {
			in.Scopes = allScopes
		}
		app, secret, err := CreateApp(ctx, st, in)
		if err != nil {
			t.Fatal(err)
		}
		return client{app, secret}
	}
	e.live = mk(NewApp{State: "live"})
	e.testing = mk(NewApp{})
	e.public = mk(NewApp{State: "live", Public: true, RedirectURIs: []string{redirect, "http://127.0.0.1/cb"}})
	e.strict = mk(NewApp{State: "live", RequirePKCE: true, RequireState: true})
	e.pw = mk(NewApp{PasswordGrant: true, State: "live"})
	e.admit = mk(NewApp{State: "live", AdmitApproved: true, Scopes: domain.NewScopeSet("account.channel.admit", "account.channel.readonly")})
	e.other = mk(NewApp{State: "live", Name: "Other"})
	e.multiURI = mk(NewApp{State: "live", RedirectURIs: []string{redirect, redirect2}})
	e.pending = mk(NewApp{State: "live", PasswordGrant: true, Scopes: domain.NewScopeSet("account.channel.admit", "account.channel.readonly")})

	// An hour ahead of real time, so fixtures made at real time are in its past.
	e.clock = clocktest.New(time.Now().Add(time.Hour))
	mux := http.NewServeMux()
	e.ts = httptest.NewServer(mux)
	t.Cleanup(e.ts.Close)
	log := slog.New(slog.NewTextHandler(&lockedBuilder{b: e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(Config{Store: st, Issuer: e.ts.URL, Log: log, Now: e.clock.Now, SendMail: sendMail})
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(mux)
	e.srv = srv
	return e
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	hdr    http.Header
	body   string
	loc    *url.URL
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, hdr: resp.Header, body: string(body)}
	if l := resp.Header.Get("Location"); l != "" {
		p.loc, _ = url.Parse(l)
	}
	return p
}

func (b *browser) get(path string) page {
	req, _ := http.NewRequest("GET", b.e.ts.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	req, _ := http.NewRequest("POST", b.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", body)
	}
	return m[1]
}

func isLogin(p page) bool   { return strings.Contains(p.body, `name="password"`) }
func isConsent(p page) bool { return strings.Contains(p.body, `name="decision"`) }

func authzPath(c client, extra url.Values) string {
	q := url.Values{"response_type": {"code"}, "client_id": {c.id()}, "redirect_uri": {redirect}, "state": {"mystate"}}
	for k, v := range extra {
		if v == nil {
			delete(q, k)
			continue
		}
		q[k] = v
	}
	return "/oauth/authorize?" + q.Encode()
}

// login signs the browser in as email from an authorize URL's login page.
func (b *browser) login(path, email string) page {
	b.e.t.Helper()
	p := b.get(path)
	if !isLogin(p) {
		b.e.t.Fatalf("expected the login page, got %d %s", p.status, p.body)
	}
	return b.post(path, url.Values{"csrf_token": {csrfOf(b.e.t, p.body)}, "email": {email}, "password": {goodPass}})
}

// authorize runs the browser part of the code flow as email, allowing
// consent if asked, and returns the final redirect to the client.
func (b *browser) authorize(path, email string) *url.URL {
	t := b.e.t
	t.Helper()
	p := b.get(path)
	if isLogin(p) {
		p = b.post(path, url.Values{"csrf_token": {csrfOf(t, p.body)}, "email": {email}, "password": {goodPass}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("login: %d %s", p.status, p.body)
		}
		p = b.get(p.loc.RequestURI())
	}
	if isConsent(p) {
		p = b.post(path, url.Values{"csrf_token": {csrfOf(t, p.body)}, "decision": {"allow"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("consent: %d %s", p.status, p.body)
		}
	}
	if p.loc == nil || !strings.HasPrefix(p.loc.String(), redirect) && !strings.HasPrefix(p.loc.String(), "http://127.0.0.1") {
		t.Fatalf("expected a redirect to the client, got %d %v %s", p.status, p.loc, p.body)
	}
	return p.loc
}

func (b *browser) code(path, email string) string {
	b.e.t.Helper()
	loc := b.authorize(path, email)
	code := loc.Query().Get("code")
	if code == "" {
		b.e.t.Fatalf("no code in %s", loc)
	}
	return code
}

// resp is a JSON answer of the token, revoke or info endpoints.
type resp struct {
	status int
	hdr    http.Header
	body   map[string]any
	raw    string
}

func (r resp) str(k string) string { s, _ := r.body[k].(string); return s }

func (e *env) postForm(path string, form url.Values, basic []string) resp {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(basic[0]+":"+basic[1])))
	}
	return e.send(req)
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (e *env) send(req *http.Request) resp {
	e.t.Helper()
	hr, err := noRedirects.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer hr.Body.Close()
	raw, _ := io.ReadAll(hr.Body)
	r := resp{status: hr.StatusCode, hdr: hr.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// token posts to /oauth/token with form client credentials.
func (e *env) token(c client, form url.Values) resp {
	e.t.Helper()
	form.Set("client_id", c.id())
	if c.secret != "" {
		form.Set("client_secret", c.secret)
	}
	return e.postForm("/oauth/token", form, nil)
}

func (e *env) exchange(c client, code string) resp {
	e.t.Helper()
	return e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}})
}

func (e *env) refresh(c client, rt string) resp {
	e.t.Helper()
	return e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
}

// tokens gets a token pair for alice from the live app through the code flow.
func (e *env) tokens(c client) resp {
	e.t.Helper()
	r := e.exchange(c, e.browser().code(authzPath(c, nil), "alice@a.test"))
	if r.status != 200 {
		e.t.Fatalf("exchange: %d %s", r.status, r.raw)
	}
	return r
}

// api calls /oauth/token/info with a bearer token.
func (e *env) info(token string) resp {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.ts.URL+"/oauth/token/info", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

func (e *env) alive(token string) bool {
	e.t.Helper()
	r := e.info(token)
	if r.status != 200 && r.status != 401 {
		e.t.Fatalf("token info: %d %s", r.status, r.raw)
	}
	return r.status == 200
}

func wantOAuthError(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.status != status || r.str("error") != code {
		t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
	if r.str("error_description") == "" {
		t.Fatalf("no error_description: %s", r.raw)
	}
}

func (p page) cookies() []*http.Cookie {
	return (&http.Response{Header: p.hdr}).Cookies()
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
