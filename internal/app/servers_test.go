package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// envChildDSN, when set, makes TestChildServer serve on that database.
const envChildDSN = "LINTEL_TEST_CHILD_DSN"

// TestChildServer is how TestSeveralServersOnePostgreSQL runs a Lintel in
// a process of its own, so that it can be killed with SIGKILL: the test
// binary runs itself with only this test and the database to serve. It
// prints the server's URL and serves until its standard input closes.
func TestChildServer(t *testing.T) {
	dsn := os.Getenv(envChildDSN)
	if dsn == "" {
		t.Skip("a server for TestSeveralServersOnePostgreSQL to kill; it runs this itself")
	}
	cfg := &config.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dsn, LogLevel: "warn", LogFormat: "text",
		WebhookAllowPrivate: true, RateLimit: 1e6, AccountRateLimit: 1e6}
	a, _ := apptest.Serve(t, cfg, app.Options{})
	fmt.Printf("LISTENING %s\n", a.BaseURL())
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// startChild runs TestChildServer against dsn and returns its URL and a
// function that kills it with SIGKILL.
func startChild(t *testing.T, dsn string) (string, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildServer$", "-test.v")
	cmd.Env = append(os.Environ(), envChildDSN+"="+dsn)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			stdin.Close()
		})
	}
	t.Cleanup(kill)
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "LISTENING "); ok {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return u, kill
		}
	}
	t.Fatalf("the child server never said where it listens: %v", lines.Err())
	return "", nil
}

// balancer forwards every request to one server, which a health check
// (here, the test) can switch: what a load balancer in front of several
// Lintel servers does.
type balancer struct {
	target atomic.Pointer[url.URL]
	proxy  *httputil.ReverseProxy
}

func newBalancer(to string) *balancer {
	b := &balancer{}
	b.point(to)
	b.proxy = &httputil.ReverseProxy{FlushInterval: -1, ErrorLog: log.New(io.Discard, "", 0), Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(b.target.Load())
	}}
	return b
}

func (b *balancer) point(to string) {
	u, _ := url.Parse(to)
	b.target.Store(u)
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) { b.proxy.ServeHTTP(w, r) }

// eventCounter counts the webhook deliveries of each event.
type eventCounter struct {
	mu   sync.Mutex
	seen map[string]int
}

func (c *eventCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	c.mu.Lock()
	c.seen[r.Header.Get("X-Lintel-Event-Id")]++
	c.mu.Unlock()
}

func (c *eventCounter) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.seen))
	for k, v := range c.seen {
		out[k] = v
	}
	return out
}

