package oauth

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
)

func TestRefreshRotationAndReuseDetection(t *testing.T) {
	e := newEnv(t)
	t0 := e.tokens(e.live)
	t1 := e.refresh(e.live, t0.str("refresh_token"))
	t2 := e.refresh(e.live, t1.str("refresh_token"))
	if t1.status != 200 || t2.status != 200 {
		t.Fatalf("rotations: %s / %s", t1.raw, t2.raw)
	}
	if !e.alive(t2.str("access_token")) {
		t.Fatal("newest access token dead before the replay")
	}
	// Replay the first refresh token: refused, and the whole family dies.
	wantOAuthError(t, e.refresh(e.live, t0.str("refresh_token")), 400, "invalid_grant")
	if e.alive(t2.str("access_token")) || e.alive(t1.str("access_token")) {
		t.Fatal("access tokens survived reuse detection")
	}
	wantOAuthError(t, e.refresh(e.live, t2.str("refresh_token")), 400, "invalid_grant")

	// Another client presenting a refresh token kills its family too.
	u := e.tokens(e.live)
	wantOAuthError(t, e.refresh(e.other, u.str("refresh_token")), 400, "invalid_grant")
	if e.alive(u.str("access_token")) {
		t.Fatal("token survived use of its refresh token by another client")
	}
	wantOAuthError(t, e.refresh(e.live, u.str("refresh_token")), 400, "invalid_grant")

	// An access token is not a refresh token.
	v := e.tokens(e.live)
	wantOAuthError(t, e.refresh(e.live, v.str("access_token")), 400, "invalid_grant")
	wantOAuthError(t, e.token(e.live, url.Values{"grant_type": {"refresh_token"}}), 400, "invalid_request")
}

// TestRefreshAuthenticatesTheClientFirst: a refresh grant reads the token
// with its application and authenticates the client against it, yet a
// client that does not authenticate learns nothing and spends nothing,
// whether the token is its own, another client's or no token at all.
func TestRefreshAuthenticatesTheClientFirst(t *testing.T) {
	e := newEnv(t)
	tok := e.tokens(e.live)
	rt := tok.str("refresh_token")
	as := func(id, secret string) resp {
		return e.postForm("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, []string{id, secret})
	}
	for name, r := range map[string]resp{
		"the token's client, a wrong secret": as(e.live.id(), newSecret()),
		"the token's client, no secret":      as(e.live.id(), ""),
		"another client, a wrong secret":     as(e.other.id(), newSecret()),
		"an unknown client":                  as("nosuchclient", newSecret()),
	} {
		if r.status != 401 || r.str("error") != "invalid_client" {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if !e.alive(tok.str("access_token")) {
		t.Fatal("a refresh by a client that did not authenticate revoked the family")
	}
	wrong := as(e.live.id(), newSecret())
	missing := e.postForm("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {newSecret()}}, []string{e.live.id(), newSecret()})
	if wrong.raw != missing.raw {
		t.Fatalf("a wrong secret answers differently with a real token and with none:\n%s\n%s", wrong.raw, missing.raw)
	}
	// The right secret rotates the token, though wrong ones came before.
	next := as(e.live.id(), e.live.secret)
	if next.status != 200 || next.str("refresh_token") == "" {
		t.Fatalf("refresh with the right secret: %s", next.raw)
	}
	// A public client refreshes with its client_id alone, and not with a
	// secret.
	v := newSecret()
	code := e.browser().code(authzPath(e.public, url.Values{"code_challenge": {pkceS256(v)}, "code_challenge_method": {"S256"}}), "alice@a.test")
	pt := e.token(e.public, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {v}})
	withSecret := e.token(e.public, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pt.str("refresh_token")}, "client_secret": {"x"}})
	wantOAuthError(t, withSecret, 401, "invalid_client")
	if r := e.refresh(e.public, pt.str("refresh_token")); r.status != 200 || r.str("access_token") == "" {
		t.Fatalf("public refresh: %d %s", r.status, r.raw)
	}
}

func TestRefreshScope(t *testing.T) {
	e := newEnv(t)
	t0 := e.tokens(e.live) // every scope of the app
	narrow := e.token(e.live, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {t0.str("refresh_token")}, "scope": {"account.person.readonly"}})
	if narrow.status != 200 || narrow.str("scope") != "account.person.readonly" {
		t.Fatalf("narrow: %s", narrow.raw)
	}
	p, err := e.srv.Authenticate(httptestRequest(narrow.str("access_token")))
	if err != nil || p.Scopes.Has("account.person") || !p.Scopes.Has("account.person.readonly") {
		t.Fatalf("narrowed principal: %+v %v", p, err)
	}
	// The family keeps its scope: the next refresh may return to it.
	back := e.refresh(e.live, narrow.str("refresh_token"))
	if back.status != 200 || back.str("scope") != t0.str("scope") {
		t.Fatalf("back to full scope: %s", back.raw)
	}
	// Widening is refused (and does not spend the token).
	small := e.exchange(e.live, e.browser().code(authzPath(e.live, url.Values{"scope": {"account.person.readonly"}}), "alice@a.test"))
	for _, sc := range []string{"account.person", "account.person.readonly account.channel.readonly", "account.nope"} {
		wantOAuthError(t, e.token(e.live, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {small.str("refresh_token")}, "scope": {sc}}), 400, "invalid_scope")
	}
	if r := e.refresh(e.live, small.str("refresh_token")); r.status != 200 {
		t.Fatalf("refresh after refused widening: %s", r.raw)
	}
}

