package oauth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestValidateRedirectURI(t *testing.T) {
	good := []string{"https://client.example/cb", "https://client.example:8443/cb?x=1", "http://127.0.0.1:3000/callback",
		"http://localhost:3000/callback", "http://[::1]/cb", "com.example.app:/oauth/cb"}
	bad := []string{"", "client.example/cb", "http://client.example/cb", "https://client.example/cb#frag", "https://*.example/cb",
		"https://user:pw@client.example/cb", "javascript:alert(1)", "data:text/html,x", "https:///cb", "https://client.example/c b",
		"https://client.example/\"cb", "myapp:/cb", "https://client.example/" + strings.Repeat("a", 2000)}
	for _, u := range good {
		if err := ValidateRedirectURI(u); err != nil {
			t.Errorf("%q refused: %v", u, err)
		}
	}
	for _, u := range bad {
		if err := ValidateRedirectURI(u); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestCreateApp(t *testing.T) {
	st := storetest.Open(t, storetest.Backends(t)[0])
	ctx := context.Background()
	acct := &domain.Account{Name: "A", TimeZone: "UTC"}
	if err := st.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	ok := NewApp{AccountID: acct.ID, Name: " Sync ", RedirectURIs: []string{redirect, redirect}, Scopes: domain.NewScopeSet("account.person")}
	app, secret, err := CreateApp(ctx, st, ok)
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 43 || app.SecretDigest != digest(secret) || app.Name != "Sync" || app.State != domain.AppTesting || len(app.RedirectURIs) != 1 || app.RequirePKCE {
		t.Fatalf("created: %+v", app)
	}
	stored, _ := st.GetOAuthApp(ctx, app.ID)
	if strings.Contains(stored.SecretDigest, secret) {
		t.Fatal("secret stored in clear")
	}
	pub := ok
	pub.Public = true
	papp, psecret, err := CreateApp(ctx, st, pub)
	if err != nil || psecret != "" || papp.Confidential() || !papp.RequirePKCE {
		t.Fatalf("public app: %+v %q %v", papp, psecret, err)
	}
	bad := map[string]func(*NewApp){
		"no name":         func(a *NewApp) { a.Name = " " },
		"long name":       func(a *NewApp) { a.Name = strings.Repeat("n", 201) },
		"no redirect":     func(a *NewApp) { a.RedirectURIs = nil },
		"bad redirect":    func(a *NewApp) { a.RedirectURIs = []string{"http://evil.example/cb"} },
		"no scopes":       func(a *NewApp) { a.Scopes = nil },
		"unknown scope":   func(a *NewApp) { a.Scopes = domain.NewScopeSet("deviceAdmin") },
		"bad state":       func(a *NewApp) { a.State = "approved" },
		"public password": func(a *NewApp) { a.Public, a.PasswordGrant = true, true },
		"no account":      func(a *NewApp) { a.AccountID = 0 },
	}
	for name, mut := range bad {
		in := ok
		mut(&in)
		if _, _, err := CreateApp(ctx, st, in); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	missing := ok
	missing.AccountID = 999999
	if _, _, err := CreateApp(ctx, st, missing); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("missing account: %v", err)
	}
	// Rotation: the old secret stops working at once.
	next, err := RotateSecret(ctx, st, app.ID)
	if err != nil || next == secret || len(next) != 43 {
		t.Fatalf("rotate: %v", err)
	}
	again, _ := st.GetOAuthApp(ctx, app.ID)
	if again.SecretDigest != digest(next) {
		t.Fatal("rotation not stored")
	}
	if _, err := RotateSecret(ctx, st, papp.ID); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("rotate public: %v", err)
	}
}

func TestNew(t *testing.T) {
	st := storetest.Open(t, storetest.Backends(t)[0])
	for _, iss := range []string{"", "127.0.0.1:8080", "http://x/", "ftp://x", "https://x?y", "https://"} {
		if _, err := New(Config{Store: st, Issuer: iss}); err == nil {
			t.Errorf("issuer %q accepted", iss)
		}
	}
	if _, err := New(Config{Issuer: "http://x"}); err == nil {
		t.Error("missing store accepted")
	}
	if _, err := New(Config{Store: st, Issuer: "http://x", CodeTTL: DefaultCodeTTL + 1}); err == nil {
		t.Error("code lifetime over 10 minutes accepted")
	}
	s, err := New(Config{Store: st, Issuer: "http://127.0.0.1:8080"})
	if err != nil || s.accessTTL != DefaultAccessTTL {
		t.Fatalf("%v %v", s, err)
	}
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	a := e.tokens(e.live)
	cases := map[string]string{
		"missing":        "",
		"wrong scheme":   "Token " + a.str("access_token"),
		"empty bearer":   "Bearer ",
		"garbage":        "Bearer ../../etc/passwd",
		"unknown":        "Bearer " + newSecret(),
		"refresh token":  "Bearer " + a.str("refresh_token"),
		"whitespace tok": "Bearer " + a.str("access_token") + "x",
	}
	for name, h := range cases {
		r, _ := http.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		p, err := e.srv.Authenticate(r)
		var de *domain.Error
		if p != nil || err == nil || !asDomain(err, &de) || de.Code != domain.EUNAUTHORIZED || de.Wire != "invalid_token" || de.Message == "" {
			t.Errorf("%s: %v %v", name, p, err)
		}
	}
	// Case-insensitive scheme.
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "bearer "+a.str("access_token"))
	if _, err := e.srv.Authenticate(r); err != nil {
		t.Fatalf("lower-case bearer: %v", err)
	}
}

