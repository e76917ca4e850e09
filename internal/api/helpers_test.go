package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/lintel-dev/lintel/internal/api"
	"github.com/lintel-dev/lintel/internal/clocktest"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/mobile"
	"github.com/lintel-dev/lintel/internal/store"
)

// specPath is the DoorFlow v3 contract: LINTEL_DOORFLOW_OPENAPI, or the
// reference copy beside the repository.
var specPath = func() string {
	if p := os.Getenv("LINTEL_DOORFLOW_OPENAPI"); p != "" {
		return p
	}
	return "../../../shared/reference/doorflow-openapi.yaml"
}()

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

// loadSpec returns a router over the reference spec, or nil when the file
// is absent (the contract checks are then skipped).
func loadSpec(t testing.TB) routers.Router {
	specOnce.Do(func() {
		if _, err := os.Stat(specPath); err != nil {
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(specPath)
		if err != nil {
			specErr = err
			return
		}
		specRouter, specErr = legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	})
	if specErr != nil {
		t.Fatalf("load spec: %v", specErr)
	}
	return specRouter
}

// allScopes is every scope the /api/3 routes use.
var allScopes = []string{
	"account.person", "account.credential_type.readonly", "account.group.readonly", "account.role.readonly",
	"account.site.readonly", "account.channel.readonly", "account.event.access.readonly", "account.reservation",
	"account.group_reservation", "account.channel.admit", "account.channel.admit.person", "account.notification_rule",
	"account.sync", "account.site", "account.channel", "account.credential_type", "account.group", "account.role",
	"account.shift",
}

// env is an API over a real store, seeded with the demo account (A) and a
// second account (B), with bearer tokens mapped to principals.
type env struct {
	t      testing.TB
	st     *store.Store
	h      http.Handler
	clock  *clocktest.Clock
	acct   *domain.Account
	other  *domain.Account
	tokens map[string]*domain.Principal
	// skipSpec turns off the contract check for the next request.
	skipSpec bool
	// strict also validates requests against the spec, and records the
	// operation of every checked request in seen.
	strict bool
	seen   map[string]bool
	// disp is the dispatcher the API uses (nil: no controller).
	disp domain.Dispatcher
	// api is the API behind h; plain is the same API without its list
	// cache, for comparing answers.
	api   *api.API
	plain http.Handler
	// versionsAtAuth makes auth read the account's list versions into the
	// principal, as the OAuth server does with the token; off, the API
	// reads them itself (as for a principal from an API key).
	versionsAtAuth bool
}

var testNow = time.Date(2025, 6, 10, 10, 30, 0, 0, time.UTC)

func newEnv(t testing.TB, st *store.Store) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, st: st, tokens: map[string]*domain.Principal{}}
	e.clock = clocktest.New(testNow)
	clock := e.clock.Now
	acct, err := demo.Seed(ctx, st, demo.Options{Now: clock, People: 12})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	e.acct = acct
	other, err := demo.Seed(ctx, st, demo.Options{Now: clock, People: 3})
	if err != nil {
		t.Fatalf("seed other: %v", err)
	}
	e.other = other
	u := &domain.User{AccountID: acct.ID, Email: "owner@cowork.example", FirstName: "Olive", LastName: "Owner", PasswordHash: "x"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	e.tokens["all"] = &domain.Principal{AccountID: acct.ID, UserID: u.ID, Scopes: domain.NewScopeSet(allScopes...)}
	e.tokens["none"] = &domain.Principal{AccountID: acct.ID, UserID: u.ID, Scopes: domain.NewScopeSet()}
	e.tokens["other"] = &domain.Principal{AccountID: other.ID, Scopes: domain.NewScopeSet(allScopes...)}
	hub := controller.New(controller.Config{Store: st, Now: clock})
	mob := mobile.New(mobile.Config{Store: st, BaseURL: "http://lintel.test", Now: clock})
	cfg := api.Config{Store: st, Log: slog.New(slog.DiscardHandler), Now: clock, Auth: e.auth, Dispatcher: dispatcherFunc(e.dispatch), Decider: hub,
		Mobile: mob, BaseURL: "http://lintel.test"}
	a := api.New(cfg)
	mux := http.NewServeMux()
	a.Register(mux)
	a.RegisterMedia(mux)
	mob.Register(mux)
	e.h, e.api = mux, a
	cfg.ListCacheBytes = -1
	plain := http.NewServeMux()
	api.New(cfg).Register(plain)
	e.plain = plain
	return e
}

// dispatcherFunc adapts a function to domain.Dispatcher.
type dispatcherFunc func(context.Context, *domain.ChannelCommand) (bool, error)

func (f dispatcherFunc) Dispatch(ctx context.Context, c *domain.ChannelCommand) (bool, error) {
	return f(ctx, c)
}

