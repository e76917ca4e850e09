package lintel

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeOAuth is an authorization server with single-use refresh tokens:
// presenting a spent one revokes the grant, as Lintel does.
type fakeOAuth struct {
	mu        sync.Mutex
	n         int
	access    map[string]bool // valid access tokens
	refresh   map[string]bool // unspent refresh tokens
	revoked   bool            // the grant was revoked (reuse, or by the client)
	refreshes atomic.Int32
	challenge string // PKCE challenge of the pending code
	revokeReq url.Values
	srv       *httptest.Server
}

func newFakeOAuth(t *testing.T) *fakeOAuth {
	f := &fakeOAuth{access: map[string]bool{}, refresh: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", f.token)
	mux.HandleFunc("POST /oauth/revoke", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, _ := r.BasicAuth()
		f.mu.Lock()
		defer f.mu.Unlock()
		f.revokeReq = r.PostForm
		if id != "app" || secret != "s3cret" {
			w.WriteHeader(403)
			fmt.Fprint(w, `{"error":"unauthorized_client"}`)
			return
		}
		f.revoked = true
		fmt.Fprint(w, `{}`)
	})
	mux.HandleFunc("GET /api/3/account", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		ok := f.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] && !f.revoked
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_token","error_description":"The access token is invalid"}`)
			return
		}
		fmt.Fprint(w, `{"id":"acct","name":"CoWork HQ"}`)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOAuth) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	fail := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":%q,"error_description":"refused"}`, code)
	}
	if r.PostForm.Get("client_id") != "app" || r.PostForm.Get("client_secret") != "s3cret" {
		fail("invalid_client")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if r.PostForm.Get("code") != "the-code" || base64.RawURLEncoding.EncodeToString(sum[:]) != f.challenge {
			fail("invalid_grant")
			return
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if f.revoked || !f.refresh[rt] {
			f.revoked = true // reuse: the whole grant goes
			fail("invalid_grant")
			return
		}
		delete(f.refresh, rt)
		f.refreshes.Add(1)
	default:
		fail("unsupported_grant_type")
		return
	}
	f.n++
	at, rt := fmt.Sprintf("at%d", f.n), fmt.Sprintf("rt%d", f.n)
	f.access[at], f.refresh[rt] = true, true
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600,"refresh_token":%q,"scope":"account.person","created_at":%d}`, at, rt, time.Now().Unix())
}

// expireAll makes the server refuse every access token issued so far.
func (f *fakeOAuth) expireAll() {
	f.mu.Lock()
	f.access = map[string]bool{}
	f.mu.Unlock()
}

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

func connect(t *testing.T, f *fakeOAuth, storage TokenStorage, clk *clock) *Auth {
	t.Helper()
	a, err := NewAuth(AuthConfig{BaseURL: f.srv.URL, ClientID: "app", ClientSecret: "s3cret", RedirectURL: "http://127.0.0.1:3333/cb",
		Scopes: []string{"account.person"}, Storage: storage, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	req, err := a.AuthCodeURL()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(req.URL)
	q := u.Query()
	if u.Path != "/oauth/authorize" || q.Get("state") != req.State || len(req.State) < 32 || q.Get("code_challenge_method") != "S256" ||
		q.Get("scope") != "account.person" || q.Get("redirect_uri") != "http://127.0.0.1:3333/cb" || q.Get("response_type") != "code" {
		t.Fatalf("authorize URL %s", req.URL)
	}
	f.mu.Lock()
	f.challenge = q.Get("code_challenge")
	f.mu.Unlock()
	cb := url.Values{"code": {"the-code"}, "state": {"forged"}}
	if _, err := a.HandleCallback(context.Background(), cb, req.State, req.CodeVerifier); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("forged state: %v", err)
	}
	cb.Set("state", req.State)
	tok, err := a.HandleCallback(context.Background(), cb, req.State, req.CodeVerifier)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || !tok.Expiry.Equal(clk.now().Add(time.Hour).Truncate(time.Second)) || tok.Scope != "account.person" {
		t.Fatalf("token %+v", tok)
	}
	return a
}

func TestCallbackErrors(t *testing.T) {
	f := newFakeOAuth(t)
	a, _ := NewAuth(AuthConfig{BaseURL: f.srv.URL, ClientID: "app", ClientSecret: "s3cret"})
	_, err := a.HandleCallback(context.Background(), url.Values{"state": {"abc"}, "error": {"access_denied"}, "error_description": {"The operator denied access"}}, "abc", "")
	var e *Error
	if !errors.As(err, &e) || e.Code != "access_denied" || e.Message != "The operator denied access" {
		t.Fatalf("%v", err)
	}
	if _, err := a.HandleCallback(context.Background(), url.Values{"state": {""}, "code": {"x"}}, "", ""); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("empty expected state: %v", err)
	}
	_, err = a.HandleCallback(context.Background(), url.Values{"state": {"abc"}, "code": {"wrong"}}, "abc", "v")
	if !errors.As(err, &e) || e.StatusCode != 400 || e.Code != "invalid_grant" {
		t.Fatalf("bad code: %v", err)
	}
	d, _ := NewAuth(AuthConfig{BaseURL: DoorFlowBaseURL, ClientID: "app"})
	req, _ := d.AuthCodeURL("account.person")
	if !strings.HasPrefix(req.URL, "https://admin.doorflow.com/oauth/authorize?") {
		t.Errorf("DoorFlow authorize URL %s", req.URL)
	}
}

// TestRefreshAheadSingleFlight: 50 goroutines needing a refresh at once
// cause one refresh, and a client keeps working across expiries.
func TestRefreshAheadSingleFlight(t *testing.T) {
	f := newFakeOAuth(t)
	clk := &clock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	a := connect(t, f, &MemoryStorage{}, clk)
	c, err := NewClient(f.srv.URL, WithAuth(a))
	if err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 3; round++ {
		clk.add(56 * time.Minute) // within the 5-minute refresh window
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for range 50 {
			wg.Go(func() {
				if _, err := c.Account.Get(context.Background()); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if got := f.refreshes.Load(); got != int32(round) {
			t.Fatalf("round %d: %d refreshes", round, got)
		}
	}
}

// TestRejectedTokenRefreshesOnce: a token the server refuses before its
// expiry is refreshed once for all the requests that used it, and the
// requests (a POST among them) are sent again.
func TestRejectedTokenRefreshesOnce(t *testing.T) {
	f := newFakeOAuth(t)
	clk := &clock{t: time.Now()}
	a := connect(t, f, &MemoryStorage{}, clk)
	c, _ := NewClient(f.srv.URL, WithAuth(a))
	f.expireAll()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.Account.Get(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if f.refreshes.Load() != 1 {
		t.Fatalf("%d refreshes", f.refreshes.Load())
	}
}

func TestRefusedRefreshForgetsGrant(t *testing.T) {
	f := newFakeOAuth(t)
	clk := &clock{t: time.Now()}
	st := &MemoryStorage{}
	a := connect(t, f, st, clk)
	f.mu.Lock()
	f.refresh = map[string]bool{} // the server forgot every refresh token
	f.mu.Unlock()
	_, err := a.Refresh(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Code != "invalid_grant" {
		t.Fatalf("%v", err)
	}
	if tok, _ := st.Load(context.Background()); tok != nil {
		t.Fatalf("dead grant kept: %+v", tok)
	}
	if _, err := a.Token(context.Background()); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("after: %v", err)
	}
}

func TestDisconnectRevokes(t *testing.T) {
	f := newFakeOAuth(t)
	clk := &clock{t: time.Now()}
	st := NewFileStorage(filepath.Join(t.TempDir(), "data", "tokens.json"))
	a := connect(t, f, st, clk)
	if ok, _ := a.Connected(context.Background()); !ok {
		t.Fatal("not connected after the callback")
	}
	if err := a.Disconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	form, revoked := f.revokeReq, f.revoked
	f.mu.Unlock()
	if !revoked || form.Get("token_type_hint") != "refresh_token" || !strings.HasPrefix(form.Get("token"), "rt") {
		t.Fatalf("revocation %v %v", revoked, form)
	}
	if ok, _ := a.Connected(context.Background()); ok {
		t.Fatal("still connected")
	}
	c, _ := NewClient(f.srv.URL, WithAuth(a))
	if _, err := c.Account.Get(context.Background()); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("call after disconnect: %v", err)
	}
}

// TestFileStorageUpdatesSerialise: concurrent Updates through separate
// FileStorage values (separate lock descriptors, as separate processes
// have) never interleave: each sees the previous one's write.
func TestFileStorageUpdatesSerialise(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	if _, err := NewFileStorage(path).Update(context.Background(), func(*Token) (*Token, error) {
		return &Token{AccessToken: "0"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		st := NewFileStorage(path)
		wg.Go(func() {
			for range 25 {
				_, err := st.Update(context.Background(), func(cur *Token) (*Token, error) {
					var n int
					fmt.Sscan(cur.AccessToken, &n)
					return &Token{AccessToken: fmt.Sprint(n + 1)}, nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	tok, err := NewFileStorage(path).Load(context.Background())
	if err != nil || tok.AccessToken != "200" {
		t.Fatalf("%+v %v", tok, err)
	}
	// A held lock makes a waiter give up when its context ends.
	held := make(chan struct{})
	release := make(chan struct{})
	go NewFileStorage(path).Update(context.Background(), func(cur *Token) (*Token, error) {
		close(held)
		<-release
		return cur, nil
	})
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := NewFileStorage(path).Update(ctx, func(cur *Token) (*Token, error) { return cur, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting on a held lock: %v", err)
	}
	close(release)
}