// Two Lintel servers share one PostgreSQL behind a balancer. The door's
// controller talks to server B; the operator to server A. A revocation
// made through A reaches the door; list pages and the account's time zone
// B keeps in memory follow changes made on A; a remote admission sent to
// A opens it; events the door uploads to B are delivered to a notification
// rule once, though both servers run a webhook worker. Then B is killed with SIGKILL
// mid-run: the door keeps deciding, the balancer moves it to A, and every
// event arrives, stored once and delivered.
func TestSeveralServersOnePostgreSQL(t *testing.T) {
	ctx := context.Background()
	pg := storetest.Postgres(t) // several servers share PostgreSQL
	cfg := apptest.Config(t, pg)
	cfg.WebhookAllowPrivate, cfg.RateLimit, cfg.AccountRateLimit = true, 1e6, 1e6
	a, info := apptest.Start(t, cfg, nil, 50)
	s := &server{App: a, demo: info}
	bURL, killB := startChild(t, pg.DSN)
	lb := httptest.NewServer(newBalancer(bURL))
	defer lb.Close()

	api := operator(t, s, "account.person account.channel.admit.person account.channel.readonly account.group.readonly")
	front := channelID(t, api, "Front Door")
	acct, err := s.Store.GetAccountByUID(ctx, info.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	hooks := &eventCounter{seen: map[string]int{}}
	receiver := httptest.NewServer(hooks)
	defer receiver.Close()
	if err := s.Store.CreateNotificationRule(ctx, &domain.NotificationRule{AccountID: acct.ID, Name: "every badge", Active: true,
		CallbackURL: receiver.URL, EventCodes: slices.Sorted(maps.Keys(badgeCodes))}); err != nil {
		t.Fatal(err)
	}

	_, secret, err := controller.Enroll(ctx, s.Store, controller.Enrollment{AccountID: acct.ID, ChannelIDs: []int64{front}})
	if err != nil {
		t.Fatal(err)
	}
	state, err := agent.OpenState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	when := nextTuesdayMorning()
	door, err := agent.New(agent.Config{Server: lb.URL, Secret: secret, State: state, Out: io.Discard,
		Now: func() time.Time { return when }, HeartbeatEvery: 200 * time.Millisecond, PollWait: 5 * time.Second,
		RetryMax: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- door.Run(runCtx) }()
	defer func() { cancel(); <-ran }()
	waitFor(t, "the first snapshot, through server B", func() bool { return door.Seq() != 0 })

	// A revocation through A reaches the door connected to B.
	johnID, cardID, card := johnsCard(t, api)
	present := func(value string) agent.Outcome {
		t.Helper()
		o, err := door.Present(agent.Presentation{ChannelID: front, Kind: "card", Value: value})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	if o := present(card); !o.Decision.Admit {
		t.Fatalf("John's card before the revocation: %+v", o.Decision)
	}
	revoked := time.Now()
	api.call("DELETE", fmt.Sprintf("/api/3/people/%d/credentials/%s", johnID, cardID), nil).expect(t, "revoke through A", 200)
	waitFor(t, "the revocation to reach the door on B", func() bool {
		return !door.Decide(agent.Presentation{ChannelID: front, Kind: "card", Value: card}).Decision.Admit
	})
	t.Logf("a revocation through A reached the door on B in %s", time.Since(revoked))

	// A list page B answers from its cache never outlives a write through
	// A: the list version comes with the token's lookup on every request.
	onB := &apiClient{t: t, base: bURL, http: http.DefaultClient, token: api.token}
	creds := func(c *apiClient) string {
		t.Helper()
		return string(c.call("GET", fmt.Sprintf("/api/3/people/%d/credentials", johnID), nil).expect(t, "credentials", 200).body) +
			string(c.call("GET", "/api/3/people?per_page=100", nil).expect(t, "people", 200).body)
	}
	for i := range 3 {
		before := creds(onB)
		creds(onB) // a hit on B
		var made map[string]any
		api.call("POST", "/api/3/people", map[string]any{"first_name": "Cache", "last_name": fmt.Sprint(i)}).
			expect(t, "create through A", 201).decode(t, &made)
		after, direct := creds(onB), creds(api)
		if after == before || after != direct {
			t.Fatalf("after a create through A, server B answered a stale people list")
		}
	}

	// What a write reads of the account (its time zone), B keeps between
	// requests; a change made on A reaches B's next write.
	validFrom := func(want string) {
		t.Helper()
		var p map[string]any
		onB.call("POST", "/api/3/people", map[string]any{"first_name": "Zone", "last_name": "Check", "valid_from": "2025-07-01T09:00:00"}).
			expect(t, "create through B", 201).decode(t, &p)
		if p["valid_from"] != want {
			t.Fatalf("nine in the morning read by B as %v, want %s", p["valid_from"], want)
		}
	}
	moveTo := func(zone string) {
		t.Helper()
		acct.TimeZone = zone
		if err := s.Store.UpdateAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
	}
	validFrom("2025-07-01T08:00:00.000Z") // London, in summer
	validFrom("2025-07-01T08:00:00.000Z") // from B's memory
	moveTo("America/New_York")
	validFrom("2025-07-01T13:00:00.000Z")
	moveTo("Europe/London")

	// A remote admission sent to A opens the door connected to B, once the
	// door's heartbeat through B is in the database.
	waitFor(t, "the door's heartbeat through B", func() bool {
		_, ok, err := s.Store.ChannelHeartbeat(ctx, front)
		return err == nil && ok
	})
	// The server decides a remote admission at the wall clock's time, so
	// the person admitted is on Staff, who may pass every door around the
	// clock (John, a member, may not at night).
	var admitted map[string]any
	api.call("POST", "/api/3/people", map[string]any{"first_name": "Night", "last_name": "Porter", "group_ids": []int64{groupID(t, api, "Staff")}}).
		expect(t, "a member of staff", 201).decode(t, &admitted)
	var adm map[string]any
	api.call("POST", fmt.Sprintf("/api/3/channels/%d/admit_person", front), map[string]any{"person_id": admitted["id"]}).
		expect(t, "admit through A", 202).decode(t, &adm)
	if adm["status"] != "pending" {
		t.Fatalf("the door is connected through B, yet the admission is %v", adm["status"])
	}
	reqID := int64(adm["admission_request_id"].(float64))
	waitFor(t, "the door on B to carry out the admission sent to A", func() bool {
		var ar map[string]any
		api.call("GET", fmt.Sprintf("/api/3/admission_requests/%d", reqID), nil).expect(t, "admission", 200).decode(t, &ar)
		return ar["status"] == "admitted"
	})

	// Badges while both servers run: each event is delivered once.
	cards := demoCards(t, s, acct.ID)
	var sent []agent.Outcome
	for i := range 20 {
		sent = append(sent, present(cards[i%len(cards)]))
	}
	sent = append(sent, present(card)) // the revoked card: rejected
	waitStored(t, s.Store, acct.ID, sent)
	waitDelivered(t, hooks, s.Store, acct.ID, sent)
	time.Sleep(300 * time.Millisecond) // room for a second, wrong delivery
	for id, n := range hooks.counts() {
		if n != 1 {
			t.Fatalf("event %s was delivered %d times by two servers", id, n)
		}
	}

	// Server B dies. The door decides on its own; its events wait on disk.
	killB()
	var late []agent.Outcome
	for i := range 10 {
		late = append(late, present(cards[(i+7)%len(cards)]))
	}
	// The balancer's health check moves the door to A.
	lb.Config.Handler.(*balancer).point(s.BaseURL())
	for i := range 10 {
		late = append(late, present(cards[(i+3)%len(cards)]))
	}
	waitStored(t, s.Store, acct.ID, append(sent, late...))
	waitDelivered(t, hooks, s.Store, acct.ID, append(sent, late...))
}

// demoCards returns the card numbers of the demo's people.
func demoCards(t *testing.T, s *server, accountID int64) []string {
	t.Helper()
	ctx := context.Background()
	types, _, err := s.Store.ListCredentialTypes(ctx, accountID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	people, _, err := s.Store.ListPeople(ctx, accountID, store.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := []int64{}
	for _, p := range people {
		ids = append(ids, p.ID)
	}
	creds, err := s.Store.CredentialsOfPeople(ctx, accountID, ids)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range creds {
		for _, ty := range types {
			if ty.ID == c.CredentialTypeID && ty.Kind == domain.KindCard && c.Value != nil {
				out = append(out, *c.Value)
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("the demo has %d cards", len(out))
	}
	return out
}

// storedEvents maps the client ids of the account's events to how many
// events carry each.
func storedEvents(t *testing.T, st *store.Store, accountID int64) map[string]int {
	t.Helper()
	out := map[string]int{}
	if err := st.EachEventReceipt(context.Background(), accountID, 0, func(r store.EventReceipt) error {
		if r.ClientID != "" {
			out[r.ClientID]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitStored waits until every decision's event is stored, and fails if
// one is stored twice.
func waitStored(t *testing.T, st *store.Store, accountID int64, sent []agent.Outcome) {
	t.Helper()
	waitFor(t, "every event to be stored", func() bool {
		stored := storedEvents(t, st, accountID)
		for _, o := range sent {
			if stored[o.EventID] > 1 {
				t.Fatalf("event %s stored %d times", o.EventID, stored[o.EventID])
			}
			if stored[o.EventID] == 0 {
				return false
			}
		}
		return true
	})
}

// badgeCodes are the event codes the test's notification rule matches.
var badgeCodes = map[int]bool{access.CodeAdmitCard: true, access.CodeRejectCard: true, access.CodeAdmitPIN: true, access.CodeRejectPIN: true}

// waitDelivered waits until the webhook receiver has had the event of
// every decision the rule matches.
func waitDelivered(t *testing.T, hooks *eventCounter, st *store.Store, accountID int64, sent []agent.Outcome) {
	t.Helper()
	ids := map[string]string{} // client id -> server id
	if err := st.EachEventReceipt(context.Background(), accountID, 0, func(r store.EventReceipt) error {
		ids[r.ClientID] = fmt.Sprint(r.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := hooks.counts()
		missing := 0
		for _, o := range sent {
			if badgeCodes[o.Decision.Code] && got[ids[o.EventID]] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events never delivered; received %v", missing, len(sent), got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
