package controller

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// Defaults for Config.
const (
	DefaultOfflineAfter = 60 * time.Second // a door without a heartbeat for this long is offline
	DefaultPollTimeout  = 25 * time.Second // the longest a GET changes waits
	maxEventsPerBatch   = 500
)

// Config configures a Hub.
type Config struct {
	Store *store.Store
	Log   *slog.Logger // nil discards
	Now   domain.Clock // nil is time.Now
	// OfflineAfter is how long a door may go without a heartbeat before it
	// is reported offline; zero means DefaultOfflineAfter.
	OfflineAfter time.Duration
	// PollTimeout caps how long GET changes waits; zero means
	// DefaultPollTimeout.
	PollTimeout time.Duration
}

// Hub serves the controller protocol (/controller/v1/*), keeps one change
// sequence per account, and hands channel commands to connected
// controllers. It is safe for concurrent use.
type Hub struct {
	st           *store.Store
	log          *slog.Logger
	now          domain.Clock
	offlineAfter time.Duration
	pollTimeout  time.Duration
	base         int64 // random start of every sequence, so a restart never reuses one

	mu       sync.Mutex
	accounts map[int64]*accountState
	polling  map[int64]int       // door id -> long polls waiting now
	seen     map[int64]time.Time // door id -> last heartbeat or poll, in this process
}

// accountState is one account's change sequence and cached snapshot.
type accountState struct {
	seq      int64
	commands int64         // bumped when a command is dispatched to a door of the account
	wake     chan struct{} // closed (and replaced) on every Notify or dispatch

	load     sync.Mutex // one snapshot read per account at a time
	cacheSeq int64
	cache    *Snapshot
}

// New returns a hub over cfg.Store.
func New(cfg Config) *Hub {
	h := &Hub{st: cfg.Store, log: cfg.Log, now: cfg.Now, offlineAfter: cfg.OfflineAfter, pollTimeout: cfg.PollTimeout,
		accounts: map[int64]*accountState{}, polling: map[int64]int{}, seen: map[int64]time.Time{}}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.offlineAfter <= 0 {
		h.offlineAfter = DefaultOfflineAfter
	}
	if h.pollTimeout <= 0 {
		h.pollTimeout = DefaultPollTimeout
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	// Below 2^52 so that the sequence survives a trip through a JSON
	// number in any language, with room for 2^48 changes.
	h.base = int64(binary.BigEndian.Uint64(b[:])>>12) + 1
	return h
}

// Register adds the /controller/v1 routes to mux.
func (h *Hub) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /controller/v1/snapshot", h.serve(h.getSnapshot))
	mux.HandleFunc("GET /controller/v1/changes", h.serve(h.getChanges))
	mux.HandleFunc("POST /controller/v1/events", h.serve(h.postEvents))
	mux.HandleFunc("POST /controller/v1/heartbeat", h.serve(h.postHeartbeat))
	mux.HandleFunc("GET /controller/v1/commands", h.serve(h.getCommands))
	mux.HandleFunc("POST /controller/v1/commands/{id}/result", h.serve(h.postCommandResult))
}

// Notify tells the hub that something the account's doors decide with has
// changed (call it after every successful write). Controllers waiting in
// GET changes are answered at once and re-download their snapshot.
func (h *Hub) Notify(accountID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a := h.account(accountID)
	a.seq++
	close(a.wake)
	a.wake = make(chan struct{})
}

// Seq returns the account's current change sequence.
func (h *Hub) Seq(accountID int64) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.account(accountID).seq
}

// account returns the account's state, creating it. h.mu must be held.
func (h *Hub) account(id int64) *accountState {
	a := h.accounts[id]
	if a == nil {
		a = &accountState{seq: h.base, wake: make(chan struct{})}
		h.accounts[id] = a
	}
	return a
}

// Dispatch implements domain.Dispatcher: a command for a door whose
// controller is connected (waiting in GET changes, or heard from within
// the offline window) wakes that controller, which collects it with GET
// commands, and counts as delivered. Otherwise it reports false and the
// command stays queued for when a controller connects. It never fails.
func (h *Hub) Dispatch(_ context.Context, cmd *domain.ChannelCommand) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	connected := h.polling[cmd.ChannelID] > 0 || h.now().Sub(h.seen[cmd.ChannelID]) < h.offlineAfter
	if !connected {
		return false, nil
	}
	a := h.account(cmd.AccountID)
	a.commands++
	close(a.wake)
	a.wake = make(chan struct{})
	return true, nil
}

// touch records that the doors' controller was heard from now.
func (h *Hub) touch(channelIDs []int64) {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range channelIDs {
		h.seen[id] = now
	}
}

// Run marks doors offline when their controller has been silent for the
// offline window, checking every quarter of it, until ctx ends. Start it
// once per process, next to the HTTP server.
func (h *Hub) Run(ctx context.Context) {
	t := time.NewTicker(h.offlineAfter / 4)
	defer t.Stop()
	for {
		if n, err := h.st.MarkSilentChannelsOffline(ctx, h.now().Add(-h.offlineAfter)); err != nil && ctx.Err() == nil {
			h.log.Warn("marking silent doors offline failed", "err", err)
		} else if n > 0 {
			h.log.Info("doors went offline", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// snapshotFor returns the account's snapshot as of the current sequence,
// reading the database only when the sequence moved since the last read.
// The sequence is read before the data, so a change that lands during the
// read bumps the sequence past the one returned and the controller comes
// back for it.
func (h *Hub) snapshotFor(ctx context.Context, accountID int64) (*Snapshot, error) {
	h.mu.Lock()
	a := h.account(accountID)
	h.mu.Unlock()
	a.load.Lock()
	defer a.load.Unlock()
	seq := h.Seq(accountID)
	if a.cache != nil && a.cacheSeq == seq {
		return a.cache, nil
	}
	snap, err := loadSnapshot(ctx, h.st, accountID, h.now())
	if err != nil {
		return nil, err
	}
	snap.Seq = seq
	a.cache, a.cacheSeq = snap, seq
	return snap, nil
}
