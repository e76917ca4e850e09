package apispec_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestMain(m *testing.M) {
	password.UseCheap()
	m.Run()
}

// server is a whole Lintel started through app.New on a free port, with
// the CoWork HQ demo seeded.
type server struct {
	*app.App
	demo *app.DemoInfo
}

// eachBackend starts one server per test backend (SQLite, and PostgreSQL
// when LINTEL_TEST_POSTGRES_URL is set) and runs fn against each.
func eachBackend(t *testing.T, fn func(t *testing.T, s *server)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			a, info := apptest.Start(t, apptest.Config(t, b), nil, 20)
			fn(t, &server{App: a, demo: info})
		})
	}
}

// token gets an access token for the demo operator through the password
// grant, with every scope the demo application may ask for.
func (s *server) token(t *testing.T) string {
	t.Helper()
	return s.grant(t, s.demo.ClientID, s.demo.ClientSecret, s.demo.Scope)
}

// extensionToken registers an application for every scope, extension
// scopes included, and gets a token from it for the demo operator.
func (s *server) extensionToken(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	all := domain.ScopeSet{}
	for _, sc := range domain.Scopes {
		all[sc.Name] = struct{}{}
	}
	app, secret, err := oauth.CreateApp(ctx, s.Store, oauth.NewApp{AccountID: acct.ID, Name: "Every scope",
		RedirectURIs: []string{"http://127.0.0.1/cb"}, Scopes: all, PasswordGrant: true, AdmitApproved: true})
	if err != nil {
		t.Fatalf("register app: %v", err)
	}
	return s.grant(t, app.UID, secret, all.String())
}

// grant runs the password grant for the demo operator.
func (s *server) grant(t *testing.T, clientID, secret, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "client_id": {clientID}, "client_secret": {secret},
		"username": {s.demo.AdminEmail}, "password": {s.demo.AdminPassword}, "scope": {scope}}
	resp, err := http.PostForm(s.BaseURL()+"/oauth/token", form)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.AccessToken == "" {
		t.Fatalf("token: status %d, %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

// exchange is one request sent to the live server and its answer.
type exchange struct {
	req    *http.Request
	status int
	header http.Header
	body   []byte
}

// do sends method path (with an optional JSON body and bearer token) to s
// and reads the whole answer. When the server's rate limiter refuses the
// request (429 with RateLimit-Remaining 0), do waits as long as
// Retry-After asks and tries again, a few times at most.
func (s *server) do(t *testing.T, method, path, body, token string) *exchange {
	t.Helper()
	for attempt := 0; ; attempt++ {
		x := s.doOnce(t, method, path, body, token)
		if x.status != http.StatusTooManyRequests || x.header.Get("RateLimit-Remaining") != "0" || attempt == 5 {
			return x
		}
		wait, err := strconv.Atoi(x.header.Get("Retry-After"))
		if err != nil || wait < 1 {
			wait = 1
		}
		time.Sleep(time.Duration(min(wait, 5)) * time.Second)
	}
}

// doOnce is do without the retry.
func (s *server) doOnce(t *testing.T, method, path, body, token string) *exchange {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.BaseURL()+path, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	// The request is kept for validation; give it a fresh body.
	req2, _ := http.NewRequest(method, s.BaseURL()+path, strings.NewReader(body))
	req2.Header = req.Header.Clone()
	return &exchange{req: req2, status: resp.StatusCode, header: resp.Header, body: b}
}

// postForm posts a form to s, with HTTP Basic client authentication when
// user is not empty, and reads the whole answer.
func (s *server) postForm(t *testing.T, path string, form url.Values, user, pass string) *exchange {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.BaseURL()+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: read: %v", path, err)
	}
	req2, _ := http.NewRequest(http.MethodPost, s.BaseURL()+path, strings.NewReader(form.Encode()))
	req2.Header = req.Header.Clone()
	return &exchange{req: req2, status: resp.StatusCode, header: resp.Header, body: b}
}
