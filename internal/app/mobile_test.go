package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/mail/mailtest"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
	"github.com/lintel-dev/lintel/internal/webhook"
)

// lockedBuffer is the agent's console output, shared with its goroutines.
type lockedBuffer struct {
	ch chan string
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.ch <- string(p)
	return len(p), nil
}

// line waits for console output containing want and returns it.
func (l *lockedBuffer) line(t *testing.T, want string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-l.ch:
			l.b.WriteString(s)
			if strings.Contains(s, want) {
				return s
			}
		case <-deadline:
			t.Fatalf("the agent never printed %q; it printed:\n%s", want, l.b.String())
		}
	}
}

var (
	activationLink = regexp.MustCompile(`http://\S+/mobile/activate\?token=[A-Za-z0-9_-]+`)
	shownCode      = regexp.MustCompile(`<code id="code">([A-Z2-7]+)</code>`)
)

// TestMobilePassEndToEnd: a mobile pass issued through the API is emailed
// (real SMTP, in process) to the person; the link's page activates it and
// shows a code and a QR code; the reference agent, fed "mobile CODE" on
// its console, admits it; revoked through the API it is refused, and it
// becomes revoked once the agent has synced. Every status change reaches
// the application's webhook as a PersonCredential UPDATE.
func TestMobilePassEndToEnd(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			smtp := mailtest.Start(t)
			cfg := apptest.Config(t, b)
			cfg.SMTPURL = smtp.URL()
			cfg.WebhookAllowPrivate = true
			a, info := apptest.Start(t, cfg, nil, 10)
			testMobilePass(t, &server{App: a, demo: info}, smtp)
		})
	}
}