func TestRefreshIdleExpiryAndExpiredAccessToken(t *testing.T) {
	e := newEnv(t)
	t0 := e.tokens(e.live)
	e.clock.Add(time.Hour)
	if e.alive(t0.str("access_token")) {
		t.Fatal("access token alive at issue + 3600 s")
	}
	r := e.info(t0.str("access_token"))
	if r.status != 401 || r.str("error") != "invalid_token" || !strings.Contains(r.str("error_description"), "expired") ||
		!strings.Contains(r.hdr.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("expired: %d %s %v", r.status, r.raw, r.hdr)
	}
	t1 := e.refresh(e.live, t0.str("refresh_token"))
	if t1.status != 200 {
		t.Fatalf("refresh after an hour: %s", t1.raw)
	}
	e.clock.Add(DefaultRefreshIdle + time.Second)
	wantOAuthError(t, e.refresh(e.live, t1.str("refresh_token")), 400, "invalid_grant")
}

func TestPasswordChangeRevokesTokensAndSessions(t *testing.T) {
	e := newEnv(t)
	t0 := e.tokens(e.live)
	h, _ := password.Hash("a new password")
	if err := e.st.SetUserPassword(context.Background(), e.alice.ID, h, e.clock.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(2 * time.Second)
	if e.alive(t0.str("access_token")) {
		t.Fatal("access token survived a password change")
	}
	wantOAuthError(t, e.refresh(e.live, t0.str("refresh_token")), 400, "invalid_grant")
}

func TestPasswordGrant(t *testing.T) {
	e := newEnv(t)
	pwForm := func(user, pw string, extra ...string) url.Values {
		f := url.Values{"grant_type": {"password"}, "username": {user}, "password": {pw}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Set(extra[i], extra[i+1])
		}
		return f
	}
	ok := []struct{ name, user, scope, wantScope string }{
		{"pin/email", "4242/alice@a.test", "account.person", "account.person"},
		{"bare email", "alice@a.test", "", allScopes.String()},
		{"bare email other case", " Alice@A.test ", "account.channel.readonly", "account.channel.readonly"},
		{"pin resolves a shared email", "7777/shared@x.test", "account.person.readonly", "account.person.readonly"},
		{"openid and offline_access ignored", "4242/alice@a.test", "account.person openid offline_access", "account.person"},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			r := e.token(e.pw, pwForm(c.user, goodPass, "scope", c.scope))
			if r.status != 200 || r.str("scope") != c.wantScope || r.str("refresh_token") == "" {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			p, err := e.srv.Authenticate(httptestRequest(r.str("access_token")))
			if err != nil {
				t.Fatal(err)
			}
			if c.user == "7777/shared@x.test" && p.AccountID != e.acctB.ID {
				t.Fatalf("wrong account: %+v", p)
			}
			// Rotating refresh (Qflow's rule): presented again within the
			// grace window it gives the same pair, after it it is refused.
			r2 := e.refresh(e.pw, r.str("refresh_token"))
			if r2.status != 200 || r2.str("refresh_token") == r.str("refresh_token") {
				t.Fatalf("refresh: %s", r2.raw)
			}
			if again := e.refresh(e.pw, r.str("refresh_token")); again.raw != r2.raw {
				t.Fatalf("within the grace window: %s", again.raw)
			}
			e.clock.Add(DefaultRefreshGrace + time.Second)
			wantOAuthError(t, e.refresh(e.pw, r.str("refresh_token")), 400, "invalid_grant")
		})
	}
	bad := []struct{ name, user, pw string }{
		{"wrong password", "4242/alice@a.test", "nope"},
		{"unknown user", "4242/nobody@a.test", goodPass},
		{"unknown pin", "0000/alice@a.test", goodPass},
		{"wrong pin for user", "7777/alice@a.test", goodPass},
		{"ambiguous bare email", "shared@x.test", goodPass},
	}
	var bodies []string
	for _, c := range bad {
		r := e.token(e.pw, pwForm(c.user, c.pw))
		wantOAuthError(t, r, 400, "invalid_grant")
		bodies = append(bodies, r.raw)
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Fatalf("failure bodies differ, which reveals what was wrong:\n%s\n%s", bodies[0], b)
		}
	}
	wantOAuthError(t, e.token(e.live, pwForm("4242/alice@a.test", goodPass)), 400, "unauthorized_client")
	wantOAuthError(t, e.token(e.pw, pwForm("4242/alice@a.test", goodPass, "scope", "account.channel.admit")), 400, "invalid_scope")
	wantOAuthError(t, e.token(e.pw, pwForm("4242/alice@a.test", goodPass, "scope", "qflowapi")), 400, "invalid_scope")
	wantOAuthError(t, e.token(e.pw, pwForm("", goodPass)), 400, "invalid_request")

	// Throttling: five failures, then 429 even with the right password.
	for i := 0; i < 5; i++ {
		e.token(e.pw, pwForm("4242/bob@b.test", "guess"))
	}
	r := e.token(e.pw, pwForm("4242/bob@b.test", goodPass))
	if r.status != http.StatusTooManyRequests || r.hdr.Get("Retry-After") == "" || r.str("error_description") == "" {
		t.Fatalf("throttle: %d %s", r.status, r.raw)
	}
	// Other usernames are unaffected; the window passes.
	if r := e.token(e.pw, pwForm("4242/alice@a.test", goodPass)); r.status != 200 {
		t.Fatalf("other user throttled: %s", r.raw)
	}
	e.clock.Add(16 * time.Minute)
	if r := e.token(e.pw, pwForm("7777/bob@b.test", goodPass)); r.status != 200 {
		t.Fatalf("after the window: %s", r.raw)
	}
}

