package oauth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
)

func TestAuthorizeBadClientOrRedirectNeverRedirects(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	cases := map[string]url.Values{
		"unknown client":      {"client_id": {"nope"}},
		"missing client":      {"client_id": nil},
		"trailing slash":      {"redirect_uri": {redirect + "/"}},
		"extra path":          {"redirect_uri": {redirect + "/x"}},
		"extra query":         {"redirect_uri": {redirect + "?a=1"}},
		"other port":          {"redirect_uri": {"https://client.example:8443/cb"}},
		"http instead":        {"redirect_uri": {"http://client.example/cb"}},
		"path letter case":    {"redirect_uri": {"https://client.example/CB"}},
		"fragment":            {"redirect_uri": {redirect + "#x"}},
		"other host":          {"redirect_uri": {"https://evil.example/cb"}},
		"empty redirect":      {"redirect_uri": {""}},
		"duplicate client_id": {"client_id": {"a", "b"}},
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			p := b.get(authzPath(e.live, q))
			if p.status != http.StatusBadRequest || p.loc != nil || !strings.Contains(p.hdr.Get("Content-Type"), "text/html") {
				t.Fatalf("got %d location=%v", p.status, p.loc)
			}
		})
	}
	// Several registered URIs: redirect_uri is required.
	p := b.get(authzPath(e.multiURI, url.Values{"redirect_uri": nil}))
	if p.status != http.StatusBadRequest || p.loc != nil {
		t.Fatalf("multi-URI app without redirect_uri: %d %v", p.status, p.loc)
	}
	// ...and either registered one works.
	p = b.get(authzPath(e.multiURI, url.Values{"redirect_uri": {redirect2}}))
	if p.status != 200 {
		t.Fatalf("second registered URI: %d", p.status)
	}
	// Loopback native client: any port.
	p = b.get(authzPath(e.public, url.Values{"redirect_uri": {"http://127.0.0.1:51234/cb"}, "code_challenge": {pkceS256(newSecret())}, "code_challenge_method": {"S256"}}))
	if p.status != 200 {
		t.Fatalf("loopback port: %d %s", p.status, p.body)
	}
}

func TestAuthorizeErrorsRedirectWithState(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	cases := []struct {
		name  string
		c     client
		q     url.Values
		error string
	}{
		{"implicit", e.live, url.Values{"response_type": {"token"}}, "unsupported_response_type"},
		{"no response_type", e.live, url.Values{"response_type": nil}, "invalid_request"},
		{"unknown scope", e.live, url.Values{"scope": {"account.person deviceViewer"}}, "invalid_scope"},
		{"scope not registered", e.live, url.Values{"scope": {"account.sync"}}, "invalid_scope"},
		{"restricted admit", e.live, url.Values{"scope": {"account.channel.admit"}}, "invalid_scope"},
		{"restricted admit, registered but not approved", e.pending, url.Values{"scope": {"account.channel.admit"}}, "invalid_scope"},
		{"short state when required", e.strict, url.Values{"state": {"short"}, "code_challenge": {pkceS256(newSecret())}, "code_challenge_method": {"S256"}}, "invalid_request"},
		{"duplicate scope param", e.live, url.Values{"scope": {"account.person", "account.person"}}, "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := b.get(authzPath(c.c, c.q))
			if p.status != http.StatusFound || p.loc == nil {
				t.Fatalf("got %d %s", p.status, p.body)
			}
			q := p.loc.Query()
			wantState := "mystate"
			if s, ok := c.q["state"]; ok {
				wantState = s[0]
			}
			if !strings.HasPrefix(p.loc.String(), redirect+"?") || q.Get("error") != c.error || q.Get("error_description") == "" || q.Get("state") != wantState || q.Has("code") {
				t.Fatalf("redirect %s", p.loc)
			}
		})
	}
}

