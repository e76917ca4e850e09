package controller_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// demoNow is Tuesday 11:30 in London: John Doe's card opens the front door.
var demoNow = time.Date(2025, 6, 10, 10, 30, 0, 0, time.UTC)

// fixture is the demo account with a controller enrolled for the front door.
type fixture struct {
	st       *store.Store
	hub      *controller.Hub
	srv      *httptest.Server
	acct     *domain.Account
	doors    map[string]int64
	john     *domain.Person
	cardType int64
	card     string // John's card
	secret   string
	clock    *clock
}

// clock is a settable clock for the hub.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	acct, err := demo.Seed(ctx, st, demo.Options{Now: func() time.Time { return demoNow }})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, acct: acct, doors: map[string]int64{}, clock: &clock{t: time.Now()}}
	chans, _, _ := st.ListChannels(ctx, acct.ID, nil, store.Page{})
	for _, c := range chans {
		f.doors[c.Name] = c.ID
	}
	people, _, _ := st.ListPeople(ctx, acct.ID, store.PersonFilter{})
	f.john = people[0]
	types, _, _ := st.ListCredentialTypes(ctx, acct.ID, store.Page{})
	for _, x := range types {
		if x.Kind == domain.KindCard {
			f.cardType = x.ID
		}
	}
	creds, _ := st.CredentialsOfPeople(ctx, acct.ID, []int64{f.john.ID})
	for _, c := range creds {
		if c.CredentialTypeID == f.cardType {
			f.card = *c.Value
		}
	}
	if f.card == "" {
		t.Fatal("John has no card")
	}
	_, f.secret, err = controller.Enroll(ctx, st, controller.Enrollment{AccountID: acct.ID, Name: "front",
		ChannelIDs: []int64{f.doors["Front Door"]}})
	if err != nil {
		t.Fatal(err)
	}
	f.hub = controller.New(controller.Config{Store: st, Now: f.clock.now, PollTimeout: 2 * time.Second, OfflineAfter: 40 * time.Millisecond})
	mux := http.NewServeMux()
	f.hub.Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// call sends a request with the device secret and decodes a 2xx answer
// into out; it returns the status.
func (f *fixture) call(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+f.secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode < 300 && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return res.StatusCode
}

func TestAuthentication(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		for _, h := range []string{"", "Bearer nope", "Basic " + f.secret, "Bearer lcd_" + "x"} {
			req, _ := http.NewRequest("GET", f.srv.URL+"/controller/v1/snapshot", nil)
			if h != "" {
				req.Header.Set("Authorization", h)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			_ = json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			if res.StatusCode != 401 || body["error"] == nil || res.Header.Get("WWW-Authenticate") == "" {
				t.Fatalf("%q: %d %v", h, res.StatusCode, body)
			}
		}
	})
}

func TestSnapshotDecidesLikeTheServer(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		var snap wire.Snapshot
		if code := f.call(t, "GET", "/controller/v1/snapshot", nil, &snap); code != 200 {
			t.Fatalf("snapshot: %d", code)
		}
		if len(snap.Channels) != 1 || snap.Channels[0].ID != f.doors["Front Door"] || snap.Seq != f.hub.Seq(f.acct.ID) {
			t.Fatalf("channels %+v seq %d", snap.Channels, snap.Seq)
		}
		for _, r := range snap.Roles {
			if len(r.ChannelIDs) != 1 || r.ChannelIDs[0] != f.doors["Front Door"] {
				t.Fatalf("role with other doors: %+v", r)
			}
		}
		local := access.Build(snap.Source(), demoNow)
		server, err := controller.LoadAccess(context.Background(), st, f.acct.ID, demoNow)
		if err != nil {
			t.Fatal(err)
		}
		door := f.doors["Front Door"]
		for _, at := range []time.Time{demoNow, demoNow.Add(9 * time.Hour), demoNow.Add(-3 * time.Hour)} {
			for _, v := range []string{f.card, "000000"} {
				got := access.Evaluate(local, door, f.cardType, v, at)
				want := access.Evaluate(server, door, f.cardType, v, at)
				if got != want {
					t.Fatalf("%s at %s: controller %+v, server %+v", v, at, got, want)
				}
			}
		}
		if d := access.Evaluate(local, door, f.cardType, f.card, demoNow); !d.Admit || d.Code != 10 {
			t.Fatalf("John at the front door: %+v", d)
		}
		if d := access.Evaluate(local, f.doors["Server Room"], f.cardType, f.card, demoNow); d.Reason != access.ReasonUnknownChannel {
			t.Fatalf("a door of another controller: %+v", d)
		}
	})
}

