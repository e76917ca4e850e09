package uhppote_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
	"github.com/lintel-dev/lintel/internal/uhppote"
	"github.com/lintel-dev/lintel/internal/uhppote/emulator"
)

// clock is a settable clock shared by the board, the driver and the agent.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time   { return time.Unix(0, c.ns.Load()) }
func (c *clock) Set(t time.Time)  { c.ns.Store(t.UnixNano()) }
func newClock(t time.Time) *clock { c := &clock{}; c.Set(t); return c }

// waitFor polls cond every 10 ms until it holds, or fails the test after
// limit (generous: it bounds a hang, it does not measure).
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncBuffer is an output goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// holder is one bulk card holder the rig created.
type holder struct {
	personID int64
	credUID  string
	number   uint32
	group    string
	enabled  bool
}

// rig is a whole Lintel, a 4-door emulated board enrolled as one
// controller, and the agent with the UHPPOTE driver between them.
type rig struct {
	t       *testing.T
	app     *app.App
	acct    *domain.Account
	token   string
	clock   *clock
	board   *emulator.Board
	doors   uhppote.Doors
	names   map[string]int64
	people  []holder
	secret  string
	dir     string
	out     *syncBuffer
	drv     *uhppote.Driver
	ag      *agent.Agent
	stop    context.CancelFunc
	stopped chan struct{}
}

// boardDoors are the demo doors the board drives, door 1 first: all on
// the Shoreditch site (Europe/London).
var boardDoors = []string{"Front Door", "Reception Inner Door", "Meeting Room 1", "Server Room"}