func TestAuthorizeScopesAndState(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	// The approved app may have the restricted scope.
	r := e.exchange(e.admit, b.code(authzPath(e.admit, url.Values{"scope": {"account.channel.admit"}}), "alice@a.test"))
	if r.status != 200 || r.str("scope") != "account.channel.admit" {
		t.Fatalf("approved admit: %s", r.raw)
	}
	// Registered for admit but not approved: the description says why, and
	// the default scope leaves it out.
	p := b.get(authzPath(e.pending, url.Values{"scope": {"account.channel.admit account.channel.readonly"}}))
	if !strings.Contains(p.loc.Query().Get("error_description"), "restricted") {
		t.Fatalf("unapproved admit: %v", p.loc)
	}
	r = e.exchange(e.pending, b.code(authzPath(e.pending, url.Values{"scope": nil}), "alice@a.test"))
	if r.status != 200 || r.str("scope") != "account.channel.readonly" {
		t.Fatalf("default scope of an unapproved app: %s", r.raw)
	}
	pw := e.token(e.pending, url.Values{"grant_type": {"password"}, "username": {"4242/alice@a.test"}, "password": {goodPass}, "scope": {"account.channel.admit"}})
	wantOAuthError(t, pw, 400, "invalid_scope")
	// No scope requested: every registered scope.
	r = e.exchange(e.live, b.code(authzPath(e.live, url.Values{"scope": nil}), "alice@a.test"))
	if r.status != 200 || domain.ParseScopes(r.str("scope")).String() != allScopes.String() {
		t.Fatalf("default scope: %s", r.raw)
	}
	// Short state is fine by default; odd bytes come back unchanged.
	for _, st := range []string{"demo", "a b&c=d/é?#%", ""} {
		loc := b.authorize(authzPath(e.live, url.Values{"state": {st}}), "alice@a.test")
		if loc.Query().Get("state") != st {
			t.Fatalf("state %q came back as %q", st, loc.Query().Get("state"))
		}
	}
	loc := b.authorize(authzPath(e.live, url.Values{"state": nil}), "alice@a.test")
	if loc.Query().Has("state") {
		t.Fatalf("state invented: %s", loc)
	}
	// Strict app with a long state and PKCE works.
	v := newSecret()
	code := b.code(authzPath(e.strict, url.Values{"state": {"0123456789abcdef"}, "code_challenge": {pkceS256(v)}, "code_challenge_method": {"S256"}}), "alice@a.test")
	if r := e.token(e.strict, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {v}}); r.status != 200 {
		t.Fatalf("strict app: %s", r.raw)
	}
}

func TestTestingAppOnlyForItsOwnAccount(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := b.login(authzPath(e.testing, nil), "bob@b.test")
	if p.status != http.StatusSeeOther {
		t.Fatalf("login: %d", p.status)
	}
	p = b.get(p.loc.RequestURI())
	if p.status != http.StatusForbidden || p.loc != nil || !strings.Contains(p.body, "testing") {
		t.Fatalf("other account on a testing app: %d %v", p.status, p.loc)
	}
	// The consent POST is refused too.
	p2 := b.post(authzPath(e.testing, nil), url.Values{"csrf_token": {csrfOf(t, b.get("/oauth/logout").body)}, "decision": {"allow"}})
	if p2.status != http.StatusForbidden || p2.loc != nil {
		t.Fatalf("consent post: %d %v", p2.status, p2.loc)
	}
	// Same user on a live app, and the owner on the testing app, both work.
	if loc := b.authorize(authzPath(e.live, nil), "bob@b.test"); loc.Query().Get("code") == "" {
		t.Fatalf("live app: %s", loc)
	}
	if r := e.exchange(e.testing, e.browser().code(authzPath(e.testing, nil), "alice@a.test")); r.status != 200 {
		t.Fatalf("owner on testing app: %s", r.raw)
	}
	// The password grant applies the same rule.
	e.pw.app.State = domain.AppTesting
	if err := e.st.UpdateOAuthApp(context.Background(), e.pw.app); err != nil {
		t.Fatal(err)
	}
	r := e.token(e.pw, url.Values{"grant_type": {"password"}, "username": {"7777/bob@b.test"}, "password": {goodPass}})
	wantOAuthError(t, r, 400, "invalid_grant")
}

func TestSuspendedApp(t *testing.T) {
	e := newEnv(t)
	tok := e.tokens(e.live)
	e.live.app.State = domain.AppSuspended
	if err := e.st.UpdateOAuthApp(context.Background(), e.live.app); err != nil {
		t.Fatal(err)
	}
	p := e.browser().get(authzPath(e.live, nil))
	if p.status != http.StatusForbidden || p.loc != nil {
		t.Fatalf("authorize: %d %v", p.status, p.loc)
	}
	wantOAuthError(t, e.refresh(e.live, tok.str("refresh_token")), 400, "unauthorized_client")
	if e.alive(tok.str("access_token")) {
		t.Fatal("a suspended app's token still works")
	}
}