// snapshot downloads the controller's snapshot.
func (f *fixture) snapshot(t *testing.T) *wire.Snapshot {
	t.Helper()
	var snap wire.Snapshot
	if code := f.call(t, "GET", "/controller/v1/snapshot", nil, &snap); code != 200 {
		t.Fatalf("snapshot: %d", code)
	}
	return &snap
}

// johnsCard returns John's card credential.
func (f *fixture) johnsCard(t *testing.T) *domain.Credential {
	t.Helper()
	c, err := f.st.FindCredentialByType(context.Background(), f.acct.ID, f.john.ID, f.cardType)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChangesLongPollAnswersWithDeltas(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		snap := f.snapshot(t)
		seq := snap.Seq
		if seq == 0 {
			t.Fatal("the demo's writes left no journal position")
		}
		var ch wire.Changes
		start := time.Now()
		f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d&wait=0.05", seq), nil, &ch)
		if ch.Resync || ch.Seq != seq || len(ch.People) > 0 || time.Since(start) < 50*time.Millisecond {
			t.Fatalf("quiet poll: %+v after %s", ch, time.Since(start))
		}

		// Revoking John's card wakes the poll with John as he is now.
		card := f.johnsCard(t)
		go func() {
			time.Sleep(100 * time.Millisecond)
			// The store announces the write: nobody tells the hub.
			if _, err := st.DeleteCredential(ctx, f.acct.ID, f.john.ID, card.UID, time.Now()); err != nil {
				t.Error(err)
			}
		}()
		start = time.Now()
		f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d", seq), nil, &ch)
		if ch.Resync || ch.Seq <= seq || len(ch.People) != 1 || ch.People[0].Person.ID != f.john.ID || time.Since(start) > time.Second {
			t.Fatalf("woken poll: %+v after %s", ch, time.Since(start))
		}
		for _, c := range ch.People[0].Credentials {
			if c.Value == f.card {
				t.Fatalf("the revoked card is still in the delta: %+v", ch.People[0])
			}
		}
		// Applied to the snapshot, the delta denies the card, exactly as a
		// fresh snapshot does.
		local := access.Build(snap.Source(), demoNow).Apply(ch.Delta(f.acct.ID, demoNow))
		fresh := access.Build(f.snapshot(t).Source(), demoNow)
		for _, s := range []*access.Snapshot{local, fresh} {
			if d := access.Evaluate(s, f.doors["Front Door"], f.cardType, f.card, demoNow); d.Admit || d.Code != access.CodeRejectCard {
				t.Fatalf("revoked card: %+v", d)
			}
		}
		if got := snap.Apply(&ch); got.Seq != ch.Seq || len(got.Credentials) != len(snap.Credentials)-1 {
			t.Fatalf("wire apply: seq %d, %d credentials, had %d", got.Seq, len(got.Credentials), len(snap.Credentials))
		}

		// A controller still behind gets the same delta at once.
		var again wire.Changes
		f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d&wait=5", seq), nil, &again)
		if again.Resync || again.Seq != ch.Seq || len(again.People) != 1 {
			t.Fatalf("behind: %+v", again)
		}

		// A door command's state change comes as the door, for its controller only.
		front, _ := st.GetChannel(ctx, f.acct.ID, f.doors["Front Door"])
		front.CardLockdown = true
		server, _ := st.GetChannel(ctx, f.acct.ID, f.doors["Server Room"])
		server.Mode = "unlock"
		for _, c := range []*domain.Channel{front, server} {
			if err := st.SaveChannelState(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		var doors wire.Changes
		f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d&wait=2", ch.Seq), nil, &doors)
		if doors.Resync || len(doors.Channels) != 1 || doors.Channels[0].ID != front.ID || !doors.Channels[0].CardLockdown {
			t.Fatalf("door change: %+v", doors)
		}

		// Deleting John removes him.
		if err := st.DeletePerson(ctx, f.acct.ID, f.john.ID); err != nil {
			t.Fatal(err)
		}
		var gone wire.Changes
		f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d&wait=2", doors.Seq), nil, &gone)
		if gone.Resync || len(gone.RemovedPeople) != 1 || gone.RemovedPeople[0] != f.john.ID || len(gone.People) != 0 {
			t.Fatalf("person deleted: %+v", gone)
		}

		// Something account-wide (a new shift) means: download the snapshot.
		if err := st.CreateShift(ctx, &domain.Shift{AccountID: f.acct.ID, Name: "Night"}); err != nil {
			t.Fatal(err)
		}
		var wide wire.Changes
		f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d&wait=2", gone.Seq), nil, &wide)
		if !wide.Resync {
			t.Fatalf("account-wide change: %+v", wide)
		}
		if snap := f.snapshot(t); snap.Seq != wide.Seq {
			t.Fatalf("snapshot at %d, changes at %d", snap.Seq, wide.Seq)
		}
		// ...and so does a controller older than the change log.
		f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d&wait=0", seq), nil, &wide)
		if !wide.Resync {
			t.Fatalf("far behind: %+v", wide)
		}

		if code := f.call(t, "GET", "/controller/v1/changes?after=x", nil, nil); code != 400 {
			t.Fatalf("bad after: %d", code)
		}
		if code := f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d&wait=never", seq), nil, nil); code != 400 {
			t.Fatalf("bad wait: %d", code)
		}
	})
}

