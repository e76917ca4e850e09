package agent_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// demoNow is Tuesday 11:30 in London: John Doe's card opens the front door.
var demoNow = time.Date(2025, 6, 10, 10, 30, 0, 0, time.UTC)

// server is a Lintel controller endpoint that can be stopped and started
// again on the same address and database, like a restarted process.
type server struct {
	t    *testing.T
	addr string
	st   *store.Store
	hub  *controller.Hub
	srv  *http.Server
	done chan struct{}
}

func startServer(t *testing.T, b storetest.Backend, addr string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	for i := 0; err != nil && i < 50; i++ { // the old socket may linger briefly
		time.Sleep(20 * time.Millisecond)
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, addr: ln.Addr().String(), st: storetest.Open(t, b), done: make(chan struct{})}
	s.hub = controller.New(controller.Config{Store: s.st, PollTimeout: time.Second})
	mux := http.NewServeMux()
	s.hub.Register(mux)
	s.srv = &http.Server{Handler: mux}
	go func() { _ = s.srv.Serve(ln); close(s.done) }()
	return s
}

func (s *server) stop() {
	_ = s.srv.Close()
	<-s.done
}

// waitFor polls cond until it holds or five seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncBuffer is an output the agent's goroutines may share.
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

// TestRevokeOfflineAndRestart drives the reference agent against a real
// server on every backend: a revoked card is denied once the store has
// announced the change; with the
// server down the agent decides from its saved access list and buffers
// events on disk; after a restart on the same database every event
// arrives exactly once, even when an acknowledged batch is sent again.
func TestRevokeOfflineAndRestart(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			srv := startServer(t, b, "127.0.0.1:0")
			acct, err := demo.Seed(ctx, srv.st, demo.Options{Now: func() time.Time { return demoNow }})
			if err != nil {
				t.Fatal(err)
			}
			chans, _, _ := srv.st.ListChannels(ctx, acct.ID, nil, store.Page{})
			var front int64
			for _, c := range chans {
				if c.Name == "Front Door" {
					front = c.ID
				}
			}
			people, _, _ := srv.st.ListPeople(ctx, acct.ID, store.PersonFilter{})
			john := people[0]
			creds, _ := srv.st.CredentialsOfPeople(ctx, acct.ID, []int64{john.ID})
			var card *domain.Credential
			for _, c := range creds {
				if c.Label == "Card" {
					card = c
				}
			}
			if card == nil {
				t.Fatal("John has no card")
			}
			_, secret, err := controller.Enroll(ctx, srv.st, controller.Enrollment{AccountID: acct.ID, ChannelIDs: []int64{front}})
			if err != nil {
				t.Fatal(err)
			}

			dir := t.TempDir()
			state, err := agent.OpenState(dir)
			if err != nil {
				t.Fatal(err)
			}
			out := &syncBuffer{}
			a, err := agent.New(agent.Config{Server: "http://" + srv.addr, Secret: secret, State: state, Out: out,
				Now: func() time.Time { return demoNow }, HeartbeatEvery: 50 * time.Millisecond,
				PollWait: time.Second, RetryMax: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			runCtx, cancel := context.WithCancel(ctx)
			ran := make(chan error, 1)
			go func() { ran <- a.Run(runCtx) }()
			defer func() {
				cancel()
				<-ran
			}()
			waitFor(t, "the first snapshot", func() bool { return a.Seq() != 0 })

			present := func(wantAdmit bool, wantCode int) agent.Outcome {
				t.Helper()
				o, err := a.Present(agent.Presentation{Kind: "card", Value: *card.Value})
				if err != nil {
					t.Fatal(err)
				}
				if o.Decision.Admit != wantAdmit || o.Decision.Code != wantCode {
					t.Fatalf("card at the front door: %+v %q, want admit=%v code %d\n%s", o.Decision, o.Label, wantAdmit, wantCode, out)
				}
				return o
			}
			var ids []string
			ids = append(ids, present(true, access.CodeAdmitCard).EventID)

			// Revoke the card; the store announces it and the agent follows.
			before := a.Seq()
			if _, err := srv.st.DeleteCredential(ctx, acct.ID, john.ID, card.UID, time.Now()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the change", func() bool { return a.Seq() != before })
			ids = append(ids, present(false, access.CodeRejectCard).EventID)
			waitFor(t, "the upload", func() bool { p, _ := state.Pending(); return len(p) == 0 })

			// The server goes away: decisions continue from the saved list.
			srv.stop()
			waitFor(t, "the agent to notice", func() bool { return !a.Online() })
			for range 3 {
				o := present(false, access.CodeRejectCard)
				if o.Online {
					t.Fatal("decided online with the server down")
				}
				ids = append(ids, o.EventID)
			}
			pending, _ := state.Pending()
			if len(pending) != 3 {
				t.Fatalf("%d events buffered, want 3", len(pending))
			}
			// What is on disk (snapshot and changes) is the list in use: an
			// agent started from it decides the same.
			reloaded, err := agent.New(agent.Config{Server: "http://" + srv.addr, Secret: secret, State: state, Out: io.Discard,
				Now: func() time.Time { return demoNow }})
			if err != nil || reloaded.Seq() != a.Seq() {
				t.Fatalf("reloaded at %d, in use %d: %v", reloaded.Seq(), a.Seq(), err)
			}
			if o := reloaded.Decide(agent.Presentation{Kind: "card", Value: *card.Value}); o.Decision.Admit || o.Decision.Code != access.CodeRejectCard {
				t.Fatalf("reloaded agent: %+v", o.Decision)
			}

			// Restart on the same database: every event arrives once.
			srv2 := startServer(t, b, srv.addr)
			defer srv2.stop()
			waitFor(t, "the buffered upload", func() bool { p, _ := state.Pending(); return len(p) == 0 })
			waitFor(t, "the agent to catch up", func() bool { return a.Seq() == srv2.hub.Seq(acct.ID) })
			for _, e := range pending { // an acknowledgement lost on the way back
				if err := state.Append(e); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := a.Flush(ctx); err != nil { // the background upload may already have sent them
				t.Fatalf("resend: %v", err)
			}
			waitFor(t, "the resent upload", func() bool { p, _ := state.Pending(); return len(p) == 0 })
			events, _, err := srv2.st.ListEvents(ctx, acct.ID, store.EventFilter{ChannelIDs: []int64{front}, Page: store.Page{Limit: 1000}})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, e := range events {
				if e.ClientEventID != nil {
					seen[*e.ClientEventID]++
				}
			}
			for _, id := range ids {
				if seen[id] != 1 {
					t.Fatalf("event %s stored %d times", id, seen[id])
				}
			}
			cancel()
			if err := <-ran; !errors.Is(err, context.Canceled) {
				t.Fatalf("Run: %v", err)
			}
			ran <- nil
		})
	}
}

// TestChangesAreSavedAndFolded follows more changes than the agent keeps
// beside its saved snapshot: every one is applied as a delta (no snapshot
// download), the changes file is folded into the snapshot on the way, and
// an agent started from the state directory decides exactly as the running
// one.
func TestChangesAreSavedAndFolded(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			srv := startServer(t, b, "127.0.0.1:0")
			defer srv.stop()
			acct, err := demo.Seed(ctx, srv.st, demo.Options{Now: func() time.Time { return demoNow }})
			if err != nil {
				t.Fatal(err)
			}
			chans, _, _ := srv.st.ListChannels(ctx, acct.ID, nil, store.Page{})
			var front int64
			for _, c := range chans {
				if c.Name == "Front Door" {
					front = c.ID
				}
			}
			_, secret, err := controller.Enroll(ctx, srv.st, controller.Enrollment{AccountID: acct.ID, Name: "front", ChannelIDs: []int64{front}})
			if err != nil {
				t.Fatal(err)
			}
			people, _, _ := srv.st.ListPeople(ctx, acct.ID, store.PersonFilter{})
			john := people[0]
			types, _, _ := srv.st.ListCredentialTypes(ctx, acct.ID, store.Page{})
			var cardType int64
			for _, x := range types {
				if x.Kind == domain.KindCard {
					cardType = x.ID
				}
			}
			card, err := srv.st.FindCredentialByType(ctx, acct.ID, john.ID, cardType)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			state, err := agent.OpenState(dir)
			if err != nil {
				t.Fatal(err)
			}
			out := &syncBuffer{}
			a, err := agent.New(agent.Config{Server: "http://" + srv.addr, Secret: secret, State: state, Out: out,
				Now: func() time.Time { return demoNow }, HeartbeatEvery: time.Hour, PollWait: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			runCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() { _ = a.Run(runCtx) }()
			waitFor(t, "the first snapshot", func() bool { return a.Seq() != 0 })
			first := a.Seq()

			// Disable and enable John, one change at a time, 130 times (an
			// agent folds after 64 to 127 changes); the last state is
			// disabled.
			for i := range 130 {
				john.Enabled = i%2 == 0
				before := a.Seq()
				if err := srv.st.UpdatePerson(ctx, john, false, false); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "the change", func() bool { return a.Seq() != before })
			}
			if n := strings.Count(out.String(), "access list") - strings.Count(out.String(), "people changed"); n != 1 {
				t.Fatalf("%d snapshot downloads, want only the first:\n%s", n, out)
			}
			present := agent.Presentation{Kind: "card", Value: *card.Value}
			if o := a.Decide(present); o.Decision.Admit || o.Decision.Reason != access.ReasonPersonDisabled {
				t.Fatalf("running agent: %+v", o.Decision)
			}
			// The fold runs in the background once 64 to 127 changes are pending.
			var saved *wire.Snapshot
			waitFor(t, "the changes to be folded into the saved snapshot", func() bool {
				saved, err = state.LoadSnapshot()
				return err == nil && saved != nil && saved.Seq > first
			})
			changes, err := state.SavedChanges(saved.Seq)
			if err != nil || len(changes) >= 128 || saved.Seq == 0 {
				t.Fatalf("saved snapshot at %d with %d changes beside it: %v", saved.Seq, len(changes), err)
			}
			reloaded, err := agent.New(agent.Config{Server: "http://" + srv.addr, Secret: secret, State: state, Out: io.Discard,
				Now: func() time.Time { return demoNow }})
			if err != nil || reloaded.Seq() != a.Seq() {
				t.Fatalf("reloaded at %d, running at %d: %v", reloaded.Seq(), a.Seq(), err)
			}
			if o := reloaded.Decide(present); o.Decision != a.Decide(present).Decision {
				t.Fatalf("reloaded %+v, running %+v", o.Decision, a.Decide(present).Decision)
			}
		})
	}
}