func TestConsentRememberedAndRenewedWhenScopesGrow(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	small := authzPath(e.live, url.Values{"scope": {"account.person.readonly"}})
	p := b.login(small, "alice@a.test")
	p = b.get(p.loc.RequestURI())
	if !isConsent(p) {
		t.Fatalf("first time: expected consent, got %d", p.status)
	}
	for _, want := range []string{"See people and the credentials they hold", "account.person.readonly", "Door sync", "Acme Offices", "client.example"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	p = b.post(small, url.Values{"csrf_token": {csrfOf(t, p.body)}, "decision": {"allow"}})
	if p.status != http.StatusSeeOther || p.loc.Query().Get("code") == "" {
		t.Fatalf("allow: %d %v", p.status, p.loc)
	}
	// Same scopes: no consent, straight redirect.
	p = b.get(small)
	if p.status != http.StatusFound || p.loc.Query().Get("code") == "" {
		t.Fatalf("remembered grant: %d %s", p.status, p.body)
	}
	// More scopes: consent again, listing the new ones.
	bigger := authzPath(e.live, url.Values{"scope": {"account.person.readonly account.channel.readonly"}})
	p = b.get(bigger)
	if !isConsent(p) || !strings.Contains(p.body, "account.channel.readonly") {
		t.Fatalf("grown scopes: expected consent, got %d", p.status)
	}
	// Deny: access_denied with the state, no code.
	p = b.post(bigger, url.Values{"csrf_token": {csrfOf(t, p.body)}, "decision": {"deny"}})
	if p.status != http.StatusSeeOther || p.loc.Query().Get("error") != "access_denied" || p.loc.Query().Get("state") != "mystate" || p.loc.Query().Has("code") {
		t.Fatalf("deny: %d %v", p.status, p.loc)
	}
	// The denied scopes were not remembered.
	if p = b.get(bigger); !isConsent(p) {
		t.Fatalf("after deny: %d", p.status)
	}
	// A write scope covers its readonly scope for remembered grants.
	if p = b.get(authzPath(e.live, url.Values{"scope": {"account.person"}})); !isConsent(p) {
		t.Fatal("write scope must need consent")
	}
	p = b.post(authzPath(e.live, url.Values{"scope": {"account.person"}}), url.Values{"csrf_token": {csrfOf(t, p.body)}, "decision": {"allow"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("allow write: %d", p.status)
	}
	if p = b.get(small); p.status != http.StatusFound {
		t.Fatalf("readonly after write grant: %d", p.status)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	path := authzPath(e.live, nil)
	victim, attacker := e.browser(), e.browser()
	attackerToken := csrfOf(t, attacker.get(path).body)
	victimPage := victim.get(path)
	good := csrfOf(t, victimPage.body)
	for name, tok := range map[string]string{"missing": "", "wrong": "x" + good[1:], "other session": attackerToken} {
		p := victim.post(path, url.Values{"csrf_token": {tok}, "email": {"alice@a.test"}, "password": {goodPass}})
		if p.status != http.StatusForbidden || p.loc != nil {
			t.Errorf("login with %s token: %d", name, p.status)
		}
	}
	// Log in properly, then attack the consent form.
	p := victim.post(path, url.Values{"csrf_token": {good}, "email": {"alice@a.test"}, "password": {goodPass}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("login: %d", p.status)
	}
	consent := victim.get(path)
	if !isConsent(consent) {
		t.Fatal("no consent page")
	}
	if csrfOf(t, consent.body) == good {
		t.Fatal("the CSRF token did not change with the new session")
	}
	for name, tok := range map[string]string{"missing": "", "pre-login token": good, "other session": attackerToken} {
		p := victim.post(path, url.Values{"csrf_token": {tok}, "decision": {"allow"}})
		if p.status != http.StatusForbidden || p.loc != nil {
			t.Errorf("consent with %s token: %d %v", name, p.status, p.loc)
		}
	}
	if _, err := e.st.GetOAuthGrant(context.Background(), e.live.app.ID, e.alice.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("a grant was stored: %v", err)
	}
	// A cross-site POST without the cookie at all.
	p = e.browser().post(path, url.Values{"csrf_token": {good}, "decision": {"allow"}})
	if p.status != http.StatusForbidden {
		t.Fatalf("no cookie: %d", p.status)
	}
}

func TestLoginPage(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	path := authzPath(e.live, nil)
	first := b.get(path)
	var before string
	for _, c := range b.c.Jar.Cookies(mustURL(e.ts.URL + "/oauth/authorize")) {
		if c.Name == sessionCookie {
			before = c.Value
		}
	}
	if before == "" {
		t.Fatal("no session cookie before login")
	}
	bad := func(email, pw string) page {
		return b.post(path, url.Values{"csrf_token": {csrfOf(t, first.body)}, "email": {email}, "password": {pw}})
	}
	wrongPw, unknown, ambiguous := bad("alice@a.test", "nope"), bad("nobody@a.test", goodPass), bad("shared@x.test", goodPass)
	for _, p := range []page{wrongPw, unknown, ambiguous} {
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "The email or password is incorrect") {
			t.Fatalf("failed login: %d", p.status)
		}
	}
	// PIN/email resolves an ambiguous email.
	p := b.post(path, url.Values{"csrf_token": {csrfOf(t, first.body)}, "email": {"4242/shared@x.test"}, "password": {goodPass}})
	if p.status != http.StatusSeeOther || p.loc.RequestURI() != path {
		t.Fatalf("pin/email login: %d %v", p.status, p.loc)
	}
	var after string
	for _, c := range b.c.Jar.Cookies(mustURL(e.ts.URL + "/oauth/authorize")) {
		if c.Name == sessionCookie {
			after = c.Value
		}
	}
	if after == "" || after == before {
		t.Fatal("login did not issue a new session id")
	}
	// Throttling after repeated failures.
	b2 := e.browser()
	lp := b2.get(path)
	var last page
	for i := 0; i < 6; i++ {
		last = b2.post(path, url.Values{"csrf_token": {csrfOf(t, lp.body)}, "email": {"bob@b.test"}, "password": {"wrong"}})
	}
	if last.status != http.StatusTooManyRequests || last.hdr.Get("Retry-After") == "" {
		t.Fatalf("throttle: %d %v", last.status, last.hdr)
	}
	// Even the right password is refused while throttled.
	if p := b2.post(path, url.Values{"csrf_token": {csrfOf(t, lp.body)}, "email": {"bob@b.test"}, "password": {goodPass}}); p.status != http.StatusTooManyRequests {
		t.Fatalf("right password while throttled: %d", p.status)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	path := authzPath(e.live, nil)
	b.authorize(path, "alice@a.test")
	lo := b.get("/oauth/logout?next=" + url.QueryEscape(path))
	if !strings.Contains(lo.body, "alice@a.test") {
		t.Fatalf("logout page: %s", lo.body)
	}
	p := b.post("/oauth/logout?next="+url.QueryEscape(path), url.Values{"csrf_token": {csrfOf(t, lo.body)}})
	if p.status != http.StatusSeeOther || p.loc.RequestURI() != path {
		t.Fatalf("logout: %d %v", p.status, p.loc)
	}
	if !isLogin(b.get(path)) {
		t.Fatal("still signed in after logout")
	}
	// No open redirect.
	for _, next := range []string{"https://evil.example/", "//evil.example/oauth/authorize", "/oauth/authorize/../../x"} {
		if safeNext(next) != "" {
			t.Errorf("safeNext(%q) accepted", next)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	login := b.get(authzPath(e.live, nil))
	errPage := b.get(authzPath(e.live, url.Values{"client_id": {"nope"}}))
	b.login(authzPath(e.live, nil), "alice@a.test")
	consent := b.get(authzPath(e.live, nil))
	logout := b.get("/oauth/logout")
	for name, p := range map[string]page{"login": login, "error": errPage, "consent": consent, "logout": logout} {
		h := p.hdr
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "style-src 'unsafe-inline'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, want)
			}
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: headers %v", name, h)
		}
	}
	for name, p := range map[string]page{"login": login, "consent": consent} {
		if !strings.Contains(p.hdr.Get("Content-Security-Policy"), "form-action 'self' https://client.example;") {
			t.Errorf("%s: the redirect origin is missing from form-action: %s", name, p.hdr.Get("Content-Security-Policy"))
		}
	}
	var c *http.Cookie
	for _, ck := range login.cookies() {
		if ck.Name == sessionCookie {
			c = ck
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Fatalf("cookie on http issuer: %+v", c)
	}
	// Secure when the issuer is https.
	srv, err := New(Config{Store: e.st, Issuer: "https://lintel.example"})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	srv.setSessionCookie(rec, newSecret())
	if !strings.Contains(rec.Header().Get("Set-Cookie"), "Secure") {
		t.Fatalf("https issuer cookie: %s", rec.Header().Get("Set-Cookie"))
	}
	// Redirects carry no-referrer and no-store.
	p := b.get(authzPath(e.live, url.Values{"response_type": {"token"}}))
	if p.hdr.Get("Referrer-Policy") != "no-referrer" || p.hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("redirect headers: %v", p.hdr)
	}
	// No access token ever appears in a redirect.
	if strings.Contains(p.loc.String(), "access_token") {
		t.Fatal("token in redirect")
	}
}

func TestCSPOrigin(t *testing.T) {
	cases := map[string]string{
		"https://client.example/cb":    "https://client.example",
		"http://127.0.0.1:8080/cb?x=1": "http://127.0.0.1:8080",
		"com.example.app:/oauth":       "com.example.app:",
		"::":                           "",
	}
	for in, want := range cases {
		if got := cspOrigin(in); got != want {
			t.Errorf("cspOrigin(%q) = %q, want %q", in, got, want)
		}
	}
}
