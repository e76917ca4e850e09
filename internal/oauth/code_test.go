package oauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestSeedFlows runs the DoorBird-style flow (code, refresh with form
// credentials, revoke an access token) and the DoorFlow quickstart
// exchange on every backend.
func TestSeedFlows(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st)
		loc := e.browser().authorize(authzPath(e.live, url.Values{"scope": {"account.person account.channel.readonly"}}), "alice@a.test")
		if loc.Query().Get("state") != "mystate" || loc.Query().Get("iss") != e.ts.URL {
			t.Fatalf("redirect: %s", loc)
		}
		r := e.exchange(e.live, loc.Query().Get("code"))
		if r.status != 200 {
			t.Fatalf("exchange: %d %s", r.status, r.raw)
		}
		if r.str("token_type") != "Bearer" || r.body["expires_in"] != float64(3600) || r.str("scope") != "account.person account.channel.readonly" ||
			len(r.str("access_token")) != 43 || len(r.str("refresh_token")) != 43 || r.body["created_at"] != float64(e.clock.Now().Unix()) {
			t.Fatalf("token response: %s", r.raw)
		}
		if r.hdr.Get("Cache-Control") != "no-store" || r.hdr.Get("Pragma") != "no-cache" {
			t.Fatalf("caching headers: %v", r.hdr)
		}
		req := httptestRequest(r.str("access_token"))
		p, err := e.srv.Authenticate(req)
		if err != nil {
			t.Fatal(err)
		}
		if p.AccountID != e.acctA.ID || p.UserID != e.alice.ID || p.AppID != e.live.app.ID || p.AppUID != e.live.id() ||
			p.TokenID == 0 || !p.Scopes.Has("account.person.readonly") || p.ExpiresAt == nil || !p.ExpiresAt.Equal(p.CreatedAt.Add(time.Hour)) {
			t.Fatalf("principal: %+v", p)
		}
		r2 := e.refresh(e.live, r.str("refresh_token"))
		if r2.status != 200 || r2.str("refresh_token") == r.str("refresh_token") || r2.str("access_token") == r.str("access_token") {
			t.Fatalf("refresh: %d %s", r2.status, r2.raw)
		}
		rv := e.postForm("/oauth/revoke", url.Values{"client_id": {e.live.id()}, "client_secret": {e.live.secret}, "token": {r2.str("access_token")}}, nil)
		if rv.status != 200 || strings.TrimSpace(rv.raw) != "{}" {
			t.Fatalf("revoke: %d %s", rv.status, rv.raw)
		}
		if e.alive(r2.str("access_token")) {
			t.Fatal("revoked access token still works")
		}
	})
}

func TestCodeSingleUseAndReplayRevokesFamily(t *testing.T) {
	e := newEnv(t)
	code := e.browser().code(authzPath(e.live, nil), "alice@a.test")
	first := e.exchange(e.live, code)
	if first.status != 200 {
		t.Fatalf("first exchange: %s", first.raw)
	}
	refreshed := e.refresh(e.live, first.str("refresh_token"))
	if refreshed.status != 200 {
		t.Fatalf("refresh: %s", refreshed.raw)
	}
	wantOAuthError(t, e.exchange(e.live, code), 400, "invalid_grant")
	if e.alive(first.str("access_token")) || e.alive(refreshed.str("access_token")) {
		t.Fatal("tokens of a replayed code still work")
	}
	wantOAuthError(t, e.refresh(e.live, refreshed.str("refresh_token")), 400, "invalid_grant")
	if !strings.Contains(e.logs.String(), "authorization code replayed") {
		t.Fatal("replay not logged")
	}
}

func TestCodeExpiry(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	code := b.code(authzPath(e.live, nil), "alice@a.test")
	e.clock.Add(DefaultCodeTTL + time.Second)
	wantOAuthError(t, e.exchange(e.live, code), 400, "invalid_grant")

	code = b.code(authzPath(e.live, nil), "alice@a.test")
	e.clock.Add(DefaultCodeTTL - time.Second)
	if r := e.exchange(e.live, code); r.status != 200 {
		t.Fatalf("code just inside its lifetime: %s", r.raw)
	}
}