func asDomain(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}

// TestJunkNeverPanics throws malformed input at every endpoint: every
// answer must be a 4xx (never a 5xx, never a crash).
func TestJunkNeverPanics(t *testing.T) {
	e := newEnv(t)
	junk := []string{"", "%", "%zz", "a=%", strings.Repeat("&", 1000), "grant_type=authorization_code&code=%00", "client_id=" + strings.Repeat("x", 5000),
		"grant_type=refresh_token&refresh_token=" + strings.Repeat("é", 50), "grant_type=password&username=/&password=x", "scope=" + strings.Repeat("a ", 3000)}
	auths := []string{"", "Basic", "Basic ====", "Basic " + strings.Repeat("A", 5000), "Basic Og==", "Bearer", "Basic Y2xpZW50OnNlY3JldA==x"}
	for _, body := range junk {
		for _, auth := range auths {
			for _, path := range []string{"/oauth/token", "/oauth/revoke", "/oauth/authorize", "/oauth/logout", "/oauth/authorize?" + body} {
				req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if auth != "" {
					req.Header["Authorization"] = []string{auth}
				}
				r := e.send(req)
				if r.status < 400 && r.status != 200 || r.status >= 500 {
					t.Errorf("POST %s body %.30q auth %.20q: %d", path, body, auth, r.status)
				}
			}
		}
		for _, path := range []string{"/oauth/authorize?" + body, "/oauth/authorize?client_id=" + e.live.id() + "&" + body, "/oauth/token/info", "/oauth/logout?next=" + url.QueryEscape(body)} {
			req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
			if r := e.send(req); r.status >= 500 {
				t.Errorf("GET %s: %d", path, r.status)
			}
		}
	}
}

// TestUpdateApp: an update is checked as a registration is; suspending,
// narrowing the scopes or withdrawing the admit approval revokes the
// app's token families in the same transaction, other changes do not.
func TestUpdateApp(t *testing.T) {
	st := storetest.Open(t, storetest.Backends(t)[0])
	ctx := context.Background()
	acct := &domain.Account{Name: "A", TimeZone: "UTC"}
	if err := st.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	u := &domain.User{AccountID: acct.ID, Email: "ops@a.test", PasswordHash: "x", Role: domain.RoleAdmin}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	app, _, err := CreateApp(ctx, st, NewApp{AccountID: acct.ID, Name: "Sync", RedirectURIs: []string{redirect},
		Scopes: domain.NewScopeSet("account.person", "account.channel.admit"), AdmitApproved: true})
	if err != nil {
		t.Fatal(err)
	}
	family := func() {
		t.Helper()
		if err := st.CreateOAuthFamily(ctx, &store.OAuthFamily{AppID: app.ID, AccountID: acct.ID, UserID: u.ID,
			Scopes: domain.NewScopeSet("account.person"), CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	ptr := func(s string) *string { return &s }
	no := false
	now := time.Now()
	for _, bad := range []AppUpdate{{Name: ptr(" ")}, {RedirectURIs: []string{"http://x.example/cb"}}, {RedirectURIs: []string{}},
		{Scopes: domain.NewScopeSet("account.nope")}, {State: ptr("paused")}} {
		if _, _, err := UpdateApp(ctx, st, app, bad, now); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%+v: %v, want EINVALID", bad, err)
		}
	}
	family()
	n, why, err := UpdateApp(ctx, st, app, AppUpdate{Name: ptr("Sync 2"), Scopes: domain.NewScopeSet("account.person", "account.channel.admit", "account.sync")}, now)
	if err != nil || n != 0 || why != "" || app.Name != "Sync 2" {
		t.Fatalf("widening: %d %q %v %+v", n, why, err, app)
	}
	n, why, err = UpdateApp(ctx, st, app, AppUpdate{AdmitApproved: &no, State: ptr(domain.AppSuspended)}, now)
	if err != nil || n != 1 || why != "app suspended; admit approval withdrawn" {
		t.Fatalf("suspending: %d %q %v", n, why, err)
	}
	got, err := st.GetOAuthApp(ctx, app.ID)
	if err != nil || got.State != domain.AppSuspended || got.AdmitApproved || got.Name != "Sync 2" {
		t.Fatalf("stored: %+v %v", got, err)
	}
	family()
	if n, why, _ := UpdateApp(ctx, st, app, AppUpdate{Scopes: domain.NewScopeSet("account.person")}, now); n != 1 || why != "scopes narrowed" {
		t.Fatalf("narrowing: %d %q", n, why)
	}
	pub, _, err := CreateApp(ctx, st, NewApp{AccountID: acct.ID, Name: "Native", RedirectURIs: []string{redirect}, Scopes: domain.NewScopeSet("account.person"), Public: true})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, _, err := UpdateApp(ctx, st, pub, AppUpdate{PasswordGrant: &yes}, now); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("password grant on a public app: %v", err)
	}
	if _, _, err := UpdateApp(ctx, st, pub, AppUpdate{RequirePKCE: &no}, now); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("PKCE off on a public app: %v", err)
	}
}