// The sequence is the journal's, so a restarted server (a new hub) does
// not send every controller back for a snapshot, and a write made by
// another process (a second Store on the same database) reaches waiting
// controllers: through NOTIFY on PostgreSQL, through Run's poll on SQLite.
func TestSequenceSurvivesRestartAndFollowsOtherProcesses(t *testing.T) {
	storetest.RunBackends(t, func(t *testing.T, b storetest.Backend, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		seq := f.snapshot(t).Seq

		restarted := controller.New(controller.Config{Store: st, PollTimeout: 5 * time.Second})
		mux := http.NewServeMux()
		restarted.Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		f.srv = srv
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		go restarted.Run(runCtx)
		listening := make(chan struct{})
		st.Subscribe(func(c store.Change) {
			if c.AccountID == 0 && c.Remote {
				select {
				case <-listening:
				default:
					close(listening)
				}
			}
		})
		go st.Listen(runCtx, func(err error) { t.Log(err) })
		if b.Name == "postgres" {
			<-listening
		}

		card := f.johnsCard(t)
		other := storetest.Open(t, b)
		go func() {
			time.Sleep(200 * time.Millisecond)
			if _, err := other.DeleteCredential(ctx, f.acct.ID, f.john.ID, card.UID, time.Now()); err != nil {
				t.Error(err)
			}
		}()
		var ch wire.Changes
		start := time.Now()
		f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d", seq), nil, &ch)
		if ch.Resync || len(ch.People) != 1 || ch.People[0].Person.ID != f.john.ID {
			t.Fatalf("after a restart and an outside write: %+v", ch)
		}
		t.Logf("the outside write arrived after %s", time.Since(start))
	})
}

// While no controller of the account waits in GET changes, a write starts
// no catch-up; the next GET changes, heartbeat or snapshot catches up
// before it answers, so none of them misses the write.
func TestWritesWithNobodyWaitingCatchUpOnTheNextRequest(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		seq := f.snapshot(t).Seq
		before := f.hub.Stats().CatchUps
		card := f.johnsCard(t)
		if _, err := st.DeleteCredential(ctx, f.acct.ID, f.john.ID, card.UID, time.Now()); err != nil {
			t.Fatal(err)
		}
		john, err := st.GetPerson(ctx, f.acct.ID, f.john.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			note := fmt.Sprint("note ", i)
			john.Notes = &note
			if err := st.UpdatePerson(ctx, john, false, false); err != nil {
				t.Fatal(err)
			}
		}
		if n := f.hub.Stats().CatchUps; n != before {
			t.Fatalf("%d catch-ups with no controller waiting", n-before)
		}
		journal, err := st.AccessSeq(ctx, f.acct.ID)
		if err != nil || journal <= seq {
			t.Fatalf("journal at %d (%v), snapshot at %d", journal, err, seq)
		}
		var ch wire.Changes
		f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d&wait=0", seq), nil, &ch)
		if ch.Resync || ch.Seq != journal || len(ch.People) != 1 || ch.People[0].Person.ID != f.john.ID {
			t.Fatalf("changes after writes nobody waited for: %+v", ch)
		}
		for _, c := range ch.People[0].Credentials {
			if c.Value == f.card {
				t.Fatalf("the revoked card is still in the delta: %+v", ch.People[0])
			}
		}
		// Each request below follows a write of its own.
		write := func() int64 {
			t.Helper()
			note := "later"
			john.Notes = &note
			if err := st.UpdatePerson(ctx, john, false, false); err != nil {
				t.Fatal(err)
			}
			seq, err := st.AccessSeq(ctx, f.acct.ID)
			if err != nil {
				t.Fatal(err)
			}
			return seq
		}
		journal = write()
		var hb wire.Heartbeat
		if code := f.call(t, "POST", "/controller/v1/heartbeat", nil, &hb); code != 200 || hb.Seq != journal {
			t.Fatalf("heartbeat: %d, seq %d, journal at %d", code, hb.Seq, journal)
		}
		if snap := f.snapshot(t); snap.Seq != journal { // kept by the hub, at the journal's end
			t.Fatalf("snapshot at %d, journal at %d", snap.Seq, journal)
		}
		journal = write()
		if snap := f.snapshot(t); snap.Seq != journal {
			t.Fatalf("snapshot at %d, journal at %d", snap.Seq, journal)
		}
	})
}

func TestEventsUploadIsIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		_, before, _ := st.ListEvents(context.Background(), f.acct.ID, store.EventFilter{})
		at := demoNow.Add(time.Hour)
		pin := int64(0)
		types, _, _ := st.ListCredentialTypes(context.Background(), f.acct.ID, store.Page{})
		for _, x := range types {
			if x.Kind == domain.KindPIN {
				pin = x.ID
			}
		}
		secretPIN := "9911"
		batch := wire.EventBatch{Events: []wire.Event{
			{ID: "e1", ChannelID: f.doors["Front Door"], EventCode: 10, Label: "John Doe admitted using card", PersonID: &f.john.ID,
				CredentialTypeID: &f.cardType, Credential: &f.card, OccurredAt: &at},
			{ID: "e2", ChannelID: f.doors["Front Door"], EventCode: 24, Label: "Unknown PIN rejected", CredentialTypeID: &pin, Credential: &secretPIN},
		}}
		var res wire.EventResults
		if code := f.call(t, "POST", "/controller/v1/events", batch, &res); code != 200 || len(res.Events) != 2 || res.Events[0].Status != "stored" {
			t.Fatalf("upload: %d %+v", code, res)
		}
		var again wire.EventResults
		f.call(t, "POST", "/controller/v1/events", batch, &again)
		if again.Events[0].Status != "duplicate" || again.Events[0].EventID != res.Events[0].EventID {
			t.Fatalf("retry: %+v", again)
		}
		list, after, _ := st.ListEvents(context.Background(), f.acct.ID, store.EventFilter{})
		if after != before+2 {
			t.Fatalf("%d events stored, want 2", after-before)
		}
		for _, e := range list[:5] {
			switch e.ID {
			case res.Events[0].EventID:
				if !e.CreatedAt.Equal(at) || e.PersonName == nil || *e.PersonName != "John Doe" || e.CredentialsNumber == nil || *e.ChannelName != "Front Door" {
					t.Fatalf("stored event: %+v", e)
				}
			case res.Events[1].EventID:
				if e.CredentialsNumber != nil {
					t.Fatalf("a PIN was stored: %q", *e.CredentialsNumber)
				}
			}
		}
		bad := wire.EventBatch{Events: []wire.Event{{ID: "e3", ChannelID: f.doors["Server Room"], EventCode: 10}}}
		var refused wire.EventResults
		if code := f.call(t, "POST", "/controller/v1/events", bad, &refused); code != 200 || len(refused.Events) != 1 ||
			refused.Events[0].Status != wire.EventRefused || !strings.Contains(refused.Events[0].Reason, "not a door of this controller") {
			t.Fatalf("foreign door: %d %+v", code, refused)
		}
		if code := f.call(t, "POST", "/controller/v1/events", "nope", nil); code != 422 && code != 400 {
			t.Fatalf("not an object: %d", code)
		}
	})
}

