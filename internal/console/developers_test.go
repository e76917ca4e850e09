package console_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/webhook"
)

// shown returns the text of the element with the given id in a page.
func shown(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no #%s on the page:\n%s", id, page)
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}

// tokenFor asks the token endpoint for a password-grant token.
func tokenFor(t *testing.T, base, clientID, secret, email, pw string) (int, string) {
	t.Helper()
	res, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {clientID},
		"client_secret": {secret}, "username": {email}, "password": {pw}, "scope": {"account.person.readonly"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.AccessToken
}

// apiStatus calls GET /api/3/account with a bearer token or (key) an API key.
func apiStatus(t *testing.T, base, token string, key bool) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/3/account", nil)
	if key {
		req.SetBasicAuth(token, "x")
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestDeveloperApps registers an application in the console, uses its
// secret at the token endpoint, rotates it (the old one stops working),
// sees the application connected, disconnects it (its token answers 401)
// and suspends and deletes it; every write is in the audit log.
func TestDeveloperApps(t *testing.T) {
	tb := startTestbed(t, 0)
	ctx := context.Background()
	admin := signIn(t, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	base := url.Values{"csrf_token": {admin.csrf}, "name": {"Front desk"}, "state": {"testing"},
		"scope": {"account.person.readonly", "account.channel.readonly"}, "password_grant": {"on"}}
	form := func(kv ...string) url.Values {
		f := url.Values{}
		for k, v := range base {
			f[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}

	// Redirect URIs are checked as the OAuth server checks them.
	for _, bad := range []string{"http://frontdesk.example.com/cb", "https://*.example.com/cb", "https://x.example/cb#frag", ""} {
		st, body := admin.post("/developers/apps", form("redirect_uris", bad))
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "redirect uris") {
			t.Fatalf("redirect URI %q: %d\n%s", bad, st, body)
		}
	}
	if st, body := admin.post("/developers/apps", form("redirect_uris", "https://x.example/cb", "scope", "account.everything")); st != http.StatusUnprocessableEntity || !strings.Contains(body, "unknown scope") {
		t.Fatalf("unknown scope: %d\n%s", st, body)
	}
	st, page := admin.post("/developers/apps", form("redirect_uris", "https://frontdesk.example.com/cb\nhttp://127.0.0.1:9999/cb"))
	if st != http.StatusCreated {
		t.Fatalf("create: %d\n%s", st, page)
	}
	secret, clientID := shown(t, page, "client-secret"), shown(t, page, "client-id")
	app, err := tb.app.Store.GetOAuthAppByUID(ctx, clientID)
	if err != nil || app.AccountID != tb.acct.ID || len(app.RedirectURIs) != 2 || app.State != domain.AppTesting ||
		app.Scopes.String() != "account.person.readonly account.channel.readonly" || !app.PasswordGrant || strings.Contains(app.SecretDigest, secret) {
		t.Fatalf("stored app: %+v %v", app, err)
	}
	appPath := "/developers/apps/" + itoa(app.ID)
	if _, again := admin.get(appPath); strings.Contains(again, secret) {
		t.Fatal("the app page shows the secret again")
	}
	if code, _ := tokenFor(t, tb.url, clientID, secret, tb.demo.AdminEmail, tb.demo.AdminPassword); code != http.StatusOK {
		t.Fatalf("token with the new app's secret: %d", code)
	}

	// A webhook to a private or metadata destination is refused, saying why.
	for _, bad := range []string{"http://169.254.169.254/latest/meta-data", "http://127.0.0.1:8080/hook", "https://user:pw@hooks.example.com/x"} {
		if st, body := admin.post(appPath+"/webhook", url.Values{"csrf_token": {admin.csrf}, "url": {bad}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "The URL") {
			t.Fatalf("webhook %s: %d\n%s", bad, st, body)
		}
	}
	if _, err := tb.app.Store.WebhookEndpointForApp(ctx, app.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("a refused webhook made an endpoint: %v", err)
	}

	// Rotation: the old secret stops working, the new one works.
	st, page = admin.post(appPath+"/secret", url.Values{"csrf_token": {admin.csrf}})
	if st != http.StatusOK {
		t.Fatalf("rotate: %d\n%s", st, page)
	}
	rotated := shown(t, page, "client-secret")
	if rotated == secret {
		t.Fatal("rotation kept the secret")
	}
	if code, _ := tokenFor(t, tb.url, clientID, secret, tb.demo.AdminEmail, tb.demo.AdminPassword); code != http.StatusUnauthorized {
		t.Fatalf("token with the old secret: %d", code)
	}
	code, token := tokenFor(t, tb.url, clientID, rotated, tb.demo.AdminEmail, tb.demo.AdminPassword)
	if code != http.StatusOK || apiStatus(t, tb.url, token, false) != http.StatusOK {
		t.Fatalf("token with the rotated secret: %d", code)
	}

	// Connected: the app holds a token of the account; disconnecting it
	// revokes the token at once.
	_, page = admin.get("/developers/connected")
	if !strings.Contains(page, `id="connected-`+itoa(app.ID)+`"`) || !strings.Contains(page, tb.demo.AdminEmail) {
		t.Fatalf("connected apps:\n%s", page)
	}
	st, page = admin.post("/developers/connected/"+itoa(app.ID)+"/disconnect", url.Values{"csrf_token": {admin.csrf}})
	if st != http.StatusOK || !strings.Contains(page, "2 token chain(s) revoked") {
		t.Fatalf("disconnect: %d\n%s", st, page)
	}
	if s := apiStatus(t, tb.url, token, false); s != http.StatusUnauthorized {
		t.Fatalf("token after the disconnect: %d", s)
	}
	if st, _ := admin.post("/developers/connected/"+itoa(app.ID)+"/disconnect", url.Values{"csrf_token": {admin.csrf}}); st != http.StatusNotFound {
		t.Fatalf("disconnecting again: %d", st)
	}

	// An operator disconnects their own connection only.
	opEmail, opPW := tb.operator(t, "olga", domain.RoleOperator)
	_, opToken := tokenFor(t, tb.url, clientID, rotated, opEmail, opPW)
	_, adminToken := tokenFor(t, tb.url, clientID, rotated, tb.demo.AdminEmail, tb.demo.AdminPassword)
	olga := signIn(t, tb.url, opEmail, opPW)
	if st, _ := olga.post("/developers/connected/"+itoa(app.ID)+"/disconnect", url.Values{"csrf_token": {olga.csrf}}); st != http.StatusForbidden {
		t.Fatalf("an operator disconnecting the whole account: %d", st)
	}
	if st, _ := olga.post("/developers/connected/"+itoa(app.ID)+"/disconnect-mine", url.Values{"csrf_token": {olga.csrf}}); st != http.StatusOK {
		t.Fatalf("an operator disconnecting their own: %d", st)
	}
	if apiStatus(t, tb.url, opToken, false) != http.StatusUnauthorized || apiStatus(t, tb.url, adminToken, false) != http.StatusOK {
		t.Fatal("disconnect-mine must end the operator's token and only theirs")
	}

	// Narrowing the scopes in the settings revokes the app's tokens.
	st, page = admin.post(appPath, form("redirect_uris", "https://frontdesk.example.com/cb", "scope", "account.person.readonly", "name", "Front desk 2"))
	if st != http.StatusOK || !strings.Contains(page, "token chain(s) revoked (scopes narrowed)") {
		t.Fatalf("update: %d\n%s", st, page)
	}
	if apiStatus(t, tb.url, adminToken, false) != http.StatusUnauthorized {
		t.Fatal("a token outlived narrowing the app's scopes")
	}
	if a, _ := tb.app.Store.GetOAuthApp(ctx, app.ID); a.Name != "Front desk 2" || len(a.RedirectURIs) != 1 {
		t.Fatalf("updated app: %+v", a)
	}

	// Suspend, then delete.
	if st, _ := admin.post(appPath+"/state", url.Values{"csrf_token": {admin.csrf}, "state": {"suspended"}}); st != http.StatusSeeOther {
		t.Fatalf("suspend: %d", st)
	}
	if code, _ := tokenFor(t, tb.url, clientID, rotated, tb.demo.AdminEmail, tb.demo.AdminPassword); code == http.StatusOK {
		t.Fatal("a suspended app got a token")
	}
	if st, _ := admin.post(appPath+"/delete", url.Values{"csrf_token": {admin.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("delete: %d", st)
	}
	if _, err := tb.app.Store.GetOAuthApp(ctx, app.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("deleted app: %v", err)
	}

	// Another account's application is not found, not shown.
	demoApp, _ := tb.app.Store.GetOAuthAppByUID(ctx, tb.demo.ClientID)
	other := &domain.Account{Name: "Elsewhere", TimeZone: "UTC"}
	if err := tb.app.Store.CreateAccount(ctx, other); err != nil {
		t.Fatal(err)
	}
	foreign := &domain.OAuthApp{AccountID: other.ID, Name: "Foreign", RedirectURIs: []string{"https://f.example/cb"}, Scopes: domain.NewScopeSet("account.person.readonly")}
	if err := tb.app.Store.CreateOAuthApp(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/developers/apps/" + itoa(foreign.ID)} {
		if st, _ := admin.get(p); st != http.StatusNotFound {
			t.Fatalf("GET %s of another account: %d", p, st)
		}
	}
	if st, _ := admin.post("/developers/apps/"+itoa(foreign.ID)+"/secret", url.Values{"csrf_token": {admin.csrf}}); st != http.StatusNotFound {
		t.Fatalf("rotating another account's app: %d", st)
	}
	if a, _ := tb.app.Store.GetOAuthApp(ctx, demoApp.ID); a.SecretDigest != demoApp.SecretDigest {
		t.Fatal("the demo app changed")
	}

	// Each write is in the audit log, as the operator's, without secrets.
	events, _, err := tb.app.Store.ListAuditEvents(ctx, tb.acct.ID, store.AuditFilter{Resource: "oauth_apps"})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, e := range events {
		if e.ActorKind != store.ActorOperator || e.ResourceID != itoa(app.ID) {
			continue
		}
		actions[e.Action] = true
		raw, _ := json.Marshal(e.Changes)
		if strings.Contains(string(raw), secret) || strings.Contains(string(raw), rotated) {
			t.Fatalf("a secret in the audit log: %s", raw)
		}
	}
	for _, a := range []string{"create", "rotate_secret", "update", "suspend", "delete"} {
		if !actions[a] {
			t.Errorf("no audit event %q for the app (have %v)", a, actions)
		}
	}
	if events, _, _ := tb.app.Store.ListAuditEvents(ctx, tb.acct.ID, store.AuditFilter{Resource: "connected_apps"}); len(events) != 2 {
		t.Errorf("disconnect audit events: %d, want 2", len(events))
	}
}

// TestDeveloperKeys creates a personal API key in the console (shown
// once, usable at once), keeps it within the operator's role, and revokes
// it; an operator may revoke only their own keys.
func TestDeveloperKeys(t *testing.T) {
	tb := startTestbed(t, 0)
	ctx := context.Background()
	admin := signIn(t, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	if st, body := admin.post("/developers/keys", url.Values{"csrf_token": {admin.csrf}, "name": {"nightly"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "scope") {
		t.Fatalf("a key without scopes: %d\n%s", st, body)
	}
	st, page := admin.post("/developers/keys", url.Values{"csrf_token": {admin.csrf}, "name": {"nightly export"},
		"scope": {"account.person.readonly", "account.event.access.readonly"}})
	if st != http.StatusCreated {
		t.Fatalf("create a key: %d\n%s", st, page)
	}
	key := shown(t, page, "api-key")
	if apiStatus(t, tb.url, key, true) != http.StatusOK {
		t.Fatal("the new key does not work")
	}
	_, page = admin.get("/developers/keys")
	if strings.Contains(page, key) || !strings.Contains(page, "nightly export") || !strings.Contains(page, key[:8]) {
		t.Fatalf("keys page (must list the key by its prefix, never whole):\n%s", page)
	}
	keys, err := tb.app.Store.ListAPIKeys(ctx, tb.acct.ID, 0)
	if err != nil || len(keys) != 1 || keys[0].Scopes.String() != "account.person.readonly account.event.access.readonly" {
		t.Fatalf("stored keys: %+v %v", keys, err)
	}
	id := keys[0].ID

	// A viewer sees their own keys only and may not revoke the admin's.
	vEmail, vPW := tb.operator(t, "vic", domain.RoleViewer)
	vic := signIn(t, tb.url, vEmail, vPW)
	if _, page := vic.get("/developers/keys"); strings.Contains(page, "nightly export") {
		t.Fatal("a viewer sees another operator's key")
	}
	if st, _ := vic.post("/developers/keys/"+itoa(id)+"/revoke", url.Values{"csrf_token": {vic.csrf}}); st != http.StatusForbidden {
		t.Fatalf("a viewer revoking the admin's key: %d", st)
	}
	if st, _ := vic.post("/developers/keys", url.Values{"csrf_token": {vic.csrf}, "name": {"mine"}, "scope": {"account.person.readonly"}}); st != http.StatusForbidden {
		t.Fatalf("a viewer creating a key: %d", st)
	}

	// An unknown scope is refused.
	if st, body := admin.post("/developers/keys", url.Values{"csrf_token": {admin.csrf}, "name": {"x"}, "scope": {"account.everything"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "unknown scope") {
		t.Fatalf("unknown scope: %d\n%s", st, body)
	}

	if st, _ := admin.post("/developers/keys/"+itoa(id)+"/revoke", url.Values{"csrf_token": {admin.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("revoke: %d", st)
	}
	if apiStatus(t, tb.url, key, true) != http.StatusUnauthorized {
		t.Fatal("a revoked key still works")
	}
	if events, _, _ := tb.app.Store.ListAuditEvents(ctx, tb.acct.ID, store.AuditFilter{Resource: "api_keys"}); len(events) != 2 {
		t.Fatalf("API key audit events: %d, want 2 (create, revoke)", len(events))
	}
}

// TestDeveloperKeyScopesFollowRole: the key form offers, and the handler
// accepts, only scopes the operator's role allows (the role console
// lowers an admin's role without changing the stored one).
func TestDeveloperKeyScopesFollowRole(t *testing.T) {
	tb := startTestbed(t, 0)
	email, pw := tb.operator(t, "ada", domain.RoleAdmin)
	ada := signIn(t, tb.roleURL, email, pw)
	_, page := ada.get("/developers/keys")
	if !strings.Contains(page, `value="account.audit.readonly"`) {
		t.Fatal("an admin is not offered the audit scope")
	}
	tb.roles[email] = domain.RoleOperator // demoted: no developer rights at all
	if st, _ := ada.post("/developers/keys", url.Values{"csrf_token": {ada.csrf}, "name": {"x"}, "scope": {"account.person.readonly"}}); st != http.StatusForbidden {
		t.Fatalf("an operator creating a key: %d", st)
	}
	// Without --webhook-allow-private, a callback to the cloud metadata
	// address is refused when saved, saying why, and nothing is stored.
	tb.roles[email] = domain.RoleAdmin
	rule := url.Values{"csrf_token": {ada.csrf}, "name": {"Metadata"}, "active": {"on"}, "code": {strconv.Itoa(domain.EventRemoteUnlock)},
		"url": {"http://169.254.169.254/latest/meta-data/"}}
	if st, body := ada.post("/developers/webhooks", rule); st != http.StatusUnprocessableEntity || !strings.Contains(body, "destination Lintel does not send to") {
		t.Fatalf("metadata callback: %d\n%s", st, body)
	}
	if rules, err := tb.app.Store.ListNotificationRules(context.Background(), tb.acct.ID); err != nil || len(rules) != 0 {
		t.Fatalf("a refused rule was stored: %v %v", rules, err)
	}
}

// TestDeveloperWebhooks adds a notification rule in the console (its
// signing secret shown once), unlocks a door, sees the failed delivery
// with its status code in the log, replays it and sees the replay
// delivered and signed with that secret.
func TestDeveloperWebhooks(t *testing.T) {
	tb := startTestbedWith(t, 0, func(c *config.Config) { c.WebhookAllowPrivate = true })
	ctx := context.Background()
	var (
		mu   sync.Mutex
		seen []*http.Request
		body [][]byte
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen, body = append(seen, r), append(body, b)
		first := len(seen) == 1
		mu.Unlock()
		if first {
			http.Error(w, "receiver is down", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)
	admin := signIn(t, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	rule := url.Values{"csrf_token": {admin.csrf}, "name": {"Unlocks"}, "active": {"on"}, "code": {strconv.Itoa(domain.EventRemoteUnlock)}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for a, b := range rule {
			f[a] = b
		}
		f.Set(k, v)
		return f
	}
	if st, body := admin.post("/developers/webhooks", with("url", "ftp://x.example/")); st != http.StatusUnprocessableEntity || !strings.Contains(body, "http") {
		t.Fatalf("bad URL: %d\n%s", st, body)
	}
	if st, body := admin.post("/developers/webhooks", with("code", "4242")); st != http.StatusUnprocessableEntity || !strings.Contains(body, "unknown event code") {
		t.Fatalf("bad code: %d\n%s", st, body)
	}
	st, page := admin.post("/developers/webhooks", with("url", recv.URL+"/hook"))
	if st != http.StatusCreated {
		t.Fatalf("create rule: %d\n%s", st, page)
	}
	secret := shown(t, page, "signing-secret")
	rules, err := tb.app.Store.ListNotificationRules(ctx, tb.acct.ID)
	if err != nil || len(rules) != 1 {
		t.Fatal(rules, err)
	}
	rulePath := "/developers/webhooks/" + itoa(rules[0].ID)

	chans, _, _ := tb.app.Store.ListChannels(ctx, tb.acct.ID, nil, store.Page{})
	if st, _ := admin.post("/doors/"+itoa(chans[0].ID)+"/command", url.Values{"csrf_token": {admin.csrf}, "action": {"unlock"}}); st != http.StatusSeeOther {
		t.Fatalf("unlock: %d", st)
	}
	ep, err := tb.app.Store.WebhookEndpointForRule(ctx, rules[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var failed *store.WebhookDelivery
	waitFor(t, "the first (failing) delivery", func() bool {
		ds, _ := tb.app.Store.ListWebhookDeliveries(ctx, ep.ID, 0, 10)
		for _, d := range ds {
			if d.LastStatusCode == http.StatusInternalServerError {
				failed = d
			}
		}
		return failed != nil
	})
	_, page = admin.get(rulePath)
	row := regexp.MustCompile(`(?s)<tr id="delivery-` + itoa(failed.ID) + `".*?</tr>`).FindString(page)
	if !strings.Contains(row, "500") || !strings.Contains(row, "receiver is down") {
		t.Fatalf("the delivery log does not show the failure:\n%s", page)
	}
	st, _ = admin.post("/developers/deliveries/"+itoa(failed.ID)+"/replay", url.Values{"csrf_token": {admin.csrf}})
	if st != http.StatusSeeOther {
		t.Fatalf("replay: %d", st)
	}
	var replay *store.WebhookDelivery
	waitFor(t, "the replay delivered", func() bool {
		ds, _ := tb.app.Store.ListWebhookDeliveries(ctx, ep.ID, 0, 10)
		for _, d := range ds {
			if d.ReplayOf == failed.ID && d.Status == store.DeliveryDelivered {
				replay = d
			}
		}
		return replay != nil
	})
	mu.Lock()
	var signed bool
	for i, r := range seen {
		if r.Header.Get(webhook.HeaderDelivery) == itoa(replay.ID) {
			signed = webhook.Verify(secret, r.Header.Get(webhook.HeaderTimestamp), body[i], r.Header.Get(webhook.HeaderSignature))
		}
	}
	mu.Unlock()
	if !signed {
		t.Fatal("the replay was not signed with the secret the console showed")
	}
	_, page = admin.get(rulePath)
	if !strings.Contains(page, "replay of "+itoa(failed.ID)) || strings.Contains(page, secret) {
		t.Fatalf("the log after the replay (must list it, never the secret):\n%s", page)
	}

	// A viewer may read the log but not replay.
	olga, pw := tb.operator(t, "olga", domain.RoleViewer)
	viewer := signIn(t, tb.url, olga, pw)
	if st, page := viewer.get(rulePath); st != http.StatusOK || strings.Contains(page, "/replay") {
		t.Fatalf("a viewer's delivery log: %d (replay buttons must be left out)", st)
	}
	if st, _ := viewer.post("/developers/deliveries/"+itoa(failed.ID)+"/replay", url.Values{"csrf_token": {viewer.csrf}}); st != http.StatusForbidden {
		t.Fatalf("a viewer replaying: %d", st)
	}

	// Edit, then delete the rule.
	st, page = admin.post(rulePath, with("url", recv.URL+"/other"))
	if st != http.StatusOK {
		t.Fatalf("edit: %d\n%s", st, page)
	}
	if n, _ := tb.app.Store.GetNotificationRule(ctx, tb.acct.ID, rules[0].ID); n.CallbackURL != recv.URL+"/other" {
		t.Fatalf("edited rule: %+v", n)
	}
	if st, _ := admin.post(rulePath+"/delete", url.Values{"csrf_token": {admin.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("delete: %d", st)
	}
	if events, _, _ := tb.app.Store.ListAuditEvents(ctx, tb.acct.ID, store.AuditFilter{Resource: "notification_rules"}); len(events) != 3 {
		t.Fatalf("rule audit events: %d, want 3", len(events))
	}
}

// TestDeveloperSubscriptions creates a subscription key (shown once),
// makes the account require one, and sees API calls without it refused
// and calls with it served; revoking it refuses it too.
func TestDeveloperSubscriptions(t *testing.T) {
	tb := startTestbed(t, 0)
	admin := signIn(t, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	_, page := admin.post("/developers/keys", url.Values{"csrf_token": {admin.csrf}, "name": {"script"}, "scope": {"account.person.readonly"}})
	key := shown(t, page, "api-key")
	if st, body := admin.post("/developers/subscriptions", url.Values{"csrf_token": {admin.csrf}, "name": {" "}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "name") {
		t.Fatalf("a blank name: %d\n%s", st, body)
	}
	st, page := admin.post("/developers/subscriptions", url.Values{"csrf_token": {admin.csrf}, "name": {"Acme integration"}})
	if st != http.StatusCreated {
		t.Fatalf("create: %d\n%s", st, page)
	}
	sub := shown(t, page, "subscription-key")
	call := func(withSub bool) int {
		req, _ := http.NewRequest("GET", tb.url+"/api/3/account", nil)
		req.SetBasicAuth(key, "x")
		if withSub {
			req.Header.Set("Ocp-Apim-Subscription-Key", sub)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if call(false) != http.StatusOK {
		t.Fatal("a call without a subscription key was refused before the account required one")
	}
	if st, _ := admin.post("/developers/subscriptions/required", url.Values{"csrf_token": {admin.csrf}, "required": {"on"}}); st != http.StatusSeeOther {
		t.Fatalf("require: %d", st)
	}
	if _, page := admin.get("/developers/keys"); shown(t, page, "subscription-required") != "requires" || strings.Contains(page, sub) {
		t.Fatal("the keys page does not say subscription keys are required, or shows the key again")
	}
	waitFor(t, "the requirement to apply", func() bool { return call(false) == http.StatusUnauthorized })
	if s := call(true); s != http.StatusOK {
		t.Fatalf("a call with the subscription key: %d", s)
	}
	subs, err := tb.app.Store.ListSubscriptionKeys(context.Background(), tb.acct.ID)
	if err != nil || len(subs) != 1 {
		t.Fatal(subs, err)
	}
	if st, _ := admin.post("/developers/subscriptions/"+itoa(subs[0].ID)+"/revoke", url.Values{"csrf_token": {admin.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("revoke: %d", st)
	}
	if s := call(true); s != http.StatusUnauthorized {
		t.Fatalf("a call with the revoked subscription key: %d", s)
	}
	if st, _ := admin.post("/developers/subscriptions/required", url.Values{"csrf_token": {admin.csrf}, "required": {"off"}}); st != http.StatusSeeOther {
		t.Fatalf("stop requiring: %d", st)
	}
	if events, _, _ := tb.app.Store.ListAuditEvents(context.Background(), tb.acct.ID, store.AuditFilter{Resource: "subscription_keys"}); len(events) != 2 {
		t.Fatalf("subscription key audit events: %d, want 2", len(events))
	}
}

// TestDeveloperLongNames: a name over the limit is reported, not cut
// (and never cut inside a character).
func TestDeveloperLongNames(t *testing.T) {
	tb := startTestbed(t, 0)
	admin := signIn(t, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	long := strings.Repeat("€", 201) // 603 bytes, 201 characters
	st, body := admin.post("/developers/apps", url.Values{"csrf_token": {admin.csrf}, "name": {long}, "state": {"testing"},
		"redirect_uris": {"https://x.example/cb"}, "scope": {"account.person.readonly"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "at most 200 characters") {
		t.Fatalf("a 201-character name: %d\n%s", st, body)
	}
	st, body = admin.post("/developers/apps", url.Values{"csrf_token": {admin.csrf}, "name": {strings.Repeat("€", 200)}, "state": {"testing"},
		"redirect_uris": {"https://x.example/cb"}, "scope": {"account.person.readonly"}})
	if st != http.StatusCreated {
		t.Fatalf("a 200-character name: %d\n%s", st, body)
	}
	if st, body := admin.post("/developers/keys", url.Values{"csrf_token": {admin.csrf}, "name": {strings.Repeat("é", 70)}, "scope": {"account.person.readonly"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "at most 100") {
		t.Fatalf("a 140-byte key name: %d\n%s", st, body)
	}
}
