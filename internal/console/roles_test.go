package console_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// route is one console route and the permission it needs. Forms carry
// input that is refused after the permission check (an unknown action,
// a blank name), so an allowed call changes nothing either.
type route struct {
	method, path string
	perm         domain.Permission
	form         url.Values
}

func routes(door, person int64, job string) []route {
	d, p := "/doors/"+itoa(door), "/people/"+itoa(person)
	return []route{
		{"GET", "/", domain.PermRead, nil},
		{"GET", "/doors", domain.PermRead, nil},
		{"GET", d, domain.PermRead, nil},
		{"GET", "/people", domain.PermRead, nil},
		{"GET", p, domain.PermRead, nil},
		{"GET", "/people/export.csv", domain.PermRead, nil},
		{"GET", "/events", domain.PermRead, nil},
		{"GET", "/events.csv", domain.PermRead, nil},
		{"GET", "/controllers", domain.PermRead, nil},
		{"GET", "/people/new", domain.PermPeople, nil},
		{"GET", "/people/import", domain.PermPeople, nil},
		{"GET", job, domain.PermPeople, nil},
		{"GET", job + "/status", domain.PermPeople, nil},
		{"POST", d + "/command", domain.PermDoorCommands, url.Values{"action": {"explode"}}},
		{"POST", "/sites/0/command", domain.PermDoorCommands, url.Values{"action": {"unlock"}}},
		{"POST", "/people", domain.PermPeople, url.Values{"first_name": {""}}},
		{"POST", p, domain.PermPeople, url.Values{"first_name": {""}}},
		{"POST", p + "/credentials", domain.PermPeople, url.Values{"credential_type_id": {"0"}}},
		{"POST", p + "/credentials/nope/revoke", domain.PermPeople, nil},
		{"POST", p + "/credentials/nope/invite", domain.PermPeople, nil},
		{"POST", "/people/import", domain.PermPeople, url.Values{"csv": {""}}},
		{"POST", "/controllers", domain.PermConfigure, url.Values{"name": {"x"}}},
		{"POST", "/controllers/999999/revoke", domain.PermConfigure, nil},
		{"GET", "/settings", domain.PermRead, nil},
		{"GET", "/settings/operators", domain.PermRead, nil},
		{"GET", "/settings/audit", domain.PermAudit, nil},
		{"GET", "/settings/audit.csv", domain.PermAudit, nil},
		{"POST", "/settings", domain.PermAccount, url.Values{"name": {""}, "time_zone": {"UTC"}}},
		{"POST", "/settings/operators", domain.PermOperators, url.Values{"email": {"not-an-email"}, "role": {"viewer"}}},
		{"POST", "/settings/operators/999999/role", domain.PermOperators, url.Values{"role": {"emperor"}}},
		{"POST", "/settings/operators/999999/disable", domain.PermOperators, nil},
		{"POST", "/settings/operators/999999/enable", domain.PermOperators, nil},
		{"POST", "/settings/operators/999999/reset", domain.PermOperators, nil},
		{"POST", "/settings/operators/999999/unlock", domain.PermOperators, nil},
		{"POST", "/settings/operators/999999/totp", domain.PermOperators, nil},
	}
}