func TestHeartbeatAndOffline(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		door := f.doors["Front Door"]
		var hb wire.Heartbeat
		if code := f.call(t, "POST", "/controller/v1/heartbeat", nil, &hb); code != 200 || len(hb.Channels) != 1 {
			t.Fatalf("heartbeat: %d %+v", code, hb)
		}
		if ch, _ := st.GetChannel(ctx, f.acct.ID, door); ch.Status != "online" {
			t.Fatalf("after heartbeat: %s", ch.Status)
		}
		// A heartbeat may carry the doors' contacts and locks.
		open, locked := true, false
		report := wire.HeartbeatRequest{Doors: []wire.DoorState{{ChannelID: door, Open: &open, Locked: &locked}}}
		if code := f.call(t, "POST", "/controller/v1/heartbeat", report, nil); code != 200 {
			t.Fatalf("heartbeat with door states: %d", code)
		}
		states, err := st.DoorStates(ctx, f.acct.ID)
		if s := states[door]; err != nil || s.Open == nil || !*s.Open || s.Locked == nil || *s.Locked || s.ReportedAt == nil {
			t.Fatalf("door states: %+v %v", states, err)
		}
		foreign := wire.HeartbeatRequest{Doors: []wire.DoorState{{ChannelID: f.doors["Server Room"], Open: &open}}}
		if code := f.call(t, "POST", "/controller/v1/heartbeat", foreign, nil); code != 422 {
			t.Fatalf("door states of a foreign door: %d", code)
		}
		if code := f.call(t, "POST", "/controller/v1/heartbeat", []int{1}, nil); code != 400 && code != 422 {
			t.Fatalf("a heartbeat body that is not an object: %d", code)
		}
		f.clock.add(time.Second)
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { f.hub.Run(runCtx); close(done) }()
		deadline := time.Now().Add(5 * time.Second)
		for {
			ch, _ := st.GetChannel(ctx, f.acct.ID, door)
			if ch.Status == "offline" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("door never went offline")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
	})
}

func TestCommandsCompleteAdmissions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		door := f.doors["Front Door"]
		now := f.clock.now()
		admission := func() *domain.ChannelCommand {
			ev := &domain.Event{AccountID: f.acct.ID, EventCode: domain.EventRemoteAdmitRequested, EventLabel: "requested", CreatedAt: now}
			if err := st.CreateEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
			req := &domain.AdmissionRequest{ID: ev.ID, AccountID: f.acct.ID, ChannelID: door, ChannelName: "Front Door",
				Status: domain.AdmissionPending, RequestedAt: now}
			if err := st.CreateAdmissionRequest(ctx, req); err != nil {
				t.Fatal(err)
			}
			c := &domain.ChannelCommand{AccountID: f.acct.ID, ChannelID: door, Kind: domain.CommandAdmit, AdmissionRequestID: &req.ID, CreatedAt: now}
			if err := st.CreateChannelCommand(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		c := admission()
		if ok, _ := f.hub.Dispatch(ctx, c); ok {
			t.Fatal("delivered with no controller connected")
		}
		f.call(t, "POST", "/controller/v1/heartbeat", nil, nil)
		if ok, _ := f.hub.Dispatch(ctx, c); !ok {
			t.Fatal("not delivered to a connected controller")
		}
		var cmds wire.Commands
		f.call(t, "GET", "/controller/v1/commands", nil, &cmds)
		if len(cmds.Commands) != 1 || cmds.Commands[0].ID != c.ID || cmds.Commands[0].AdmissionRequestID == nil {
			t.Fatalf("commands: %+v", cmds)
		}
		path := fmt.Sprintf("/controller/v1/commands/%d/result", c.ID)
		if code := f.call(t, "POST", path, wire.CommandResult{Outcome: "done"}, nil); code != 422 {
			t.Fatalf("wrong outcome: %d", code)
		}
		var ans wire.CommandResultAnswer
		if code := f.call(t, "POST", path, wire.CommandResult{Outcome: "admitted"}, &ans); code != 200 || ans.AdmissionStatus != "admitted" {
			t.Fatalf("result: %d %+v", code, ans)
		}
		req, _ := st.GetAdmissionRequest(ctx, f.acct.ID, *c.AdmissionRequestID)
		if req.Status != domain.AdmissionAdmitted {
			t.Fatalf("admission %s", req.Status)
		}
		if code := f.call(t, "POST", path, wire.CommandResult{Outcome: "admitted"}, nil); code != 409 {
			t.Fatalf("second result: %d", code)
		}
		f.call(t, "GET", "/controller/v1/commands", nil, &cmds)
		if len(cmds.Commands) != 0 {
			t.Fatalf("reported command handed out again: %+v", cmds)
		}
		// A late answer does not open a request that timed out.
		late := admission()
		f.clock.add(3 * time.Minute)
		var lateAns wire.CommandResultAnswer
		f.call(t, "POST", fmt.Sprintf("/controller/v1/commands/%d/result", late.ID), wire.CommandResult{Outcome: "admitted"}, &lateAns)
		if lateAns.AdmissionStatus != domain.AdmissionTimeout {
			t.Fatalf("late: %+v", lateAns)
		}
		if code := f.call(t, "POST", "/controller/v1/commands/999999/result", wire.CommandResult{Outcome: "done"}, nil); code != 404 {
			t.Fatalf("unknown command: %d", code)
		}
	})
}