func TestClientAuthentication(t *testing.T) {
	e := newEnv(t)
	form := func() url.Values {
		return url.Values{"grant_type": {"password"}, "username": {"4242/alice@a.test"}, "password": {goodPass}}
	}
	send := func(f url.Values, auth string) resp {
		req, _ := http.NewRequest("POST", e.ts.URL+"/oauth/token", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return e.send(req)
	}
	creds := e.pw.id() + ":" + e.pw.secret
	basicStd := "Basic " + base64.StdEncoding.EncodeToString([]byte(creds))
	basicURL := "Basic " + base64.URLEncoding.EncodeToString([]byte(creds))
	basicRaw := "Basic " + base64.RawURLEncoding.EncodeToString([]byte(creds))
	// Form-URL-encoded halves (RFC 6749 2.3.1): every character percent-encoded.
	pct := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[s[i]>>4])+string("0123456789abcdef"[s[i]&15])))
		}
		return b.String()
	}
	basicPct := "Basic " + base64.StdEncoding.EncodeToString([]byte(pct(e.pw.id())+":"+pct(e.pw.secret)))
	for name, auth := range map[string]string{"std": basicStd, "url-safe": basicURL, "unpadded": basicRaw, "percent-encoded": basicPct, "lower-case scheme": "basic " + basicStd[6:]} {
		if r := send(form(), auth); r.status != 200 {
			t.Errorf("Basic %s: %d %s", name, r.status, r.raw)
		}
	}
	f := form()
	f.Set("client_id", e.pw.id())
	f.Set("client_secret", e.pw.secret)
	if r := send(f, ""); r.status != 200 {
		t.Fatalf("form credentials: %s", r.raw)
	}
	// Both methods at once.
	wantOAuthError(t, send(f, basicStd), 400, "invalid_request")
	// client_id repeated alongside Basic is tolerated.
	f2 := form()
	f2.Set("client_id", e.pw.id())
	if r := send(f2, basicStd); r.status != 200 {
		t.Fatalf("Basic plus matching client_id: %s", r.raw)
	}
	// Wrong and unknown secrets: the same 401, with WWW-Authenticate when Basic was used.
	wrong := send(form(), "Basic "+base64.StdEncoding.EncodeToString([]byte(e.pw.id()+":"+newSecret())))
	unknown := send(form(), "Basic "+base64.StdEncoding.EncodeToString([]byte("nosuchclient:"+newSecret())))
	for _, r := range []resp{wrong, unknown} {
		wantOAuthError(t, r, 401, "invalid_client")
		if !strings.HasPrefix(r.hdr.Get("WWW-Authenticate"), "Basic") {
			t.Fatalf("no WWW-Authenticate: Basic: %v", r.hdr)
		}
	}
	if wrong.raw != unknown.raw {
		t.Fatalf("unknown client and wrong secret answer differently:\n%s\n%s", wrong.raw, unknown.raw)
	}
	f3 := form()
	f3.Set("client_id", e.pw.id())
	f3.Set("client_secret", "wrong")
	r := send(f3, "")
	wantOAuthError(t, r, 401, "invalid_client")
	if r.hdr.Get("WWW-Authenticate") != "" {
		t.Fatal("WWW-Authenticate: Basic sent for form authentication")
	}
	wantOAuthError(t, send(form(), "Basic !!!"), 401, "invalid_client")
	wantOAuthError(t, send(form(), "Bearer abc"), 400, "invalid_request")
	// Confidential client without its secret; public client with a secret.
	f4 := form()
	f4.Set("client_id", e.pw.id())
	wantOAuthError(t, send(f4, ""), 401, "invalid_client")
	f5 := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {newSecret()}, "client_id": {e.public.id()}, "client_secret": {"x"}}
	wantOAuthError(t, send(f5, ""), 401, "invalid_client")
	// Too many failures for one client: 429 with Retry-After.
	var last resp
	for i := 0; i < 11; i++ {
		last = send(f3, "")
	}
	if last.status != http.StatusTooManyRequests || last.hdr.Get("Retry-After") == "" {
		t.Fatalf("client auth throttle: %d %s", last.status, last.raw)
	}
}

