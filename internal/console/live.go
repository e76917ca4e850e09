package console

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
)

// What a live view follows. A browser is told which topics changed and
// fetches the fragments that show them; nothing is polled.
const (
	topicDoors  = "doors"  // door status, mode, lockdown
	topicEvents = "events" // new events
	topicPeople = "people" // people, credentials, groups
)

// topics maps a store change to the topics it touches.
func topics(ch store.Change) []string {
	var out []string
	if ch.Has(store.ChangeDoorStatus) || ch.Has(store.ChangeCommands) || ch.Has(store.ChangeAccess) {
		out = append(out, topicDoors)
	}
	if ch.Has(store.ChangeEvents) {
		out = append(out, topicEvents)
	}
	if ch.Has(store.ChangeAccess) || ch.Has(store.ChangeCredentials) {
		out = append(out, topicPeople)
	}
	return out
}

// broker fans the store's announcements out to the open live streams of
// each account. A stream that is behind keeps one pending set of topics:
// announcements merge, they never queue up or block the writer.
type broker struct {
	mu        sync.Mutex
	subs      map[*subscriber]struct{}
	done      chan struct{} // closed by drain: every stream ends
	drainOnce sync.Once
}

type subscriber struct {
	account int64
	mu      sync.Mutex
	pending map[string]bool
	wake    chan struct{}
}

func newBroker() *broker { return &broker{subs: map[*subscriber]struct{}{}, done: make(chan struct{})} }

func (b *broker) drain() { b.drainOnce.Do(func() { close(b.done) }) }

// Drain ends every open live stream (browsers reconnect, to another server
// or to this one when it is back) and every running import job (its
// current batch rolls back; importing the same file again completes it),
// waiting a few seconds at most for the jobs to stop: call it when the
// server shuts down, so that neither holds the shutdown up nor writes to
// a closed store.
func (c *Console) Drain() {
	c.live.drain()
	c.imports.drain(5 * time.Second)
}

// publish is the store subscription: it runs on the writer's goroutine
// and only marks topics and wakes streams.
func (b *broker) publish(ch store.Change) {
	ts := topics(ch)
	if len(ts) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if ch.AccountID != 0 && ch.AccountID != s.account {
			continue
		}
		s.mu.Lock()
		for _, t := range ts {
			s.pending[t] = true
		}
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

func (b *broker) subscribe(account int64) *subscriber {
	s := &subscriber{account: account, pending: map[string]bool{}, wake: make(chan struct{}, 1)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

func (b *broker) unsubscribe(s *subscriber) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

// take returns and clears the pending topics, sorted.
func (s *subscriber) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, t := range []string{topicDoors, topicEvents, topicPeople} {
		if s.pending[t] {
			out = append(out, t)
		}
	}
	clear(s.pending)
	return out
}

// liveStream is GET /live: a server-sent event stream with one "change"
// event (data: the topics, space-separated) whenever the operator's
// account changes, at most four a second, and a comment every 25 seconds
// to keep proxies from closing it.
func (c *Console) liveStream(w http.ResponseWriter, r *http.Request, q *req) error {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // the server's write timeout would end the stream
	sub := c.live.subscribe(q.acct.ID)
	defer c.live.unsubscribe(sub)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n: live\n\n"); err != nil {
		return nil
	}
	_ = rc.Flush()
	keepAlive := time.NewTicker(25 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-c.live.done:
			return nil
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
		case <-sub.wake:
			if ts := sub.take(); len(ts) > 0 {
				if _, err := fmt.Fprintf(w, "event: change\ndata: %s\n\n", strings.Join(ts, " ")); err != nil {
					return nil
				}
			}
			// Coalesce bursts (a card read writes an event and a heartbeat).
			select {
			case <-r.Context().Done():
				return nil
			case <-time.After(250 * time.Millisecond):
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