// Drain answers a waiting long poll at once, and every later one too, so a
// server shutting down does not wait for its controllers' polls.
func TestDrainAnswersWaitingPolls(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		seq := f.snapshot(t).Seq
		done := make(chan wire.Changes, 1)
		go func() {
			var ch wire.Changes
			f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d&wait=20", seq), nil, &ch)
			done <- ch
		}()
		waitPolling(t, f.hub)
		f.hub.Drain()
		f.hub.Drain()
		select {
		case ch := <-done:
			if ch.Resync || ch.Seq != seq || len(ch.People) != 0 {
				t.Fatalf("drained poll: %+v", ch)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiting poll was not answered by Drain")
		}
		start := time.Now()
		f.call(t, "GET", fmt.Sprintf("/controller/v1/changes?after=%d&wait=20", seq), nil, nil)
		if time.Since(start) > 5*time.Second {
			t.Fatal("a poll after Drain waited")
		}
	})
}

// waitPolling waits until a controller is waiting in GET changes.
func waitPolling(t *testing.T, h *controller.Hub) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.Stats().Polling == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no controller started waiting")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestEventBatchWithBadEvents: a batch with events the server can never
// store (NUL in the label, the id or the credential, a foreign door, a bad
// code, an id too long) is answered per event: the good ones are stored,
// the bad ones refused with the reason, so a controller can drop them and
// its outbox never wedges.
func TestEventBatchWithBadEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		_, before, _ := st.ListEvents(context.Background(), f.acct.ID, store.EventFilter{})
		door := f.doors["Front Door"]
		nulCard := "12\x0034"
		batch := wire.EventBatch{Events: []wire.Event{
			{ID: "ok-1", ChannelID: door, EventCode: 10, Label: "fine"},
			{ID: "nul-label", ChannelID: door, EventCode: 10, Label: "bad\x00label"},
			{ID: "nul\x00id", ChannelID: door, EventCode: 10, Label: "bad id"},
			{ID: "nul-card", ChannelID: door, EventCode: 20, Label: "card", Credential: &nulCard},
			{ID: "foreign", ChannelID: f.doors["Server Room"], EventCode: 10},
			{ID: "code", ChannelID: door, EventCode: 100},
			{ID: strings.Repeat("x", 101), ChannelID: door, EventCode: 10},
			{ID: "ok-2", ChannelID: door, EventCode: 12, Label: "fine too"},
		}}
		var res wire.EventResults
		if code := f.call(t, "POST", "/controller/v1/events", batch, &res); code != 200 || len(res.Events) != len(batch.Events) {
			t.Fatalf("upload: %d %+v", code, res)
		}
		want := []string{"stored", "refused", "refused", "refused", "refused", "refused", "refused", "stored"}
		for i, r := range res.Events {
			if r.ID != batch.Events[i].ID || r.Status != want[i] {
				t.Errorf("event %d: %+v, want %s", i, r, want[i])
			}
			if r.Status == wire.EventRefused && (r.Reason == "" || r.EventID != 0) {
				t.Errorf("event %d refused without a reason, or with an event id: %+v", i, r)
			}
		}
		if !strings.Contains(res.Events[1].Reason, "label must not contain a NUL character") ||
			!strings.Contains(res.Events[3].Reason, "credential must not contain a NUL character") {
			t.Errorf("reasons: %+v", res.Events)
		}
		if _, after, _ := st.ListEvents(context.Background(), f.acct.ID, store.EventFilter{}); after != before+2 {
			t.Fatalf("%d events stored, want 2", after-before)
		}
		// Sent again: the good ones are duplicates, the bad ones still refused.
		var again wire.EventResults
		f.call(t, "POST", "/controller/v1/events", batch, &again)
		if again.Events[0].Status != "duplicate" || again.Events[0].EventID != res.Events[0].EventID || again.Events[1].Status != "refused" {
			t.Fatalf("again: %+v", again)
		}
		// Bytes that are not UTF-8 in the raw body become U+FFFD: stored.
		raw := []byte(`{"events":[{"id":"latin1","channel_id":` + strconv.FormatInt(door, 10) + `,"event_code":10,"label":"caf` + "\xe9" + `"}]}`)
		var latin wire.EventResults
		if code := f.call(t, "POST", "/controller/v1/events", json.RawMessage(raw), &latin); code != 200 || latin.Events[0].Status != "stored" {
			t.Fatalf("latin-1 label: %d %+v", code, latin)
		}
	})
}