func testMobilePass(t *testing.T, s *server, smtp *mailtest.Server) {
	ctx := context.Background()
	acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	// The application's webhook, for the PersonCredential notifications.
	recv := &hookReceiver{t: t, secret: webhook.NewSecret()}
	hook := httptest.NewServer(recv)
	defer hook.Close()
	app, err := s.Store.GetOAuthAppByUID(ctx, s.demo.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.Store.GetUserByEmail(ctx, acct.ID, s.demo.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.SaveOAuthGrant(ctx, &store.OAuthGrant{AppID: app.ID, AccountID: acct.ID, UserID: admin.ID,
		Scopes: domain.NewScopeSet("account.person.readonly"), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ep, err := s.Store.SetAppWebhook(ctx, app.ID, hook.URL+"/hook", recv.secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the change cursor", func() bool {
		cur, err := s.Store.ChangeCursors(ctx)
		return err == nil && cur[ep.ID] > 0
	})

	api := operator(t, s, "account.person account.credential_type.readonly account.group.readonly account.channel.readonly")
	var types []map[string]any
	api.call("GET", "/api/3/credential_types", nil).expect(t, "types", 200).decode(t, &types)
	var person map[string]any
	api.call("POST", "/api/3/people", map[string]any{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
		"group_ids": []int64{groupID(t, api, "Staff")}}).expect(t, "person", 201).decode(t, &person)
	pid := int64(person["id"].(float64))
	// The agent decides at the wall clock's time: the door is one that
	// never auto-unlocks (the demo's Front Door does on weekday mornings,
	// which would admit any code), and Staff may pass it around the clock.
	door := channelID(t, api, "Reception Inner Door")

	// A controller for that door runs the reference agent, reading
	// presentations from its console.
	_, secret, err := controller.Enroll(ctx, s.Store, controller.Enrollment{AccountID: acct.ID, Name: "reception", ChannelIDs: []int64{door}})
	if err != nil {
		t.Fatal(err)
	}
	state, err := agent.OpenState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	console, typed := io.Pipe()
	out := &lockedBuffer{ch: make(chan string, 100)}
	ag, err := agent.New(agent.Config{Server: s.BaseURL(), Secret: secret, State: state, Out: out, Reader: agent.NewLineReader(console),
		Channel: door, HeartbeatEvery: 200 * time.Millisecond, PollWait: time.Second, RetryMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- ag.Run(runCtx) }()
	defer func() {
		cancel()
		_ = typed.Close()
		<-ran
	}()
	waitFor(t, "the agent's first access list", func() bool { return ag.Seq() != 0 })
	present := func(line, want string) string {
		t.Helper()
		if _, err := io.WriteString(typed, line+"\n"); err != nil {
			t.Fatal(err)
		}
		return out.line(t, want)
	}

	// Issue the pass: it is emailed, so the operator does not see the link.
	var cred map[string]any
	api.call("POST", fmt.Sprintf("/api/3/people/%d/credentials", pid),
		map[string]any{"person_credential": map[string]any{"credential_type_id": typeID(types, "mobile")}}).
		expect(t, "issue the mobile pass", 201).decode(t, &cred)
	if cred["status"] != "invited" || cred["invitation_emailed"] != true || cred["url"] != nil || cred["value"] != nil {
		t.Fatalf("issued %v", cred)
	}
	uid := cred["id"].(string)
	credPath := fmt.Sprintf("/api/3/people/%d/credentials/%s", pid, uid)
	waitCtx, done := context.WithTimeout(ctx, 10*time.Second)
	defer done()
	msg, err := smtp.Wait(waitCtx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	link := activationLink.FindString(msg.Text)
	if link == "" || !strings.HasPrefix(link, s.BaseURL()) {
		t.Fatalf("no activation link in the email:\n%s", msg.Text)
	}

	// The page: GET changes nothing; POST activates and shows the code.
	client := &http.Client{}
	res, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "Activate my mobile key") ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") || strings.Contains(string(page), "<script") {
		t.Fatalf("activation page %d %v:\n%s", res.StatusCode, res.Header, page)
	}
	token := strings.TrimPrefix(link[strings.Index(link, "?"):], "?token=")
	res, err = client.PostForm(s.BaseURL()+"/mobile/activate", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	m := shownCode.FindStringSubmatch(string(page))
	if res.StatusCode != 200 || m == nil || !strings.Contains(string(page), `<svg xmlns="http://www.w3.org/2000/svg" id="qr"`) {
		t.Fatalf("activation answer %d:\n%s", res.StatusCode, page)
	}
	code := m[1]
	// The link works once.
	res, err = client.PostForm(s.BaseURL()+"/mobile/activate", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusGone {
		t.Fatalf("second activation: %d", res.StatusCode)
	}
	var got map[string]any
	api.call("GET", credPath, nil).expect(t, "active pass", 200).decode(t, &got)
	if got["status"] != "active" || got["value"] != nil {
		t.Fatalf("after activation %v", got)
	}

	// At the door: the code opens it; another code does not.
	waitFor(t, "the agent to receive the pass", func() bool {
		o := ag.Decide(agent.Presentation{Kind: "mobile", Value: code})
		return o.Decision.Admit
	})
	if l := present("mobile "+code, "door "); !strings.Contains(l, "ADMIT") || strings.Contains(l, code) {
		t.Fatalf("agent console: %q", l)
	}
	if l := present("mobile AAAAAAAAAAAAAAAAAAAAAAAAAA", "door "); !strings.Contains(l, "REJECT") {
		t.Fatalf("agent console for a wrong code: %q", l)
	}

	// Revoke: 202, refused at the door, revoked once the agent synced.
	if r := api.call("DELETE", credPath, nil); r.status != http.StatusAccepted {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	waitFor(t, "the agent to refuse the pass", func() bool {
		return !ag.Decide(agent.Presentation{Kind: "mobile", Value: code}).Decision.Admit
	})
	if l := present("mobile "+code, "door "); !strings.Contains(l, "REJECT") {
		t.Fatalf("agent console after revocation: %q", l)
	}
	waitFor(t, "revoked", func() bool {
		var c map[string]any
		api.call("GET", credPath, nil).expect(t, "revoking pass", 200).decode(t, &c)
		return c["status"] == "revoked"
	})

	// Webhooks: CREATE, then one UPDATE per status change.
	waitFor(t, "the UPDATE notifications", func() bool {
		recv.mu.Lock()
		defer recv.mu.Unlock()
		n := 0
		for _, h := range recv.got {
			if h["resource_id"] == uid && h["action"] == "UPDATE" && h["resource_type"] == "PersonCredential" {
				n++
			}
		}
		return n == 3
	})
	// The events the agent uploaded carry no code.
	waitFor(t, "the upload", func() bool { p, _ := state.Pending(); return len(p) == 0 })
	evs, err := s.Store.EventLog(ctx, acct.ID, store.LogFilter{PersonID: pid, Limit: 10})
	if err != nil || len(evs) < 2 {
		t.Fatalf("events %d %v", len(evs), err)
	}
	for _, e := range evs {
		if e.CredentialsNumber != nil && strings.Contains(*e.CredentialsNumber, code) {
			t.Fatalf("an event holds the code: %+v", e)
		}
	}
}
