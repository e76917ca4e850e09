package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	lintel "github.com/lintel-dev/lintel/sdk"
)

// liveEvent is a badge event as the live page shows it.
type liveEvent struct {
	ID       int64     `json:"id"`
	Code     int       `json:"code"`
	Label    string    `json:"label"`
	Door     string    `json:"door"`
	Person   string    `json:"person"`
	At       time.Time `json:"at"`
	Admitted bool      `json:"admitted"`
	Rejected bool      `json:"rejected"`
	Via      string    `json:"via"` // stream, webhook or history
}

func newLiveEvent(e *lintel.Event, via string) *liveEvent {
	le := &liveEvent{ID: e.ID, Code: e.EventCode, Label: e.EventLabel, At: e.CreatedAt, Admitted: e.Admitted(), Rejected: e.Rejected(), Via: via}
	if e.ChannelName != nil {
		le.Door = *e.ChannelName
	}
	if e.PersonName != nil {
		le.Person = *e.PersonName
	}
	return le
}

// liveHub keeps the latest events and hands new ones to every open live
// page. An event arriving by both the stream and a webhook is shown once.
type liveHub struct {
	mu     sync.Mutex
	events []*liveEvent // newest first, at most 50
	seen   map[int64]bool
	subs   map[chan *liveEvent]bool
}

func newLiveHub() *liveHub {
	return &liveHub{seen: map[int64]bool{}, subs: map[chan *liveEvent]bool{}}
}

// publish adds an event unless it was already seen; it reports whether it
// was new.
func (h *liveHub) publish(e *liveEvent) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen[e.ID] {
		return false
	}
	h.seen[e.ID] = true
	h.events = append([]*liveEvent{e}, h.events...)
	if len(h.events) > 50 {
		for _, old := range h.events[50:] {
			delete(h.seen, old.ID)
		}
		h.events = h.events[:50]
	}
	for ch := range h.subs {
		select {
		case ch <- e:
		default: // a stalled page misses events rather than stalling the hub
		}
	}
	return true
}

func (h *liveHub) recent() []*liveEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*liveEvent(nil), h.events...)
}

func (h *liveHub) subscribe() (chan *liveEvent, func()) {
	ch := make(chan *liveEvent, 32)
	h.mu.Lock()
	h.subs[ch] = true
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

// lastEventKey is where the id of the last streamed event is kept, so a
// restart resumes after it.
const lastEventKey = "last_event_id"

// startStream follows GET /api/3/events/stream with the SDK while
// connected (unless COWORKHQ_EVENT_STREAM=false).
func (s *Server) startStream() {
	if !s.cfg.EventStream {
		return
	}
	s.streamMu.Lock()
	defer s.streamMu.Unlock()
	if s.streamCancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.streamCancel, s.streamDone = cancel, done
	go func() {
		defer close(done)
		s.followStream(ctx)
		s.streamMu.Lock()
		if s.streamDone == done {
			s.streamCancel, s.streamDone = nil, nil
		}
		s.streamMu.Unlock()
	}()
}

func (s *Server) stopStream() {
	s.streamMu.Lock()
	cancel, done := s.streamCancel, s.streamDone
	s.streamCancel, s.streamDone = nil, nil
	s.streamMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (s *Server) followStream(ctx context.Context) {
	var last int64
	if v, _ := s.db.Meta(ctx, lastEventKey); v != "" {
		last, _ = strconv.ParseInt(v, 10, 64)
	}
	opt := &lintel.StreamOptions{LastEventID: last, OnDisconnect: func(err error) {
		s.log.Warn("event stream: reconnecting", "err", err)
	}}
	for ev, err := range s.lintel.Events.Stream(ctx, opt) {
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("event stream stopped", "err", err)
			}
			return
		}
		s.live.publish(newLiveEvent(ev, "stream"))
		if err := s.db.SetMeta(ctx, lastEventKey, strconv.FormatInt(ev.ID, 10)); err != nil && ctx.Err() == nil {
			s.log.Error("event stream: save position", "err", err)
		}
	}
}

// webhookHandler receives Lintel's signed webhooks: the SDK verifies the
// signature and timestamp, fetches the event each notification is about
// (which acknowledges it) and hands it over.
func (s *Server) webhookHandler() http.Handler {
	return &lintel.WebhookHandler{
		Secret: s.cfg.WebhookSecret,
		Client: s.lintel,
		Handle: func(_ context.Context, n *lintel.Notification) error {
			if n.Event != nil {
				s.live.publish(newLiveEvent(n.Event, "webhook"))
			}
			return nil
		},
		ErrorLog: func(err error) {
			if errors.Is(err, lintel.ErrNotConnected) {
				return
			}
			s.log.Warn("webhook refused or failed", "err", err)
		},
	}
}

// liveStream sends new events to the live page as Server-Sent Events.
func (s *Server) liveStream(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch, stop := s.live.subscribe()
	defer stop()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	flusher.Flush()
	keep := time.NewTicker(15 * time.Second)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e := <-ch:
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "id: %d\nevent: badge\ndata: %s\n\n", e.ID, b)
		}
		flusher.Flush()
	}
}