// newRig starts Lintel with the demo and n more card holders (one in ten
// Staff, one in ten Visitors, the others Members; one in seventeen
// disabled; 8-digit card numbers a board can hold), enrols the board's
// four doors as one controller and starts the agent with the driver, the
// clock at start.
func newRig(t *testing.T, b storetest.Backend, n int, start time.Time) *rig {
	t.Helper()
	ctx := context.Background()
	a, info := apptest.Start(t, apptest.Config(t, b), nil, 50)
	acct, err := a.Store.GetAccountByUID(ctx, info.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, app: a, acct: acct, clock: newClock(start), names: map[string]int64{}, dir: t.TempDir(), out: &syncBuffer{}}
	chans, _, err := a.Store.ListChannels(ctx, acct.ID, nil, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chans {
		r.names[c.Name] = c.ID
	}
	for i, name := range boardDoors {
		r.doors[i] = r.names[name]
	}
	r.addPeople(n)
	_, r.secret, err = controller.Enroll(ctx, a.Store, controller.Enrollment{AccountID: acct.ID, Name: "board 423187757", ChannelIDs: r.doors[:]})
	if err != nil {
		t.Fatal(err)
	}
	r.token = r.operatorToken(info)
	r.board, err = emulator.Start(emulator.Config{Serial: 423187757, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.board.Close() })
	r.startAgent()
	t.Cleanup(r.stopAgent)
	return r
}

// addPeople creates n card holders through the store's bulk path.
func (r *rig) addPeople(n int) {
	ctx := context.Background()
	st := r.app.Store
	groups, err := st.ListGroups(ctx, r.acct.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	gid := map[string]int64{}
	for _, g := range groups {
		gid[g.Name] = g.ID
	}
	types, _, _ := st.ListCredentialTypes(ctx, r.acct.ID, store.Page{})
	var card int64
	for _, ty := range types {
		if ty.Kind == domain.KindCard {
			card = ty.ID
		}
	}
	now := r.clock.Now().UTC().Truncate(time.Millisecond)
	batch := make([]store.BulkPerson, 0, n)
	for k := range n {
		group := "Members"
		switch k % 10 {
		case 3:
			group = "Staff"
		case 7:
			group = "Visitors"
		}
		email := fmt.Sprintf("holder.%d@example.com", k)
		value := fmt.Sprint(20_000_000 + k)
		p := &domain.Person{FirstName: "Holder", LastName: fmt.Sprint(k), Email: &email, Enabled: k%17 != 16,
			GroupIDs: []int64{gid[group]}, CreatedAt: now}
		if group == "Visitors" {
			from, to := now.AddDate(0, 0, -1), now.AddDate(0, 1, 0)
			p.ValidFrom, p.ValidTo = &from, &to
		}
		batch = append(batch, store.BulkPerson{Person: p, Credentials: []*domain.Credential{{CredentialTypeID: card, Value: &value, CreatedAt: now}}})
	}
	if err := st.BulkCreatePeople(ctx, r.acct.ID, batch); err != nil {
		r.t.Fatal(err)
	}
	for k, bp := range batch {
		group := map[int]string{3: "Staff", 7: "Visitors"}[k%10]
		if group == "" {
			group = "Members"
		}
		r.people = append(r.people, holder{personID: bp.Person.ID, credUID: bp.Credentials[0].UID, number: uint32(20_000_000 + k),
			group: group, enabled: bp.Person.Enabled})
	}
}

// operatorToken creates an app allowed the door commands and returns a
// password-grant token of the demo operator.
func (r *rig) operatorToken(info *app.DemoInfo) string {
	ctx := context.Background()
	created, secret, err := oauth.CreateApp(ctx, r.app.Store, oauth.NewApp{AccountID: r.acct.ID, Name: "door tests",
		RedirectURIs: []string{info.BaseURL + "/callback"}, PasswordGrant: true, AdmitApproved: true,
		Scopes: domain.NewScopeSet("account.person", "account.channel.readonly", "account.channel.admit")})
	if err != nil {
		r.t.Fatal(err)
	}
	form := url.Values{"grant_type": {"password"}, "username": {info.AdminEmail}, "password": {info.AdminPassword},
		"scope": {"account.person account.channel.readonly account.channel.admit"}}
	req, _ := http.NewRequest(http.MethodPost, info.BaseURL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(created.UID), url.QueryEscape(secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil {
		r.t.Fatalf("token: %d %s", res.StatusCode, body)
	}
	return tok.AccessToken
}

// api calls the REST API as the operator and decodes a 2xx answer into out.
func (r *rig) api(method, path string, in, out any) {
	r.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, r.app.BaseURL()+path, body)
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		r.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			r.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// startAgent starts the agent and the driver on the rig's state
// directory, as `lintel controller --driver uhppote` would.
func (r *rig) startAgent() {
	r.t.Helper()
	st, err := agent.OpenState(r.dir)
	if err != nil {
		r.t.Fatal(err)
	}
	r.drv, err = uhppote.New(uhppote.Config{Serial: r.board.Serial(), Addr: r.board.Addr(), Doors: r.doors, StateDir: r.dir,
		Listen: "127.0.0.1:0", Bind: netip.MustParseAddr("127.0.0.1"), Now: r.clock.Now, Out: r.out,
		Timeout: 100 * time.Millisecond, Retries: 6, InFlight: 8, PollEvery: 100 * time.Millisecond})
	if err != nil {
		r.t.Fatal(err)
	}
	r.ag, err = agent.New(agent.Config{Server: r.app.BaseURL(), Secret: r.secret, State: st, Out: r.out, Now: r.clock.Now,
		Board: r.drv, HeartbeatEvery: 200 * time.Millisecond, PollWait: time.Second, RetryMax: 200 * time.Millisecond,
		UploadDelay: 20 * time.Millisecond})
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop, r.stopped = cancel, make(chan struct{})
	go func() { defer close(r.stopped); _ = r.ag.Run(ctx) }()
}

// stopAgent stops the agent and the driver (a restart of the process).
func (r *rig) stopAgent() {
	if r.stop != nil {
		r.stop()
		<-r.stopped
		r.stop = nil
	}
}

// synced waits until the board holds the access list the agent has.
func (r *rig) synced(what string) {
	r.t.Helper()
	waitFor(r.t, 5*time.Minute, what, func() bool {
		s := r.drv.Stats()
		return r.ag.Seq() != 0 && s.LoadedSeq == r.ag.Seq() && s.FullLoads > 0
	})
}

// refreshed waits for a round of writes that started after the call, as
// after the clock was moved.
func (r *rig) refreshed() {
	r.t.Helper()
	before := r.drv.Stats().Rounds
	r.drv.Refresh()
	waitFor(r.t, 10*time.Second, "a round of writes", func() bool { return r.drv.Stats().Rounds > before })
}

// storedBoardEvents returns the stored events that came from the board.
func (r *rig) storedBoardEvents() []*domain.Event {
	r.t.Helper()
	list, _, err := r.app.Store.ListEvents(context.Background(), r.acct.ID, store.EventFilter{Page: store.Page{Limit: 100000}})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []*domain.Event
	for _, e := range list {
		if e.ClientEventID != nil && strings.HasPrefix(*e.ClientEventID, "uhppote-") {
			out = append(out, e)
		}
	}
	return out
}

// boardEvents counts the stored events that came from the board by their
// client id.
func (r *rig) boardEvents() map[string]int {
	out := map[string]int{}
	for _, e := range r.storedBoardEvents() {
		out[*e.ClientEventID]++
	}
	return out
}

// london returns the instant of a wall time in London.
func london(t *testing.T, y int, m time.Month, d, hh, mm int) time.Time {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}