func TestTokenEndpointRequestRules(t *testing.T) {
	e := newEnv(t)
	get, _ := http.NewRequest("GET", e.ts.URL+"/oauth/token", nil)
	if r := e.send(get); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", r.status)
	}
	base := url.Values{"grant_type": {"password"}, "username": {"alice@a.test"}, "password": {goodPass}, "client_id": {e.pw.id()}, "client_secret": {e.pw.secret}}
	jsonReq, _ := http.NewRequest("POST", e.ts.URL+"/oauth/token", strings.NewReader(`{"grant_type":"password"}`))
	jsonReq.Header.Set("Content-Type", "application/json")
	wantOAuthError(t, e.send(jsonReq), 400, "invalid_request")
	inQuery, _ := http.NewRequest("POST", e.ts.URL+"/oauth/token?client_secret="+e.pw.secret, strings.NewReader(base.Encode()))
	inQuery.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantOAuthError(t, e.send(inQuery), 400, "invalid_request")
	dup := base.Encode() + "&grant_type=password"
	dupReq, _ := http.NewRequest("POST", e.ts.URL+"/oauth/token", strings.NewReader(dup))
	dupReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantOAuthError(t, e.send(dupReq), 400, "invalid_request")
	f := url.Values{}
	for k, v := range base {
		f[k] = v
	}
	f.Set("grant_type", "client_credentials")
	wantOAuthError(t, e.postForm("/oauth/token", f, nil), 400, "unsupported_grant_type")
	f.Del("grant_type")
	wantOAuthError(t, e.postForm("/oauth/token", f, nil), 400, "invalid_request")
	big, _ := http.NewRequest("POST", e.ts.URL+"/oauth/token", strings.NewReader("a="+strings.Repeat("x", maxFormBytes)))
	big.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantOAuthError(t, e.send(big), 400, "invalid_request")
}

