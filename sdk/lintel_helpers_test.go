package lintel_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/store/storetest"
	lintel "github.com/lintel-dev/lintel/sdk"
)

// server is a real Lintel with the demo and an OAuth application that may
// ask for every scope, the extensions and the restricted one included.
type server struct {
	*app.App
	demo         *app.DemoInfo
	clientID     string
	clientSecret string
	redirect     string
}

const testRedirect = "http://127.0.0.1:9/callback"

// startServer starts Lintel on backend b with opt (a clock, a log) and
// registers the test application.
func startServer(t *testing.T, b storetest.Backend, opt app.Options) *server {
	t.Helper()
	cfg := apptest.Config(t, b)
	cfg.RateLimit, cfg.AccountRateLimit = 100000, 100000 // the tests measure collapsing, not the limiter
	a, info := apptest.StartWith(t, cfg, opt, 50)
	ctx := context.Background()
	acct, err := a.Store.GetAccountByUID(ctx, info.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range domain.Scopes {
		names = append(names, s.Name)
	}
	created, secret, err := oauth.CreateApp(ctx, a.Store, oauth.NewApp{AccountID: acct.ID, Name: "SDK tests",
		RedirectURIs: []string{testRedirect}, Scopes: domain.NewScopeSet(names...), State: domain.AppTesting,
		PasswordGrant: true, AdmitApproved: true})
	if err != nil {
		t.Fatal(err)
	}
	return &server{App: a, demo: info, clientID: created.UID, clientSecret: secret, redirect: testRedirect}
}

// authConfig is the test application's configuration.
func (s *server) authConfig(storage lintel.TokenStorage, hc *http.Client) lintel.AuthConfig {
	return lintel.AuthConfig{BaseURL: s.BaseURL(), ClientID: s.clientID, ClientSecret: s.clientSecret,
		RedirectURL: s.redirect, Storage: storage, HTTPClient: hc}
}

// allScopes is every scope the server knows.
func allScopes() []string {
	var names []string
	for _, s := range domain.Scopes {
		names = append(names, s.Name)
	}
	return names
}

// connect runs the authorization-code flow through the server's sign-in
// and consent pages and returns the connected Auth.
func (s *server) connect(t *testing.T, storage lintel.TokenStorage, hc *http.Client) *lintel.Auth {
	t.Helper()
	a, err := lintel.NewAuth(s.authConfig(storage, hc))
	if err != nil {
		t.Fatal(err)
	}
	req, err := a.AuthCodeURL(allScopes()...)
	if err != nil {
		t.Fatal(err)
	}
	q := apptest.Authorize(t, req.URL, s.demo.AdminEmail, s.demo.AdminPassword, s.redirect)
	if _, err := a.HandleCallback(context.Background(), q, req.State, req.CodeVerifier); err != nil {
		t.Fatalf("callback %v: %v", q, err)
	}
	return a
}

// recorder is a transport that notes every request it carries.
type recorder struct {
	mu   sync.Mutex
	reqs []string // "METHOD /path"
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Method+" "+req.URL.Path)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.reqs, ", ")
}