// dispatch forwards to e.disp, or reports no controller.
func (e *env) dispatch(ctx context.Context, c *domain.ChannelCommand) (bool, error) {
	if e.disp == nil {
		return false, nil
	}
	return e.disp.Dispatch(ctx, c)
}

func (e *env) auth(r *http.Request) (*domain.Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if p := e.tokens[tok]; ok && p != nil {
		cp := *p
		if cp.Role == "" { // test principals act for an owner unless they say otherwise
			cp.Role = domain.RoleOwner
		}
		if e.versionsAtAuth {
			people, err := e.st.ListVersion(r.Context(), cp.AccountID, store.ListPeople)
			if err != nil {
				return nil, err
			}
			events, err := e.st.ListVersion(r.Context(), cp.AccountID, store.ListEvents)
			if err != nil {
				return nil, err
			}
			settings, err := e.st.ListVersion(r.Context(), cp.AccountID, store.ListSettings)
			if err != nil {
				return nil, err
			}
			cp.Versions = &domain.ListVersions{People: people, Events: events, Settings: settings}
		}
		return &cp, nil
	}
	return nil, &domain.Error{Code: domain.EUNAUTHORIZED, Message: "The access token is invalid", Wire: "invalid_token"}
}

// as returns a copy of e that sends token.
type client struct {
	e     *env
	token string
}

func (e *env) as(token string) client { return client{e: e, token: token} }

// do sends a request with the token and checks the response against the
// reference spec (status documented for the operation, body and headers
// valid), unless skipSpec was set.
func (c client) do(method, path, body string) *httptest.ResponseRecorder {
	c.e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if method == "POST" || method == "PUT" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	c.e.h.ServeHTTP(rec, req)
	if c.e.skipSpec {
		c.e.skipSpec = false
	} else {
		checkSpec(c.e, method, path, body, rec)
	}
	return rec
}

// checkSpec validates a response against the operation the spec defines
// for the request.
func checkSpec(e *env, method, path, body string, rec *httptest.ResponseRecorder) {
	t := e.t
	t.Helper()
	router := loadSpec(t)
	if router == nil {
		return
	}
	req := httptest.NewRequest(method, "https://api.doorflow.com"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: not in the spec: %v", method, path, err)
		return
	}
	if e.strict {
		if e.seen == nil {
			e.seen = map[string]bool{}
		}
		e.seen[route.Operation.OperationID] = true
		rin := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
		if err := openapi3filter.ValidateRequest(context.Background(), rin); err != nil {
			t.Errorf("%s %s: request does not match the spec: %v\nbody: %s", method, path, err, body)
		}
		req = httptest.NewRequest(method, "https://api.doorflow.com"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  rec.Code,
		Header:  rec.Header(),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s -> %d does not match the spec: %v\nbody: %s", method, path, rec.Code, err, rec.Body)
	}
}

// expect fails unless the response has the status; it returns the body
// decoded into T.
func expect[T any](t *testing.T, rec *httptest.ResponseRecorder, status int) T {
	t.Helper()
	var out T
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			t.Fatalf("decode %s: %v", rec.Body, err)
		}
	}
	return out
}

type obj = map[string]any

type list = []map[string]any

func num(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// errorBody checks the DoorFlow error shape and returns it.
func errorBody(t *testing.T, rec *httptest.ResponseRecorder, status int, wire string) obj {
	t.Helper()
	b := expect[obj](t, rec, status)
	if b["error"] != wire || b["error_description"] == "" || b["error_description"] == nil {
		t.Fatalf("error body %v, want error %q", b, wire)
	}
	return b
}

// ids of the demo account, looked up through the store.
func (e *env) ids() (groups map[string]int64, types map[string]int64, channels []int64) {
	ctx := context.Background()
	groups, types = map[string]int64{}, map[string]int64{}
	gs, _ := e.st.ListGroups(ctx, e.acct.ID)
	for _, g := range gs {
		groups[g.Name] = g.ID
	}
	ts, _, _ := e.st.ListCredentialTypes(ctx, e.acct.ID, store.Page{})
	for _, t := range ts {
		types[t.Label] = t.ID
	}
	chs, _, _ := e.st.ListChannels(ctx, e.acct.ID, nil, store.Page{})
	for _, c := range chs {
		channels = append(channels, c.ID)
	}
	return groups, types, channels
}

// plainSQL runs a statement on the store's database directly, as a tool
// outside Lintel would (nothing of Lintel's sees it), with ? placeholders
// on either database.
func plainSQL(t *testing.T, st *store.Store, q string, args ...any) {
	t.Helper()
	if st.Dialect() == store.Postgres {
		for i := range args {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i+1), 1)
		}
	}
	if _, err := st.DB().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}
