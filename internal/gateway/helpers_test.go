package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a gateway in front of a fake API, over a store with two accounts
// (A and B) of one operator each.
type env struct {
	t       testing.TB
	st      *store.Store
	gw      *Gateway
	h       http.Handler // the middleware in front of api
	api     http.Handler // the fake API alone
	clock   *clock
	bearers atomic.Int64 // calls of the fake bearer authenticator
	hits    atomic.Int64 // requests that reached the fake API
	a, b    *domain.Account
	ua, ub  *domain.User
	ua2     *domain.User // a second operator of A
}

// tokens of the fake bearer authenticator.
const (
	tokA  = "Bearer token-a"
	tokA2 = "Bearer token-a2"
	tokB  = "Bearer token-b"
)

func newEnv(t testing.TB, st *store.Store, limits Limits) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, st: st, clock: &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	e.a = &domain.Account{Name: "A", TimeZone: "UTC"}
	e.b = &domain.Account{Name: "B", TimeZone: "UTC"}
	for _, a := range []*domain.Account{e.a, e.b} {
		if err := st.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	e.ua = &domain.User{AccountID: e.a.ID, Email: "ops@a.example", PasswordHash: "x"}
	e.ua2 = &domain.User{AccountID: e.a.ID, Email: "second@a.example", PasswordHash: "x"}
	e.ub = &domain.User{AccountID: e.b.ID, Email: "ops@b.example", PasswordHash: "x"}
	for _, u := range []*domain.User{e.ua, e.ua2, e.ub} {
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	principals := map[string]*domain.Principal{
		tokA:  {AccountID: e.a.ID, UserID: e.ua.ID, TokenID: 1, Scopes: domain.NewScopeSet("account.person")},
		tokA2: {AccountID: e.a.ID, UserID: e.ua2.ID, TokenID: 2, Scopes: domain.NewScopeSet("account.person")},
		tokB:  {AccountID: e.b.ID, UserID: e.ub.ID, TokenID: 3, Scopes: domain.NewScopeSet("account.person")},
	}
	bearer := func(r *http.Request) (*domain.Principal, error) {
		e.bearers.Add(1)
		if p, ok := principals[r.Header.Get("Authorization")]; ok {
			cp := *p
			return &cp, nil
		}
		return nil, &domain.Error{Code: domain.EUNAUTHORIZED, Wire: "invalid_token", Message: "The access token is invalid"}
	}
	e.gw = New(Config{Store: st, Now: e.clock.now, Limits: limits, Bearer: bearer})
	// The fake API: answers 401 in its own words when unauthenticated,
	// else echoes who is calling.
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		p, err := e.gw.Authenticate(r)
		if err != nil {
			httpx.WriteError(w, r, nil, err)
			return
		}
		out := map[string]any{
			"account_id": p.AccountID, "user_id": p.UserID, "via_api_key": p.ViaAPIKey, "scopes": p.Scopes.List(),
		}
		if v := p.Versions; v != nil {
			out["versions"] = []int64{v.People, v.Events, v.Settings}
		}
		httpx.WriteJSON(w, http.StatusOK, out)
	})
	mux := http.NewServeMux()
	mux.Handle("/api/3/", api)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	e.api = mux
	e.h = e.gw.Middleware(mux)
	return e
}

// call makes a GET to path with optional headers (name, value pairs).
func (e *env) call(path string, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// body decodes a JSON response body.
func body(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", w.Body.String(), err)
	}
	return m
}

// wantError checks status and the DoorFlow error shape with a wire name.
func wantError(t testing.TB, w *httptest.ResponseRecorder, status int, wire string) map[string]any {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body.String())
	}
	m := body(t, w)
	if m["error"] != wire {
		t.Fatalf("error %v, want %q; body %s", m["error"], wire, w.Body.String())
	}
	if d, _ := m["error_description"].(string); d == "" {
		t.Fatalf("no error_description in %s", w.Body.String())
	}
	return m
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// subKey creates a subscription key on an account and returns it.
func (e *env) subKey(accountID int64) (string, *store.SubscriptionKey) {
	e.t.Helper()
	k, raw, err := CreateSubscriptionKey(context.Background(), e.st, accountID, "test", e.clock.now)
	if err != nil {
		e.t.Fatal(err)
	}
	return raw, k
}

func upper(s string) string { return strings.ToUpper(s) }