func TestRevoke(t *testing.T) {
	e := newEnv(t)
	basic := func(enc *base64.Encoding, c client) string {
		return "Basic " + enc.EncodeToString([]byte(c.id()+":"+c.secret))
	}
	revoke := func(form url.Values, auth string) resp {
		req, _ := http.NewRequest("POST", e.ts.URL+"/oauth/revoke", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return e.send(req)
	}
	// SDK style: Basic (standard base64), refresh token with hint: the family dies.
	a := e.tokens(e.live)
	r := revoke(url.Values{"token": {a.str("refresh_token")}, "token_type_hint": {"refresh_token"}}, basic(base64.StdEncoding, e.live))
	if r.status != 200 || strings.TrimSpace(r.raw) != "{}" || !strings.HasPrefix(r.hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("revoke refresh: %d %s", r.status, r.raw)
	}
	if e.alive(a.str("access_token")) {
		t.Fatal("access token of a revoked refresh token still works")
	}
	wantOAuthError(t, e.refresh(e.live, a.str("refresh_token")), 400, "invalid_grant")
	// URL-safe Basic, access token: only that token dies.
	b := e.tokens(e.live)
	if r := revoke(url.Values{"token": {b.str("access_token")}}, basic(base64.URLEncoding, e.live)); r.status != 200 {
		t.Fatalf("url-safe basic: %d %s", r.status, r.raw)
	}
	if e.alive(b.str("access_token")) {
		t.Fatal("revoked access token still works")
	}
	if r := e.refresh(e.live, b.str("refresh_token")); r.status != 200 {
		t.Fatalf("refresh after revoking only the access token: %s", r.raw)
	}
	// Form authentication; unknown, junk and already revoked tokens: 200 {}.
	for _, tok := range []string{newSecret(), "junk", b.str("access_token"), a.str("refresh_token")} {
		r := revoke(url.Values{"token": {tok}, "token_type_hint": {"whatever"}, "client_id": {e.live.id()}, "client_secret": {e.live.secret}}, "")
		if r.status != 200 || strings.TrimSpace(r.raw) != "{}" {
			t.Fatalf("token %q: %d %s", tok, r.status, r.raw)
		}
	}
	// Another client's token: refused, and it keeps working.
	c := e.tokens(e.live)
	r = revoke(url.Values{"token": {c.str("access_token")}}, basic(base64.StdEncoding, e.other))
	if r.status != http.StatusForbidden || r.str("error") != "unauthorized_client" {
		t.Fatalf("foreign token: %d %s", r.status, r.raw)
	}
	revoke(url.Values{"token": {c.str("refresh_token")}}, basic(base64.StdEncoding, e.other))
	if !e.alive(c.str("access_token")) {
		t.Fatal("another client revoked a token")
	}
	// Without client authentication, or with a failed one, the answer is
	// DoorFlow's 403 unauthorized_client (not RFC 7009's 401), and the
	// token keeps working.
	tok := url.Values{"token": {c.str("access_token")}}
	for name, auth := range map[string]string{
		"wrong secret":   "Basic " + base64.StdEncoding.EncodeToString([]byte(e.live.id()+":bad")),
		"none":           "",
		"bearer scheme":  "Bearer " + c.str("access_token"),
		"malformed":      "Basic !!!",
		"unknown client": "Basic " + base64.StdEncoding.EncodeToString([]byte("nobody:secret")),
	} {
		r := revoke(tok, auth)
		wantOAuthError(t, r, 403, "unauthorized_client")
		if r.hdr.Get("WWW-Authenticate") != "" {
			t.Errorf("%s: WWW-Authenticate %q on a 403", name, r.hdr.Get("WWW-Authenticate"))
		}
		if name == "none" && !strings.Contains(r.str("error_description"), "required") {
			t.Errorf("no credentials: %s", r.raw)
		}
	}
	wantOAuthError(t, revoke(url.Values{"token": {c.str("access_token")}, "client_id": {e.live.id()}, "client_secret": {"bad"}}, ""), 403, "unauthorized_client")
	if !e.alive(c.str("access_token")) {
		t.Fatal("a request without client authentication revoked a token")
	}
	wantOAuthError(t, revoke(url.Values{}, basic(base64.StdEncoding, e.live)), 400, "invalid_request")
	// A public client revokes with its client_id alone.
	v := newSecret()
	code := e.browser().code(authzPath(e.public, url.Values{"code_challenge": {pkceS256(v)}, "code_challenge_method": {"S256"}}), "alice@a.test")
	pt := e.token(e.public, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {v}})
	if r := revoke(url.Values{"token": {pt.str("refresh_token")}, "client_id": {e.public.id()}}, ""); r.status != 200 || e.alive(pt.str("access_token")) {
		t.Fatalf("public revoke: %d %s", r.status, r.raw)
	}
}