func TestCodeBindings(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	cases := []struct {
		name string
		run  func(code string) resp
	}{
		{"another client", func(code string) resp { return e.exchange(e.other, code) }},
		{"different redirect_uri", func(code string) resp {
			return e.token(e.live, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect + "/"}})
		}},
		{"missing redirect_uri", func(code string) resp {
			return e.token(e.live, url.Values{"grant_type": {"authorization_code"}, "code": {code}})
		}},
		{"unknown code", func(string) resp { return e.exchange(e.live, newSecret()) }},
		{"junk code", func(string) resp { return e.exchange(e.live, "abc") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code := b.code(authzPath(e.live, nil), "alice@a.test")
			wantOAuthError(t, c.run(code), 400, "invalid_grant")
			// The failed attempt did not consume the code.
			if r := e.exchange(e.live, code); r.status != 200 {
				t.Fatalf("legitimate exchange after a refused one: %s", r.raw)
			}
		})
	}
	// redirect_uri not sent at authorize (single registered URI): optional at the token endpoint.
	code := b.code(authzPath(e.live, url.Values{"redirect_uri": nil}), "alice@a.test")
	if r := e.token(e.live, url.Values{"grant_type": {"authorization_code"}, "code": {code}}); r.status != 200 {
		t.Fatalf("no redirect_uri anywhere: %s", r.raw)
	}
	wantOAuthError(t, e.token(e.live, url.Values{"grant_type": {"authorization_code"}}), 400, "invalid_request")
}

func TestPKCE(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	verifier := newSecret() + "-extra.chars~"
	challenge := pkceS256(verifier)
	pk := url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	exchange := func(c client, code, v string) resp {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}
		if v != "" {
			f.Set("code_verifier", v)
		}
		return e.token(c, f)
	}
	// Public client: PKCE works and is required.
	if r := exchange(e.public, b.code(authzPath(e.public, pk), "alice@a.test"), verifier); r.status != 200 {
		t.Fatalf("public client with PKCE: %s", r.raw)
	}
	loc := b.authorize(authzPath(e.public, nil), "alice@a.test")
	if loc.Query().Get("error") != "invalid_request" || loc.Query().Get("state") != "mystate" {
		t.Fatalf("public client without PKCE: %s", loc)
	}
	// Confidential client with RequirePKCE.
	loc = b.authorize(authzPath(e.strict, url.Values{"state": {"long-enough-state"}}), "alice@a.test")
	if loc.Query().Get("error") != "invalid_request" {
		t.Fatalf("RequirePKCE app without PKCE: %s", loc)
	}
	// Confidential client: optional, and enforced once used.
	if r := exchange(e.live, b.code(authzPath(e.live, nil), "alice@a.test"), ""); r.status != 200 {
		t.Fatalf("confidential without PKCE: %s", r.raw)
	}
	for name, v := range map[string]string{"wrong verifier": newSecret(), "missing verifier": "", "short verifier": "abc"} {
		code := b.code(authzPath(e.live, pk), "alice@a.test")
		r := exchange(e.live, code, v)
		if r.status != 400 || r.str("error") != "invalid_grant" {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if r := exchange(e.live, b.code(authzPath(e.live, nil), "alice@a.test"), verifier); r.str("error") != "invalid_grant" {
		t.Errorf("verifier without challenge: %s", r.raw)
	}
	// Methods and challenge shapes at /authorize.
	for name, q := range map[string]url.Values{
		"plain":              {"code_challenge": {challenge}, "code_challenge_method": {"plain"}},
		"no method":          {"code_challenge": {challenge}},
		"short challenge":    {"code_challenge": {"abc"}, "code_challenge_method": {"S256"}},
		"method only":        {"code_challenge_method": {"S256"}},
		"bad char challenge": {"code_challenge": {strings.Repeat("a", 42) + "+"}, "code_challenge_method": {"S256"}},
	} {
		p := b.get(authzPath(e.live, q))
		if p.status != http.StatusFound || p.loc.Query().Get("error") != "invalid_request" {
			t.Errorf("%s: %d %v", name, p.status, p.loc)
		}
	}
}

// httptestRequest builds a request carrying a bearer token.
func httptestRequest(token string) *http.Request {
	r, _ := http.NewRequest("GET", "http://lintel.test/api/3/account", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}
