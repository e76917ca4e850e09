package agent_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestOutboxDropsRefusedEvents: an event the server can never store (NUL
// in its label, a door the controller does not serve) is refused on its
// own, reported and dropped; the events around it are stored and the
// outbox empties, on every backend.
func TestOutboxDropsRefusedEvents(t *testing.T) {
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
			front, other := chans[0].ID, chans[1].ID
			_, secret, err := controller.Enroll(ctx, srv.st, controller.Enrollment{AccountID: acct.ID, ChannelIDs: []int64{front}})
			if err != nil {
				t.Fatal(err)
			}
			_, before, _ := srv.st.ListEvents(ctx, acct.ID, store.EventFilter{})
			state, _ := agent.OpenState(t.TempDir())
			out := &syncBuffer{}
			a, err := agent.New(agent.Config{Server: "http://" + srv.addr, Secret: secret, State: state, Out: out})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Record(
				wire.Event{ID: "good-1", ChannelID: front, EventCode: 10, Label: "fine"},
				wire.Event{ID: "nul", ChannelID: front, EventCode: 10, Label: "a\x00b"},
				wire.Event{ID: "foreign", ChannelID: other, EventCode: 10},
				wire.Event{ID: "good-2", ChannelID: front, EventCode: 12, Label: "fine"},
			); err != nil {
				t.Fatal(err)
			}
			n, err := a.Flush(ctx)
			if err != nil || n != 4 {
				t.Fatalf("flush: %d %v\n%s", n, err, out)
			}
			if p, _ := state.Pending(); len(p) != 0 {
				t.Fatalf("outbox still holds %+v", p)
			}
			if _, after, _ := srv.st.ListEvents(ctx, acct.ID, store.EventFilter{}); after != before+2 {
				t.Fatalf("%d events stored, want 2", after-before)
			}
			for _, want := range []string{`event "nul" refused by the server and dropped: label must not contain a NUL character`,
				`event "foreign" refused`} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestOutboxSplitsBatchesAnsweredAsAWhole: a server that refuses a whole
// batch (as servers did before per-event answers) makes the agent split
// it until the one bad event is alone; it is dropped, the rest is stored,
// and nothing is sent for ever.
func TestOutboxSplitsBatchesAnsweredAsAWhole(t *testing.T) {
	var stored, posts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/controller/v1/events" {
			http.NotFound(w, r)
			return
		}
		posts.Add(1)
		body, _ := io.ReadAll(r.Body)
		var batch wire.EventBatch
		_ = json.Unmarshal(body, &batch)
		var res wire.EventResults
		for _, e := range batch.Events {
			if strings.ContainsRune(e.Label, 0) {
				w.WriteHeader(http.StatusUnprocessableEntity)
				_, _ = w.Write([]byte(`{"error":"validation_failed"}`))
				return
			}
			res.Events = append(res.Events, wire.EventResult{ID: e.ID, EventID: 1, Status: wire.EventStored})
		}
		stored.Add(int64(len(batch.Events)))
		_ = json.NewEncoder(w).Encode(res)
	}))
	defer srv.Close()
	state, _ := agent.OpenState(t.TempDir())
	out := &syncBuffer{}
	a, err := agent.New(agent.Config{Server: srv.URL, Secret: "lcd_x", State: state, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	var events []wire.Event
	for i := range 600 {
		e := wire.Event{ID: "e" + string(rune('A'+i%26)) + strings.Repeat("x", i/26), ChannelID: 1, EventCode: 10, Label: "ok"}
		if i == 300 {
			e.Label = "bad\x00"
		}
		events = append(events, e)
	}
	if err := a.Record(events...); err != nil {
		t.Fatal(err)
	}
	n, err := a.Flush(context.Background())
	if err != nil || n != 600 {
		t.Fatalf("flush: %d %v\n%s", n, err, out)
	}
	if p, _ := state.Pending(); len(p) != 0 || stored.Load() != 599 {
		t.Fatalf("pending %d, stored %d", len(p), stored.Load())
	}
	if !strings.Contains(out.String(), "refused by the server and dropped: server answered 422") {
		t.Fatalf("output:\n%s", out)
	}
	if posts.Load() > 40 {
		t.Fatalf("%d uploads for 600 events with one bad one; the batch size must grow back past it", posts.Load())
	}
}
