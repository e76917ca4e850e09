package controller

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// Defaults for Config.
const (
	DefaultOfflineAfter = 60 * time.Second // a door without a heartbeat for this long is offline
	DefaultPollTimeout  = wire.DefaultPollTimeout
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
	// JournalPoll is how often Run reads the access journal for writes
	// this process was not told about; zero means 1 second on SQLite
	// (where the CLI's writes are only seen this way) and 10 seconds on
	// PostgreSQL (where other processes' writes arrive by NOTIFY, and the
	// poll is a fallback).
	JournalPoll time.Duration
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
	journalPoll  time.Duration
	pollNow      chan struct{} // asks Run to read the journal now
	draining     chan struct{} // closed by Drain
	drainOnce    sync.Once

	stats struct{ snapshots, deltas, resyncs, catchUps atomic.Int64 }

	mu       sync.Mutex
	accounts map[int64]*accountState
	devices  map[string]cachedDevice // secret digest -> controller, see DeviceCacheTTL
	polling  map[int64]int           // door id -> long polls waiting now
	seen     map[int64]time.Time     // door id -> last heartbeat or poll, in this process
	// told is, per controller, the account's command count when it was
	// last answered: a count that moved since means commands to collect.
	told map[int64]int64
	// synced is, per controller, the journal position it last reported
	// having applied (GET changes?after=) and the store recorded.
	synced map[int64]int64
}

// accountState is what the hub knows of one account: its journal
// position, the recent changes as deltas, and a cached snapshot. Fields
// other than the mutexes are guarded by Hub.mu.
type accountState struct {
	seq      int64         // the journal position the hub has caught up to
	loaded   bool          // seq has been read from the journal
	commands int64         // bumped when a command is dispatched to a door of the account
	wake     chan struct{} // closed (and replaced) when seq or commands move

	catchMu  sync.Mutex // one catch-up at a time
	catching bool       // a catch-up goroutine is running
	again    bool       // it must go round again
	// waiting counts the account's controllers waiting in GET changes
	// here. While there are none, a change does not start a catch-up: it
	// marks the account stale, and whoever next reads the hub's position
	// catches up first (see kick).
	waiting int
	stale   bool

	log       []*change // changes in order; they cover (logFrom, seq]
	logFrom   int64
	logPeople int // person states held by log

	load  sync.Mutex // one snapshot read per account at a time
	cache *wire.Snapshot

	// compiled is the access engine's snapshot of the whole account, as of
	// journal position compiledSeq, for the server's own decisions; one
	// compilation at a time (compileMu).
	compileMu   sync.Mutex
	compiled    *access.Snapshot
	compiledSeq int64

	// bodies holds cache encoded for sets of doors (controllers of the
	// same doors get the same bytes); bodiesOf is the snapshot they encode.
	bodies   map[string][]byte
	bodiesOf *wire.Snapshot
}

// maxBodies bounds the encoded snapshots kept per account.
const maxBodies = 64

// New returns a hub over cfg.Store, subscribed to the store's change
// announcements (see Store.Subscribe): every committed write that changes
// what doors decide, or queues a command, reaches the doors without being
// told by its writer.
func New(cfg Config) *Hub {
	h := &Hub{st: cfg.Store, log: cfg.Log, now: cfg.Now, offlineAfter: cfg.OfflineAfter, pollTimeout: cfg.PollTimeout,
		journalPoll: cfg.JournalPoll, pollNow: make(chan struct{}, 1), draining: make(chan struct{}),
		accounts: map[int64]*accountState{}, devices: map[string]cachedDevice{}, polling: map[int64]int{}, seen: map[int64]time.Time{}, told: map[int64]int64{}, synced: map[int64]int64{}}
	if h.journalPoll <= 0 {
		h.journalPoll = time.Second
		if h.st.Dialect() == store.Postgres {
			h.journalPoll = 10 * time.Second
		}
	}
	h.st.Subscribe(h.changed)
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

// Stats are the hub's counters since it started, for /metrics.
type Stats struct {
	Polling   int   // doors whose controller is waiting in GET changes now
	Snapshots int64 // snapshots served
	Deltas    int64 // GET changes answers that carried changes
	Resyncs   int64 // GET changes answers that said resync
	CatchUps  int64 // reads of the access journal
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	polling := len(h.polling)
	h.mu.Unlock()
	return Stats{Polling: polling, Snapshots: h.stats.snapshots.Load(), Deltas: h.stats.deltas.Load(),
		Resyncs: h.stats.resyncs.Load(), CatchUps: h.stats.catchUps.Load()}
}

// Seq returns the journal position the hub has caught up to for the
// account (0 before the account's first catch-up).
func (h *Hub) Seq(accountID int64) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.account(accountID).seq
}

