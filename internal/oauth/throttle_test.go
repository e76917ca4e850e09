package oauth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func pwGrant(user, pw string) url.Values {
	return url.Values{"grant_type": {"password"}, "username": {user}, "password": {pw}}
}

// Every spelling of one username counts against one counter: five wrong
// passwords spread over "email", "PIN/email", "PIN /email" and case
// variants lock the username.
func TestLoginThrottleNormalisesUsernames(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st)
		for _, u := range []string{"bob@b.test", "7777/bob@b.test", "7777 /bob@b.test", "7777   / BOB@b.test ", " Bob@B.Test"} {
			if r := e.token(e.pw, pwGrant(u, "guess")); r.status != http.StatusBadRequest {
				t.Fatalf("%q: %d %s", u, r.status, r.raw)
			}
		}
		r := e.token(e.pw, pwGrant("7777/bob@b.test", goodPass))
		if r.status != http.StatusTooManyRequests || r.hdr.Get("Retry-After") == "" {
			t.Fatalf("sixth attempt under another spelling: %d %s", r.status, r.raw)
		}
		// The login page shares the counter.
		b := e.browser()
		path := authzPath(e.live, nil)
		lp := b.get(path)
		p := b.post(path, url.Values{"csrf_token": {csrfOf(t, lp.body)}, "email": {"7777/ bob@b.test"}, "password": {goodPass}})
		if p.status != http.StatusTooManyRequests {
			t.Fatalf("login page after the grant failures: %d", p.status)
		}
	})
}

// Concurrent guesses are counted before the password work: of 25 at once
// against a limit of 5, at most 5 get their password checked.
func TestLoginThrottleRace(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st)
		const n = 25
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				statuses[i] = e.token(e.pw, pwGrant("7777/bob@b.test", "guess")).status
			})
		}
		wg.Wait()
		checked, throttled := 0, 0
		for _, s := range statuses {
			switch s {
			case http.StatusBadRequest:
				checked++
			case http.StatusTooManyRequests:
				throttled++
			default:
				t.Fatalf("unexpected status %d in %v", s, statuses)
			}
		}
		if checked > loginUserMax || checked+throttled != n {
			t.Fatalf("%d guesses were checked, %d throttled; want at most %d checked", checked, throttled, loginUserMax)
		}
	})
}

// The counters are in the database: a second server on the same database
// sees the first one's failures, and Store.ClearLoginAttempts (lintel
// users unlock) lets the user in again at once.
func TestLoginThrottleSharedAndUnlock(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st)
		for range loginUserMax {
			e.token(e.pw, pwGrant("bob@b.test", "guess"))
		}
		mux := http.NewServeMux()
		ts := httptest.NewServer(mux)
		t.Cleanup(ts.Close)
		srv2, err := New(Config{Store: st, Issuer: ts.URL, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		srv2.Register(mux)
		form := pwGrant("7777/bob@b.test", goodPass)
		form.Set("client_id", e.pw.id())
		form.Set("client_secret", e.pw.secret)
		post := func() int {
			hr, err := http.Post(ts.URL+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			hr.Body.Close()
			return hr.StatusCode
		}
		if s := post(); s != http.StatusTooManyRequests {
			t.Fatalf("second server ignores the first one's failures: %d", s)
		}
		if n, err := st.ClearLoginAttempts(context.Background(), store.UserThrottleKey("BOB@b.test")); err != nil || n != 1 {
			t.Fatalf("unlock: %d %v", n, err)
		}
		if s := post(); s != http.StatusOK {
			t.Fatalf("after unlock: %d", s)
		}
		// A success clears the username's counter.
		for range loginUserMax - 1 {
			e.token(e.pw, pwGrant("bob@b.test", "guess"))
		}
		if r := e.token(e.pw, pwGrant("bob@b.test", goodPass)); r.status != http.StatusOK {
			t.Fatalf("right password on the last try: %d %s", r.status, r.raw)
		}
		for range loginUserMax {
			if r := e.token(e.pw, pwGrant("bob@b.test", "guess")); r.status != http.StatusBadRequest {
				t.Fatalf("counter not cleared by the success: %d %s", r.status, r.raw)
			}
		}
	})
}

// A full password gate answers 503 with Retry-After, without checking the
// password and without counting the attempt against the user.
func TestPasswordGateRefusesWhenFull(t *testing.T) {
	e := newEnv(t)
	e.srv.hashGate = password.NewGate(1, 1, 30*time.Millisecond)
	release, err := e.srv.hashGate.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 * loginUserMax {
		r := e.token(e.pw, pwGrant("7777/bob@b.test", "guess"))
		wantOAuthError(t, r, http.StatusServiceUnavailable, "temporarily_unavailable")
		if r.hdr.Get("Retry-After") == "" {
			t.Fatalf("503 without Retry-After: %v", r.hdr)
		}
	}
	b := e.browser()
	path := authzPath(e.live, nil)
	lp := b.get(path)
	if p := b.post(path, url.Values{"csrf_token": {csrfOf(t, lp.body)}, "email": {"bob@b.test"}, "password": {goodPass}}); p.status != http.StatusServiceUnavailable || p.hdr.Get("Retry-After") == "" || !isLogin(p) {
		t.Fatalf("login page with a full gate: %d %v", p.status, p.hdr)
	}
	release()
	if r := e.token(e.pw, pwGrant("7777/bob@b.test", goodPass)); r.status != http.StatusOK {
		t.Fatalf("refused attempts were counted: %d %s", r.status, r.raw)
	}
}

// A flood of wrong secrets for a client_id is throttled per address and
// never refuses the real client: its right secret keeps working, for the
// password grant and for refreshes, from the flooding address too.
func TestWrongSecretFloodDoesNotLockOutClient(t *testing.T) {
	e := newEnv(t)
	h := e.ts.Config.Handler
	send := func(addr string, form url.Values, secret string) *httptest.ResponseRecorder {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("client_id", e.pw.id())
		f.Set("client_secret", secret)
		req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = addr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	const attacker, other = "203.0.113.9:4000", "198.51.100.7:5000"
	grant := pwGrant("4242/alice@a.test", goodPass)
	first := send(other, grant, e.pw.secret)
	if first.Code != http.StatusOK {
		t.Fatalf("first grant: %d %s", first.Code, first.Body)
	}
	rt := jsonField(t, first.Body.String(), "refresh_token")
	var last *httptest.ResponseRecorder
	for range 30 {
		last = send(attacker, grant, "wrong-secret")
	}
	if last.Code != http.StatusTooManyRequests {
		t.Fatalf("wrong-secret flood not throttled: %d %s", last.Code, last.Body)
	}
	for _, addr := range []string{attacker, other} {
		if w := send(addr, grant, e.pw.secret); w.Code != http.StatusOK {
			t.Fatalf("right secret from %s refused during the flood: %d %s", addr, w.Code, w.Body)
		}
		w := send(addr, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, e.pw.secret)
		if w.Code != http.StatusOK {
			t.Fatalf("refresh from %s refused during the flood: %d %s", addr, w.Code, w.Body)
		}
		rt = jsonField(t, w.Body.String(), "refresh_token")
	}
	// Another address's wrong secrets are still answered 401, not 429.
	if w := send(other, grant, "wrong-secret"); w.Code != http.StatusUnauthorized {
		t.Fatalf("wrong secret from another address: %d", w.Code)
	}
}

// jsonField returns a string member of a JSON object.
func jsonField(t *testing.T, body, key string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	s, _ := m[key].(string)
	if s == "" {
		t.Fatalf("no %s in %s", key, body)
	}
	return s
}