func TestTokenInfo(t *testing.T) {
	e := newEnv(t)
	a := e.tokens(e.live)
	e.clock.Add(100 * time.Second)
	r := e.info(a.str("access_token"))
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	scopes, _ := r.body["scope"].([]any)
	app, _ := r.body["application"].(map[string]any)
	if r.body["resource_owner_id"] != float64(e.alice.ID) || r.str("account_id") != e.acctA.UID || len(scopes) != len(allScopes) ||
		r.body["expires_in"] != float64(3500) || app["uid"] != e.live.id() || r.body["created_at"] != a.body["created_at"] {
		t.Fatalf("info: %s", r.raw)
	}
	for name, hdr := range map[string]string{"missing": "", "junk": "Bearer junk", "unknown": "Bearer " + newSecret(), "refresh token": "Bearer " + a.str("refresh_token"), "basic": "Basic abc"} {
		req, _ := http.NewRequest("GET", e.ts.URL+"/oauth/token/info", nil)
		if hdr != "" {
			req.Header.Set("Authorization", hdr)
		}
		r := e.send(req)
		if r.status != 401 || r.str("error") != "invalid_token" || r.str("error_description") == "" {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	// A token in the query string is ignored.
	req, _ := http.NewRequest("GET", e.ts.URL+"/oauth/token/info?access_token="+a.str("access_token"), nil)
	if r := e.send(req); r.status != 401 {
		t.Fatalf("query token accepted: %d", r.status)
	}
}

func TestMetadata(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("GET", e.ts.URL+"/.well-known/oauth-authorization-server", nil)
	r := e.send(req)
	if r.status != 200 || r.str("issuer") != e.ts.URL || r.str("token_endpoint") != e.ts.URL+"/oauth/token" ||
		r.str("authorization_endpoint") != e.ts.URL+"/oauth/authorize" || r.str("revocation_endpoint") != e.ts.URL+"/oauth/revoke" {
		t.Fatalf("%s", r.raw)
	}
	for _, bad := range []string{`"plain"`, `"token"`, `"implicit"`} {
		if strings.Contains(r.raw, bad) {
			t.Errorf("metadata advertises %s", bad)
		}
	}
	for _, want := range []string{`"code_challenge_methods_supported":["S256"]`, `"client_secret_basic"`, `"client_secret_post"`, `"account.sync"`, `"refresh_token"`} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("metadata lacks %s", want)
		}
	}
}

// TestNoSecretsStoredOrLogged runs every flow, then reads every text
// column of the OAuth tables and the captured logs looking for any raw
// secret the server handed out.
func TestNoSecretsStoredOrLogged(t *testing.T) {
	e := newEnv(t)
	var secrets []string
	for _, c := range []client{e.live, e.pw, e.other} {
		secrets = append(secrets, c.secret)
	}
	b := e.browser()
	code := b.code(authzPath(e.live, nil), "alice@a.test")
	secrets = append(secrets, code)
	t0 := e.exchange(e.live, code)
	e.exchange(e.live, code) // replay, logged
	t1 := e.token(e.pw, url.Values{"grant_type": {"password"}, "username": {"4242/alice@a.test"}, "password": {goodPass}})
	t2 := e.refresh(e.pw, t1.str("refresh_token"))
	e.refresh(e.pw, t1.str("refresh_token")) // reuse, logged
	for _, r := range []resp{t0, t1, t2} {
		secrets = append(secrets, r.str("access_token"), r.str("refresh_token"))
	}
	for _, ck := range b.c.Jar.Cookies(mustURL(e.ts.URL + "/oauth/authorize")) {
		secrets = append(secrets, ck.Value)
	}
	secrets = append(secrets, goodPass)
	var dump strings.Builder
	for _, table := range []string{"oauth_apps", "oauth_grants", "oauth_codes", "oauth_families", "oauth_tokens", "sessions", "users"} {
		rows, err := e.st.DB().Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		n := 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch x := v.(type) {
				case string:
					dump.WriteString(x + "\n")
				case []byte:
					dump.WriteString(string(x) + "\n")
				}
			}
			n++
		}
		rows.Close()
		if n == 0 && table != "oauth_grants" {
			t.Errorf("table %s is empty: the test is not looking at anything", table)
		}
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("empty secret collected")
		}
		if strings.Contains(dump.String(), s) {
			t.Errorf("a secret (%d chars) is stored in clear", len(s))
		}
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("a secret (%d chars) was logged", len(s))
		}
	}
	if !strings.Contains(dump.String(), digest(t0.str("access_token"))) {
		t.Fatal("the access token digest is not stored: the test is not looking at the right data")
	}
}

