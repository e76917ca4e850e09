package oauth

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/mail"
	"github.com/lintel-dev/lintel/internal/mail/mailtest"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

var tokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)

// setPassword fills the form of an invitation or reset link.
func (b *browser) setPassword(link, pw, confirm string) page {
	b.e.t.Helper()
	u := mustURL(link)
	p := b.get(u.RequestURI())
	if p.status != http.StatusOK || !strings.Contains(p.body, `name="confirm"`) {
		b.e.t.Fatalf("link page: %d %s", p.status, p.body)
	}
	return b.post(u.Path, url.Values{"csrf_token": {csrfOf(b.e.t, p.body)}, "token": {tokenRE.FindStringSubmatch(p.body)[1]},
		"password": {pw}, "confirm": {confirm}})
}

func (e *env) audit(action string) []*store.AuditEvent {
	e.t.Helper()
	evs, _, err := e.st.ListAuditEvents(context.Background(), e.acctA.ID, store.AuditFilter{Resource: "operators"})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*store.AuditEvent
	for _, ev := range evs {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

func cliCtx(acct int64) context.Context {
	return store.WithActor(context.Background(), store.Actor{AccountID: acct, Kind: store.ActorCLI, Display: "lintel users"})
}

func TestInvitationAndReset(t *testing.T) {
	e := newEnv(t)
	ctx := cliCtx(e.acctA.ID)
	u, link, err := e.srv.Invite(ctx, authz.CLI, Invitation{AccountID: e.acctA.ID, Email: " New@A.test ", FirstName: "Nia", Role: domain.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "new@a.test" || u.Role != domain.RoleViewer || link.Emailed || !strings.HasPrefix(link.URL, e.ts.URL+"/oauth/invite?token=") {
		t.Fatalf("invite: %+v %+v", u, link)
	}
	if _, _, err := e.srv.Invite(ctx, authz.CLI, Invitation{AccountID: e.acctA.ID, Email: "new@a.test"}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("second invitation: %v", err)
	}
	if _, _, err := e.srv.Invite(ctx, authz.CLI, Invitation{AccountID: e.acctA.ID, Email: "nope"}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("bad email: %v", err)
	}
	// Nobody signs in as an invited operator before they set a password.
	if r := e.token(e.pw, url.Values{"grant_type": {"password"}, "username": {"new@a.test"}, "password": {""}}); r.status != 400 {
		t.Errorf("invited operator signed in: %d", r.status)
	}
	b := e.browser()
	if p := b.setPassword(link.URL, "short", "short"); p.status != http.StatusUnprocessableEntity {
		t.Errorf("short password: %d", p.status)
	}
	if p := b.setPassword(link.URL, "long enough 1", "long enough 2"); p.status != http.StatusUnprocessableEntity {
		t.Errorf("mismatch: %d", p.status)
	}
	p := b.setPassword(link.URL, "new password 1", "new password 1")
	if p.status != http.StatusSeeOther || p.loc.String() != "/" {
		t.Fatalf("accept: %d %v %s", p.status, p.loc, p.body)
	}
	// The browser is signed in: the authorize flow goes straight to consent.
	if c := b.get(authzPath(e.live, nil)); isLogin(c) {
		t.Error("not signed in after accepting")
	}
	if p := b.get(mustURL(link.URL).RequestURI()); p.status != http.StatusGone {
		t.Errorf("link used twice: %d", p.status)
	}
	if len(e.audit("invite")) != 1 || len(e.audit("accept_invitation")) != 1 {
		t.Errorf("audit: invite %d, accept %d", len(e.audit("invite")), len(e.audit("accept_invitation")))
	}

	// Who may reset whom.
	alice := authz.Session(e.alice)
	if _, err := e.srv.ResetPassword(ctx, alice, e.acctA.ID, u.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("an operator reset someone: %v", err)
	}
	admin := &domain.Principal{AccountID: e.acctA.ID, UserID: 999, Role: domain.RoleAdmin}
	owner := domain.RoleOwner
	if _, err := e.srv.UpdateOperator(ctx, admin, e.acctA.ID, u.ID, store.UserUpdate{Role: &owner}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("an admin made an owner: %v", err)
	}
	if _, err := e.srv.ResetPassword(ctx, &domain.Principal{AccountID: e.acctB.ID, Role: domain.RoleOwner}, e.acctA.ID, u.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("another account's owner: %v", err)
	}
	reset, err := e.srv.ResetPassword(ctx, admin, e.acctA.ID, u.ID)
	if err != nil || !strings.Contains(reset.URL, "/oauth/reset?token=") {
		t.Fatalf("reset: %+v %v", reset, err)
	}
	other := e.browser()
	if p := other.setPassword(reset.URL, "newer password", "newer password"); p.status != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", p.status, p.body)
	}
	// The reset ended the first browser's session.
	if c := b.get(authzPath(e.live, nil)); !isLogin(c) {
		t.Error("a reset left another session signed in")
	}
	if r := e.token(e.pw, url.Values{"grant_type": {"password"}, "username": {"new@a.test"}, "password": {"newer password"}}); r.status != 200 {
		t.Errorf("new password: %d %s", r.status, r.raw)
	}
	// An expired link is refused.
	late, _ := e.srv.ResetPassword(ctx, admin, e.acctA.ID, u.ID)
	e.clock.Add(2 * time.Hour)
	if p := e.browser().get(mustURL(late.URL).RequestURI()); p.status != http.StatusGone {
		t.Errorf("expired link: %d", p.status)
	}
	if p := e.browser().get("/oauth/reset?token=garbage"); p.status != http.StatusGone {
		t.Errorf("garbage link: %d", p.status)
	}
}

func TestDisableEndsEverything(t *testing.T) {
	e := newEnv(t)
	ctx := cliCtx(e.acctA.ID)
	b := e.browser()
	tok := e.tokens(e.live)
	if !e.alive(tok.str("access_token")) {
		t.Fatal("token not alive")
	}
	if c := b.get(authzPath(e.live, nil)); !isLogin(c) {
		t.Fatal("expected login")
	}
	b.login(authzPath(e.live, nil), "alice@a.test")
	if err := e.srv.DisableOperator(ctx, authz.CLI, e.acctA.ID, e.alice.ID); err != nil {
		t.Fatal(err)
	}
	if e.alive(tok.str("access_token")) {
		t.Error("the access token survived")
	}
	if r := e.refresh(e.live, tok.str("refresh_token")); r.status == 200 {
		t.Error("the refresh token survived")
	}
	if c := b.get(authzPath(e.live, nil)); !isLogin(c) {
		t.Error("the session survived")
	}
	if p := e.browser().login(authzPath(e.live, nil), "alice@a.test"); p.status != http.StatusUnauthorized {
		t.Errorf("a disabled operator signed in: %d", p.status)
	}
	if len(e.audit("disable")) != 1 {
		t.Error("disable not audited")
	}
	if err := e.srv.EnableOperator(ctx, authz.CLI, e.acctA.ID, e.alice.ID); err != nil {
		t.Fatal(err)
	}
	if p := e.browser().login(authzPath(e.live, nil), "alice@a.test"); p.status != http.StatusSeeOther {
		t.Errorf("enabled operator: %d", p.status)
	}
}

func TestRoleBoundsConsent(t *testing.T) {
	e := newEnv(t)
	viewer := domain.RoleViewer
	if _, err := e.st.UpdateUser(context.Background(), e.acctA.ID, e.alice.ID, store.UserUpdate{Role: &viewer}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	path := authzPath(e.live, url.Values{"scope": {"account.person account.channel.readonly"}})
	p := b.login(path, "alice@a.test")
	p = b.get(p.loc.RequestURI())
	if !isConsent(p) || !strings.Contains(p.body, "does not let you grant") || !strings.Contains(p.body, "<code>account.person.readonly</code>") {
		t.Fatalf("consent page: %s", p.body)
	}
	code := b.code(path, "alice@a.test")
	r := e.exchange(e.live, code)
	if r.status != 200 || domain.ParseScopes(r.str("scope")).String() != domain.NewScopeSet("account.channel.readonly", "account.person.readonly").String() {
		t.Errorf("viewer token: %d %q", r.status, r.str("scope"))
	}
	// The password grant is bounded the same way.
	r = e.token(e.pw, url.Values{"grant_type": {"password"}, "username": {"alice@a.test"}, "password": {goodPass}, "scope": {"account.person"}})
	if r.status != 200 || r.str("scope") != "account.person.readonly" {
		t.Errorf("password grant: %d %q %s", r.status, r.str("scope"), r.raw)
	}
}

var secretRE = regexp.MustCompile(`Key: <code>([A-Z2-7]+)</code>`)

func TestTOTP(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(authzPath(e.live, nil), "alice@a.test")
	p := b.get("/oauth/account/totp")
	m := secretRE.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil || !strings.Contains(p.body, "data:image/png;base64,") || !strings.Contains(p.body, "otpauth://totp/") {
		t.Fatalf("enrol page: %d %s", p.status, p.body)
	}
	if !strings.Contains(p.hdr.Get("Content-Security-Policy"), "img-src data:") {
		t.Error("CSP blocks the QR code")
	}
	secret := m[1]
	codeAt := func(at time.Time) string {
		c, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	csrf := csrfOf(t, p.body)
	if p := b.post("/oauth/account/totp", url.Values{"csrf_token": {csrf}, "action": {"confirm"}, "code": {"000000"}}); p.status != 200 || !strings.Contains(p.body, "not right") {
		t.Fatalf("wrong code: %d", p.status)
	}
	// A wrong code showed a new secret; confirm with the newest one.
	p = b.get("/oauth/account/totp")
	secret = secretRE.FindStringSubmatch(p.body)[1]
	if p := b.post("/oauth/account/totp", url.Values{"csrf_token": {csrf}, "action": {"confirm"}, "code": {codeAt(e.clock.Now())}}); p.status != 200 || !strings.Contains(p.body, "is on") {
		t.Fatalf("confirm: %d %s", p.status, p.body)
	}
	if len(e.audit("enable_totp")) != 1 {
		t.Error("enable_totp not audited")
	}

	// Signing in now asks for a code, then returns to the authorize URL.
	e.clock.Add(30 * time.Second)
	b2 := e.browser()
	path := authzPath(e.live, nil)
	p = b2.login(path, "alice@a.test")
	if p.status != http.StatusSeeOther || p.loc.Path != "/oauth/totp" {
		t.Fatalf("login with TOTP: %d %v", p.status, p.loc)
	}
	challenge := p.loc.RequestURI()
	p = b2.get(challenge)
	csrf = csrfOf(t, p.body)
	if p := b2.post(challenge, url.Values{"csrf_token": {csrf}, "code": {"123456"}}); p.status != http.StatusUnauthorized {
		t.Errorf("wrong code: %d", p.status)
	}
	if c := b2.get(path); !isLogin(c) {
		t.Error("signed in before the second factor")
	}
	p = b2.post(challenge, url.Values{"csrf_token": {csrf}, "code": {codeAt(e.clock.Now())}})
	if p.status != http.StatusSeeOther || p.loc.String() != path {
		t.Fatalf("right code: %d %v %s", p.status, p.loc, p.body)
	}
	if c := b2.get(path); !isConsent(c) {
		t.Errorf("not signed in after the second factor: %s", c.body)
	}
	// The attempt is spent: it cannot sign in a second time.
	if p := b2.post(challenge, url.Values{"csrf_token": {csrf}, "code": {codeAt(e.clock.Now())}}); p.status == http.StatusSeeOther {
		t.Errorf("replayed challenge: %d", p.status)
	}
	// The password grant cannot ask for the code, so it refuses.
	if r := e.token(e.pw, url.Values{"grant_type": {"password"}, "username": {"alice@a.test"}, "password": {goodPass}}); r.status != 400 {
		t.Errorf("password grant with TOTP: %d", r.status)
	}
	// Recovery: an admin resets the second factor.
	if err := e.srv.ResetSecondFactor(cliCtx(e.acctA.ID), authz.CLI, e.acctA.ID, e.alice.ID); err != nil {
		t.Fatal(err)
	}
	if p := e.browser().login(path, "alice@a.test"); p.status != http.StatusSeeOther || p.loc.Path == "/oauth/totp" {
		t.Errorf("after reset: %d %v", p.status, p.loc)
	}
	// The sealed secret is not the secret.
	st, _ := e.st.GetUserTOTP(context.Background(), e.alice.ID)
	if st.Sealed != "" {
		t.Errorf("cleared secret kept: %q", st.Sealed)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	b1, b2 := e.browser(), e.browser()
	b1.login(authzPath(e.live, nil), "alice@a.test")
	b2.login(authzPath(e.live, nil), "alice@a.test")
	p := b1.get("/oauth/account/password")
	csrf := csrfOf(t, p.body)
	if p := b1.post("/oauth/account/password", url.Values{"csrf_token": {csrf}, "current": {"wrong"}, "password": {"brand new pw"}, "confirm": {"brand new pw"}}); p.status != http.StatusUnauthorized {
		t.Errorf("wrong current password: %d", p.status)
	}
	if p := b1.post("/oauth/account/password", url.Values{"csrf_token": {csrf}, "current": {goodPass}, "password": {"brand new pw"}, "confirm": {"brand new pw"}}); p.status != 200 {
		t.Fatalf("change: %d %s", p.status, p.body)
	}
	if c := b2.get(authzPath(e.live, nil)); !isLogin(c) {
		t.Error("the other session survived")
	}
	if c := b1.get(authzPath(e.live, nil)); isLogin(c) {
		t.Error("the changing browser was signed out")
	}
	if p := e.browser().get("/oauth/account/password"); p.status != http.StatusUnauthorized {
		t.Errorf("signed out: %d", p.status)
	}
	if len(e.audit("change_password")) != 1 {
		t.Error("not audited")
	}
}

var linkRE = regexp.MustCompile(`https?://\S+/oauth/(invite|reset)\?token=[A-Za-z0-9_-]+`)

// TestLinksByEmail sends invitations and resets through a real SMTP server.
func TestLinksByEmail(t *testing.T) {
	smtpd := mailtest.Start(t)
	sender, err := mail.ParseURL(smtpd.URL())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, storetest.Open(t, storetest.Backends(t)[0]), func(ctx context.Context, to, subject, text string) error {
		return sender.Send(ctx, mail.Message{To: to, Subject: subject, Text: text})
	})
	ctx := cliCtx(e.acctA.ID)
	wait := func(to string) mail.Message {
		t.Helper()
		wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		m, err := smtpd.Wait(wctx, to)
		if err != nil {
			t.Fatalf("no email to %s: %v", to, err)
		}
		return m
	}
	_, link, err := e.srv.Invite(ctx, authz.CLI, Invitation{AccountID: e.acctA.ID, Email: "mailed@a.test", Role: domain.RoleOperator})
	if err != nil || !link.Emailed {
		t.Fatalf("invite: %+v %v", link, err)
	}
	m := wait("mailed@a.test")
	got := linkRE.FindString(m.Text)
	if !strings.Contains(m.Subject, "Acme Offices") || got != link.URL {
		t.Fatalf("invitation email: %q %q", m.Subject, m.Text)
	}
	b := e.browser()
	if p := b.setPassword(got, "mailed password", "mailed password"); p.status != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", p.status, p.body)
	}

	// Forgot password: the same answer for known and unknown addresses;
	// only a known one gets mail.
	p := b.get("/oauth/forgot")
	csrf := csrfOf(t, p.body)
	for _, who := range []string{"nobody@a.test", "alice@a.test"} {
		p = b.post("/oauth/forgot", url.Values{"csrf_token": {csrf}, "email": {who}})
		if p.status != 200 || !strings.Contains(p.body, "If that address belongs to an operator") {
			t.Fatalf("forgot %s: %d %s", who, p.status, p.body)
		}
	}
	m = wait("alice@a.test")
	reset := linkRE.FindString(m.Text)
	if !strings.Contains(reset, "/oauth/reset?token=") {
		t.Fatalf("reset email: %q", m.Text)
	}
	if p := e.browser().setPassword(reset, "alice new password", "alice new password"); p.status != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", p.status, p.body)
	}
	for _, msg := range smtpd.Messages() {
		if strings.Contains(strings.ToLower(msg.Text), "nobody@a.test") {
			t.Error("mail about an unknown address")
		}
	}
	if len(e.audit("forgot_password")) != 1 || len(e.audit("reset_password_by_link")) != 1 {
		t.Error("forgot/reset not audited")
	}
}