// devRoutes are the developer portal's routes (developers.go). app is an
// application of the account; every write names a missing id or carries
// a blank name, so none changes anything.
func devRoutes(app int64) []route {
	a := "/developers/apps/" + itoa(app)
	return []route{
		{"GET", "/developers", domain.PermRead, nil},
		{"GET", a, domain.PermRead, nil},
		{"GET", "/developers/connected", domain.PermRead, nil},
		{"GET", "/developers/keys", domain.PermRead, nil},
		{"GET", "/developers/webhooks", domain.PermRead, nil},
		{"GET", "/developers/webhooks/999999", domain.PermRead, nil},
		{"POST", "/developers/apps", domain.PermDevelopers, url.Values{"name": {""}}},
		{"POST", a, domain.PermDevelopers, url.Values{"name": {""}}},
		{"POST", "/developers/apps/999999/secret", domain.PermDevelopers, nil},
		{"POST", "/developers/apps/999999/state", domain.PermDevelopers, url.Values{"state": {"suspended"}}},
		{"POST", "/developers/apps/999999/delete", domain.PermDevelopers, nil},
		{"POST", a + "/webhook", domain.PermDevelopers, url.Values{"url": {""}}},
		{"POST", "/developers/connected/999999/disconnect", domain.PermDevelopers, nil},
		{"POST", "/developers/connected/999999/disconnect-mine", domain.PermRead, nil},
		{"POST", "/developers/keys", domain.PermDevelopers, url.Values{"name": {""}}},
		{"POST", "/developers/keys/999999/revoke", domain.PermRead, nil},
		{"POST", "/developers/subscriptions", domain.PermDevelopers, url.Values{"name": {""}}},
		{"POST", "/developers/subscriptions/999999/revoke", domain.PermDevelopers, nil},
		{"POST", "/developers/subscriptions/required", domain.PermDevelopers, url.Values{"required": {"maybe"}}},
		{"POST", "/developers/webhooks", domain.PermDevelopers, url.Values{"name": {""}}},
		{"POST", "/developers/webhooks/999999", domain.PermDevelopers, url.Values{"name": {""}}},
		{"POST", "/developers/webhooks/999999/secret", domain.PermDevelopers, nil},
		{"POST", "/developers/webhooks/999999/delete", domain.PermDevelopers, nil},
		{"POST", "/developers/deliveries/999999/replay", domain.PermDevelopers, nil},
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRoles walks every console route with every role: a role without
// the route's permission gets 403 (and a forged write changes nothing),
// one with it gets past the check; a post without the session's CSRF
// token is refused whatever the role.
func TestRoles(t *testing.T) {
	tb := startTestbed(t, 3)
	ctx := context.Background()
	chans, _, err := tb.app.Store.ListChannels(ctx, tb.acct.ID, nil, store.Page{})
	if err != nil || len(chans) == 0 {
		t.Fatal(chans, err)
	}
	people, err := tb.app.Store.SearchPeople(ctx, tb.acct.ID, "", 0, 1)
	if err != nil || len(people) == 0 {
		t.Fatal(people, err)
	}
	door, person := chans[0].ID, people[0].ID
	demoApp, err := tb.app.Store.GetOAuthAppByUID(ctx, tb.demo.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	// An import job of the account, for its pages: every role that may
	// import sees it, a viewer may not.
	tb.roles[tb.demo.AdminEmail] = domain.RoleOwner
	owner := signIn(t, tb.roleURL, tb.demo.AdminEmail, tb.demo.AdminPassword)
	st, job, body := startImport(t, owner, "first_name,last_name,email\nRolf,Import,roles-import@example.com\n")
	if st != http.StatusSeeOther {
		t.Fatalf("import: %d\n%s", st, body)
	}
	if s := waitJob(t, owner, job); s.State != "done" || s.Added != 1 {
		t.Fatalf("import: %+v", s)
	}
	all := append(routes(door, person, job), editorRoutes(t, tb, person)...)
	all = append(all, devRoutes(demoApp.ID)...)
	for _, role := range domain.OperatorRoles {
		email, pw := tb.operator(t, "op-"+string(role), role)
		c := signIn(t, tb.roleURL, email, pw)
		for _, rt := range all {
			var status int
			var body string
			if rt.method == "GET" {
				status, body = c.get(rt.path)
			} else {
				form := url.Values{"csrf_token": {c.csrf}}
				for k, v := range rt.form {
					form[k] = v
				}
				status, body = c.post(rt.path, form)
				if st, _ := c.post(rt.path, rt.form); st != http.StatusForbidden {
					t.Errorf("%s: %s %s without a CSRF token: %d, want 403", role, rt.method, rt.path, st)
				}
			}
			allowed := role.Can(rt.perm)
			if allowed && (status == http.StatusForbidden || status == http.StatusUnauthorized || status >= 500) {
				t.Errorf("%s: %s %s: %d, want it allowed\n%s", role, rt.method, rt.path, status, body)
			}
			if !allowed && status != http.StatusForbidden {
				t.Errorf("%s: %s %s: %d, want 403", role, rt.method, rt.path, status)
			}
		}
	}
	// Nothing above changed a door, a person or the demo application.
	if a, err := tb.app.Store.GetOAuthApp(ctx, demoApp.ID); err != nil || a.Name != demoApp.Name || a.SecretDigest != demoApp.SecretDigest ||
		a.State != demoApp.State || a.Scopes.String() != demoApp.Scopes.String() {
		t.Fatalf("demo application after the forged writes: %+v %v", a, err)
	}
	ch, err := tb.app.Store.GetChannel(ctx, tb.acct.ID, door)
	if err != nil || ch.Mode != domain.ModeNormal || ch.InLockdown() {
		t.Fatalf("door after the forged writes: %+v %v", ch, err)
	}
	p, err := tb.app.Store.GetPerson(ctx, tb.acct.ID, person)
	if err != nil || p.FirstName != people[0].FirstName {
		t.Fatalf("person after the forged writes: %+v %v", p, err)
	}
	// Nor the account, nor the operators.
	acct, err := tb.app.Store.GetAccount(ctx, tb.acct.ID)
	if err != nil || acct.Name != tb.acct.Name || acct.TimeZone != tb.acct.TimeZone {
		t.Fatalf("account after the forged writes: %+v %v", acct, err)
	}
	users, err := tb.app.Store.ListUsers(ctx, tb.acct.ID)
	if err != nil || len(users) != 1+len(domain.OperatorRoles) {
		t.Fatalf("operators after the forged writes: %d %v", len(users), err)
	}
}

// TestSignedOut: a visitor is sent to the sign-in page, and a post is
// refused without a session.
func TestSignedOut(t *testing.T) {
	tb := startTestbed(t, 0)
	res, err := http.Get(tb.url + "/people")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/login" || res.Request.URL.Query().Get("next") != "/people" {
		t.Fatalf("signed-out GET /people ended at %s", res.Request.URL)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP: %q", csp)
	}
	res, err = http.PostForm(tb.url+"/doors/1/command", url.Values{"action": {"unlock"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("signed-out POST: %d", res.StatusCode)
	}
	// A wrong password is refused on the console's form as on the OAuth one.
	cj, _ := cookiejar.New(nil)
	jar := &client{t: t, base: tb.url, http: &http.Client{Jar: cj}}
	_, page := jar.get("/login")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the login page")
	}
	if st, body := jar.post("/login", url.Values{"csrf_token": {m[1]}, "email": {tb.demo.AdminEmail}, "password": {"wrong"}}); st != http.StatusUnauthorized || !strings.Contains(body, "incorrect") {
		t.Fatalf("wrong password: %d\n%s", st, body)
	}
}