func TestFamilyRevocationBySecurityEvents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.tokens(e.live)
	// The user disconnects the app.
	if err := e.st.DeleteOAuthGrant(ctx, e.live.app.ID, e.alice.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.RevokeOAuthFamilies(ctx, store.FamilyFilter{AppID: e.live.app.ID, UserID: e.alice.ID}, "user disconnected", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if e.alive(a.str("access_token")) {
		t.Fatal("token alive after disconnect")
	}
	wantOAuthError(t, e.refresh(e.live, a.str("refresh_token")), 400, "invalid_grant")
	// Consent is asked again.
	b := e.browser()
	b.login(authzPath(e.live, nil), "alice@a.test")
	if !isConsent(b.get(authzPath(e.live, nil))) {
		t.Fatal("no consent after disconnect")
	}
}

// TestTokenKeys checks how access and refresh tokens are stored: under
// their minting time, then their digest, so that keys sort by minting
// time; and that a token stored under its bare digest, as tokens minted
// before keys had a time were, still authenticates, rotates (into keyed
// tokens) and is revoked.
func TestTokenKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	stored := func(raw string) (key string) {
		t.Helper()
		err := e.st.DB().QueryRowContext(ctx, `SELECT digest FROM oauth_tokens WHERE digest IN ('`+tokenKey(raw)+`', '`+digest(raw)+`')`).Scan(&key)
		if err != nil {
			t.Fatalf("token not stored under its key or its digest: %v", err)
		}
		return key
	}
	minted := e.clock.Now()
	t0 := e.tokens(e.live)
	for _, raw := range []string{t0.str("access_token"), t0.str("refresh_token")} {
		key := stored(raw)
		want := fmt.Sprintf("%012x", minted.UnixMilli()) + digest(raw)
		if key != want {
			t.Fatalf("stored under %q, want the minting time then the digest, %q", key, want)
		}
	}
	e.clock.Add(time.Second)
	t1 := e.refresh(e.live, t0.str("refresh_token"))
	if t1.status != 200 {
		t.Fatalf("refresh: %s", t1.raw)
	}
	if a, b := stored(t0.str("refresh_token")), stored(t1.str("refresh_token")); a >= b {
		t.Fatalf("a later token's key %q does not sort after %q", b, a)
	}

	// Tokens stored under their bare digest.
	legacy := func(raw string) {
		t.Helper()
		if _, err := e.st.DB().ExecContext(ctx, `UPDATE oauth_tokens SET digest = '`+digest(raw)+`' WHERE digest = '`+tokenKey(raw)+`'`); err != nil {
			t.Fatal(err)
		}
	}
	old := e.tokens(e.live)
	legacy(old.str("access_token"))
	legacy(old.str("refresh_token"))
	if !e.alive(old.str("access_token")) {
		t.Fatal("an access token stored under its digest does not authenticate")
	}
	next := e.refresh(e.live, old.str("refresh_token"))
	if next.status != 200 {
		t.Fatalf("refreshing a token stored under its digest: %s", next.raw)
	}
	if key := stored(next.str("refresh_token")); key != tokenKey(next.str("refresh_token")) {
		t.Fatalf("its successor is stored under %q, not its key", key)
	}
	if again := e.refresh(e.live, old.str("refresh_token")); again.str("refresh_token") != next.str("refresh_token") {
		t.Fatalf("within the grace window, not the same pair: %s", again.raw)
	}
	// Past the grace window the replay is reuse, found by the digest.
	e.clock.Add(time.Minute)
	wantOAuthError(t, e.refresh(e.live, old.str("refresh_token")), 400, "invalid_grant")
	if e.alive(next.str("access_token")) {
		t.Fatal("replaying a token stored under its digest did not revoke its family")
	}
	gone := e.tokens(e.live)
	legacy(gone.str("access_token"))
	if r := e.postForm("/oauth/revoke", url.Values{"client_id": {e.live.id()}, "client_secret": {e.live.secret}, "token": {gone.str("access_token")}}, nil); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if e.alive(gone.str("access_token")) {
		t.Fatal("revoking an access token stored under its digest left it alive")
	}
}
