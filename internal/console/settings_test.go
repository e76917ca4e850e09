package console_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/mail/mailtest"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

var linkURL = regexp.MustCompile(`<pre id="link-url">([^<]+)</pre>`)

// TestAccountSettings: an owner changes the account's name and time zone
// (an unknown zone is refused and changes nothing); the change is in the
// audit log as the owner's.
func TestAccountSettings(t *testing.T) {
	tb := startTestbed(t, 0)
	ctx := context.Background()
	email, pw := tb.operator(t, "olivia", domain.RoleOwner)
	c := signIn(t, tb.url, email, pw)
	for _, tz := range []string{"Mars/Olympus", "Local", "", "../../etc/passwd"} {
		st, body := c.post("/settings", url.Values{"csrf_token": {c.csrf}, "name": {"Renamed"}, "time_zone": {tz}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "IANA time zone") {
			t.Fatalf("time zone %q: %d\n%s", tz, st, body)
		}
	}
	if st, body := c.post("/settings", url.Values{"csrf_token": {c.csrf}, "name": {"  "}, "time_zone": {"UTC"}}); st != http.StatusUnprocessableEntity {
		t.Fatalf("blank name: %d\n%s", st, body)
	}
	acct, _ := tb.app.Store.GetAccount(ctx, tb.acct.ID)
	if acct.Name != tb.acct.Name || acct.TimeZone != tb.acct.TimeZone {
		t.Fatalf("refused changes were saved: %+v", acct)
	}
	if st, _ := c.post("/settings", url.Values{"csrf_token": {c.csrf}, "name": {"CoWork Lisbon"}, "time_zone": {"Europe/Lisbon"}}); st != http.StatusSeeOther {
		t.Fatalf("save: %d", st)
	}
	acct, _ = tb.app.Store.GetAccount(ctx, tb.acct.ID)
	if acct.Name != "CoWork Lisbon" || acct.TimeZone != "Europe/Lisbon" {
		t.Fatalf("saved account %+v", acct)
	}
	rows, err := tb.app.Store.AuditPage(ctx, tb.acct.ID, store.AuditFilter{Resource: "accounts"}, 10)
	if err != nil || len(rows) != 1 || rows[0].ActorDisplay != email || rows[0].Changes["time_zone"] != "Europe/Lisbon" || rows[0].Action != "update" {
		t.Fatalf("audit of the change: %+v %v", rows, err)
	}
	// An admin sees the settings but no form, and may not post one.
	aemail, apw := tb.operator(t, "adam", domain.RoleAdmin)
	a := signIn(t, tb.url, aemail, apw)
	if st, body := a.get("/settings"); st != http.StatusOK || strings.Contains(body, `id="account-form"`) || !strings.Contains(body, "CoWork Lisbon") {
		t.Fatalf("admin's settings page: %d\n%s", st, body)
	}
	if st, _ := a.post("/settings", url.Values{"csrf_token": {a.csrf}, "name": {"Mine"}, "time_zone": {"UTC"}}); st != http.StatusForbidden {
		t.Fatalf("admin saved the account: %d", st)
	}
}

// TestOperatorLifecycle: an admin invites an operator (no mail server:
// the link is shown and works), changes roles, resets a password,
// unlocks a throttled operator, disables and enables; an admin may not
// touch an owner nor make one; the last owner cannot be demoted; each
// write is on the audit page and in its CSV export.
func TestOperatorLifecycle(t *testing.T) {
	tb := startTestbed(t, 0)
	ctx := context.Background()
	st := tb.app.Store
	aemail, apw := tb.operator(t, "adam", domain.RoleAdmin)
	oemail, _ := tb.operator(t, "olivia", domain.RoleOwner)
	a := signIn(t, tb.url, aemail, apw)
	user := func(email string) *domain.User {
		t.Helper()
		u, err := st.GetUserByEmail(ctx, tb.acct.ID, email)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	path := func(u *domain.User, action string) string { return "/settings/operators/" + itoa(u.ID) + "/" + action }

	// Invite: a malformed email is shown on the form; a good one gives a link.
	if code, body := a.post("/settings/operators", url.Values{"csrf_token": {a.csrf}, "email": {"nobody"}, "role": {"operator"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "email") {
		t.Fatalf("bad invitation: %d\n%s", code, body)
	}
	code, body := a.post("/settings/operators", url.Values{"csrf_token": {a.csrf}, "email": {"Nina@CoWork.example"}, "first_name": {"Nina"}, "role": {"operator"}})
	m := linkURL.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		t.Fatalf("invitation: %d\n%s", code, body)
	}
	nina := user("nina@cowork.example")
	if nina.Role != domain.RoleOperator || nina.PasswordHash != "" {
		t.Fatalf("invited %+v", nina)
	}
	if res, err := http.Get(strings.ReplaceAll(m[1], "&amp;", "&")); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("the invitation link: %v %v", res, err)
	}
	if code, _ := a.post("/settings/operators", url.Values{"csrf_token": {a.csrf}, "email": {"nina@cowork.example"}, "role": {"viewer"}}); code != http.StatusUnprocessableEntity {
		t.Fatalf("a second invitation for the same email: %d", code)
	}
	if code, _ := a.post("/settings/operators", url.Values{"csrf_token": {a.csrf}, "email": {"boss@cowork.example"}, "role": {"owner"}}); code != http.StatusForbidden {
		t.Fatalf("an admin invited an owner: %d", code)
	}
	if _, body := a.get("/settings/operators"); !strings.Contains(body, "invited") || !strings.Contains(body, "New invitation link") {
		t.Fatalf("the invited operator's row:\n%s", body)
	}

	// Roles: an admin changes an operator, never an owner, never to owner.
	if code, _ := a.post(path(nina, "role"), url.Values{"csrf_token": {a.csrf}, "role": {"viewer"}}); code != http.StatusSeeOther {
		t.Fatalf("change role: %d", code)
	}
	if user(nina.Email).Role != domain.RoleViewer {
		t.Fatal("role not changed")
	}
	if code, _ := a.post(path(nina, "role"), url.Values{"csrf_token": {a.csrf}, "role": {"owner"}}); code != http.StatusForbidden {
		t.Fatalf("admin made an owner: %d", code)
	}
	owner := user(oemail)
	for _, action := range []string{"role", "disable", "reset", "unlock", "totp"} {
		if code, _ := a.post(path(owner, action), url.Values{"csrf_token": {a.csrf}, "role": {"viewer"}}); code != http.StatusForbidden {
			t.Errorf("admin %s on an owner: %d, want 403", action, code)
		}
	}
	if u := user(oemail); u.Role != domain.RoleOwner || u.Disabled {
		t.Fatalf("owner after the admin's attempts: %+v", u)
	}
	if code, _ := a.post(path(user(aemail), "disable"), url.Values{"csrf_token": {a.csrf}}); code != http.StatusConflict {
		t.Fatalf("an admin disabled themselves: %d", code)
	}
	if _, body := a.get("/settings/operators"); strings.Contains(body, path(owner, "disable")) || strings.Contains(body, path(user(aemail), "disable")) {
		t.Fatalf("the admin is offered controls over an owner or themselves:\n%s", body)
	}

	// The last owner: whoever asks, it stays an active owner. (The demo's
	// operator owns the account too: make it an admin first.)
	demoOp := user(tb.demo.AdminEmail)
	admin := domain.RoleAdmin
	if _, err := tb.app.Store.UpdateUser(context.Background(), tb.acct.ID, demoOp.ID, store.UserUpdate{Role: &admin}); err != nil {
		t.Fatal(err)
	}
	tb.roles[aemail] = domain.RoleOwner // the role-table console lets adam act as an owner
	ao := signIn(t, tb.roleURL, aemail, apw)
	for _, action := range []string{"role", "disable"} {
		if code, body := ao.post(path(owner, action), url.Values{"csrf_token": {ao.csrf}, "role": {"admin"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "last active owner") {
			t.Fatalf("%s of the last owner: %d\n%s", action, code, body)
		}
	}

	// Reset: a link for an operator with a password.
	vemail, _ := tb.operator(t, "victor", domain.RoleViewer)
	victor := user(vemail)
	code, body = a.post(path(victor, "reset"), url.Values{"csrf_token": {a.csrf}})
	if m := linkURL.FindStringSubmatch(body); code != http.StatusOK || m == nil || !strings.Contains(m[1], "/oauth/reset?token=") {
		t.Fatalf("reset link: %d\n%s", code, body)
	}

	// Unlock: six wrong passwords lock victor out; the admin unlocks him.
	anon := signInPage(t, tb.url)
	for i := 0; i < 6; i++ {
		anon.post("/login", url.Values{"csrf_token": {anon.csrf}, "email": {vemail}, "password": {"wrong"}})
	}
	if _, body := a.get("/settings/operators"); !strings.Contains(body, "locked out") || !strings.Contains(body, path(victor, "unlock")) {
		t.Fatalf("victor is not shown locked out:\n%s", body)
	}
	if code, _ := a.post(path(victor, "unlock"), url.Values{"csrf_token": {a.csrf}}); code != http.StatusSeeOther {
		t.Fatalf("unlock: %d", code)
	}
	if _, body := a.get("/settings/operators"); strings.Contains(body, "locked out") {
		t.Fatal("still locked out after unlocking")
	}

	// Disable and enable.
	for _, action := range []string{"disable", "enable"} {
		if code, _ := a.post(path(victor, action), url.Values{"csrf_token": {a.csrf}}); code != http.StatusSeeOther {
			t.Fatalf("%s: %d", action, code)
		}
	}
	if user(vemail).Disabled {
		t.Fatal("victor is still disabled")
	}
	if code, _ := a.post(path(victor, "explode"), url.Values{"csrf_token": {a.csrf}}); code != http.StatusNotFound {
		t.Fatalf("unknown action: %d", code)
	}

	// The audit page shows each write, newest first, filterable.
	_, body = a.get("/settings/audit?resource=operators")
	for _, action := range []string{"invite", "update", "reset_password", "unlock", "disable", "enable"} {
		if !strings.Contains(body, "<td>"+action+"</td>") {
			t.Errorf("audit page lacks %s:\n%s", action, body)
		}
	}
	if i, j := strings.Index(body, "<td>enable</td>"), strings.Index(body, "<td>invite</td>"); i < 0 || j < i {
		t.Errorf("not newest first")
	}
	if _, body := a.get("/settings/audit?resource=operators&action=unlock&resource_id=" + itoa(victor.ID)); strings.Count(body, "<td>unlock</td>") != 1 || strings.Contains(body, "<td>invite</td>") {
		t.Errorf("filtered audit page:\n%s", body)
	}
	if _, body := a.get("/settings/audit?from=yesterday&actor=robot:1"); !strings.Contains(body, "From must be a date") || !strings.Contains(body, "Choose an actor") {
		t.Errorf("malformed filters are not reported:\n%s", body)
	}
	// CSV: the same rows, oldest first, no secrets.
	res, err := a.http.Get(a.base + "/settings/audit.csv?resource=operators")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	res.Body.Close()
	if err != nil || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(recs) != 7 || recs[0][8] != "action" || recs[1][8] != "invite" {
		t.Fatalf("CSV export: %v %v", recs, err)
	}
	for _, r := range recs {
		if strings.Contains(strings.Join(r, ","), "token=") {
			t.Fatalf("a link leaked into the audit log: %v", r)
		}
	}
}

// TestAuditPaging: the audit page is read by keyset, 50 rows a page,
// every row once.
func TestAuditPaging(t *testing.T) {
	tb := startTestbed(t, 0)
	ctx := store.WithActor(context.Background(), store.Actor{AccountID: tb.acct.ID, Kind: store.ActorCLI, Display: "lintel"})
	for i := 0; i < 120; i++ {
		if err := tb.app.Store.CreateSite(ctx, &domain.Site{AccountID: tb.acct.ID, Name: "S" + itoa(int64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	email, pw := tb.operator(t, "adam", domain.RoleAdmin)
	c := signIn(t, tb.url, email, pw)
	next := regexp.MustCompile(`before=(\d+)" rel="next"`)
	seen, pages, q := 0, 0, "/settings/audit?actor=cli:0"
	for {
		_, body := c.get(q)
		seen += strings.Count(body, "<td>create</td>")
		pages++
		m := next.FindStringSubmatch(body)
		if m == nil {
			break
		}
		q = "/settings/audit?actor=cli%3A0&before=" + m[1]
	}
	if seen != 120 || pages != 3 {
		t.Fatalf("%d rows over %d pages, want 120 over 3", seen, pages)
	}
}

// signInPage opens the sign-in page without signing in and keeps its CSRF
// token.
func signInPage(t *testing.T, base string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, body := c.get("/login")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the login page:\n%s", body)
	}
	c.csrf = m[1]
	return c
}

// TestInviteByEmail: with a mail server (a real SMTP server in the test
// process) the invitation is emailed, and the page says so without
// showing the link.
func TestInviteByEmail(t *testing.T) {
	b := storetest.Backends(t)[0]
	cfg := apptest.Config(t, b)
	smtp := mailtest.Start(t)
	cfg.SMTPURL = smtp.URL()
	a, info := apptest.Start(t, cfg, nil, 0)
	c := signIn(t, a.BaseURL(), info.AdminEmail, info.AdminPassword)
	if _, body := c.get("/settings/operators"); !strings.Contains(body, "The invitation is emailed.") {
		t.Fatalf("the page does not say invitations are emailed:\n%s", body)
	}
	code, body := c.post("/settings/operators", url.Values{"csrf_token": {c.csrf}, "email": {"mia@cowork.example"}, "role": {"viewer"}})
	if code != http.StatusOK || !strings.Contains(body, "was emailed to mia@cowork.example") || linkURL.MatchString(body) || strings.Contains(body, "token=") {
		t.Fatalf("invitation by email: %d\n%s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg, err := smtp.Wait(ctx, "mia@cowork.example")
	if err != nil || !strings.Contains(msg.Text, a.BaseURL()+"/oauth/invite?token=") {
		t.Fatalf("invitation email: %+v %v", msg, err)
	}
}