// account returns the account's state, creating it. h.mu must be held.
func (h *Hub) account(id int64) *accountState {
	a := h.accounts[id]
	if a == nil {
		a = &accountState{wake: make(chan struct{})}
		h.accounts[id] = a
	}
	return a
}

// Dispatch implements domain.Dispatcher: it reports whether the door of a
// queued command has a connected controller, which then collects the
// command with GET commands. Queuing the command is what wakes the
// controller, in this process or (through the store's announcements) in
// any other server it is connected to. A door counts as connected when its
// controller is waiting in GET changes here, was heard from here within
// the offline window, or sent a heartbeat to any server within it.
// Otherwise the command stays queued for when a controller connects.
// Errors: the store's.
func (h *Hub) Dispatch(ctx context.Context, cmd *domain.ChannelCommand) (bool, error) {
	h.mu.Lock()
	here := h.polling[cmd.ChannelID] > 0 || h.now().Sub(h.seen[cmd.ChannelID]) < h.offlineAfter
	h.mu.Unlock()
	if here {
		return true, nil
	}
	seen, ok, err := h.st.ChannelHeartbeat(ctx, cmd.ChannelID)
	if err != nil {
		return false, err
	}
	return ok && h.now().Sub(seen) < h.offlineAfter, nil
}

// Drain answers every GET changes that is waiting, and from now on every
// new one, at once: the server is shutting down, and its controllers
// should reconnect (through a load balancer, to another server) rather
// than hold a connection the shutdown waits for. Calling it again does
// nothing.
func (h *Hub) Drain() { h.drainOnce.Do(func() { close(h.draining) }) }

// touch records that the doors' controller was heard from now.
func (h *Hub) touch(channelIDs []int64) {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range channelIDs {
		h.seen[id] = now
	}
}

// Run, until ctx ends: marks doors offline when their controller has been
// silent for the offline window, checking every quarter of it; reads the
// access journal for writes it was not told about (every JournalPoll, and
// at once when the store's notifications may have missed some); and purges
// journal rows older than a week every hour. Start it once per process,
// next to the HTTP server.
func (h *Hub) Run(ctx context.Context) {
	sweep := time.NewTicker(h.offlineAfter / 4)
	defer sweep.Stop()
	poll := time.NewTicker(h.journalPoll)
	defer poll.Stop()
	purge := time.NewTicker(time.Hour)
	defer purge.Stop()
	cursor := h.pollJournal(ctx, 0)
	h.purgeJournal(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			if n, err := h.st.MarkSilentChannelsOffline(ctx, h.now().Add(-h.offlineAfter)); err != nil && ctx.Err() == nil {
				h.log.Warn("marking silent doors offline failed", "err", err)
			} else if n > 0 {
				h.log.Info("doors went offline", "count", n)
			}
		case <-poll.C:
			cursor = h.pollJournal(ctx, cursor)
		case <-h.pollNow:
			cursor = h.pollJournal(ctx, cursor)
		case <-purge.C:
			h.purgeJournal(ctx)
		}
	}
}

// journalKeep is how long access journal rows are kept. A controller that
// was away longer downloads the snapshot again, as it would anyway: the
// in-memory change log reaches back much less far.
const journalKeep = 7 * 24 * time.Hour

func (h *Hub) purgeJournal(ctx context.Context) {
	if n, err := h.st.PurgeAccessChanges(ctx, h.now().Add(-journalKeep)); err != nil && ctx.Err() == nil {
		h.log.Warn("purging the access journal failed", "err", err)
	} else if n > 0 {
		h.log.Info("purged access journal", "rows", n)
	}
}

// snapshotFor returns the account's snapshot, reading the database unless
// the cached one is as new as the hub's sequence (caught up first). A
// snapshot carries the journal position it was read at, in the same
// consistent read, so the controller's next GET changes continues exactly
// from it.
func (h *Hub) snapshotFor(ctx context.Context, accountID int64) (*wire.Snapshot, error) {
	h.mu.Lock()
	a := h.account(accountID)
	h.mu.Unlock()
	a.load.Lock()
	defer a.load.Unlock()
	if _, err := h.currentSeq(ctx, accountID); err != nil {
		return nil, err
	}
	h.mu.Lock()
	cached, fresh := a.cache, a.cache != nil && a.cache.Seq >= a.seq
	h.mu.Unlock()
	if fresh {
		return cached, nil
	}
	snap, err := loadSnapshot(ctx, h.st, accountID, h.now())
	if err != nil {
		return nil, err
	}
	a.cache = snap
	if h.Seq(accountID) < snap.Seq {
		h.kick(accountID)
	}
	return snap, nil
}
