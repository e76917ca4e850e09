package uhppote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/controller/wire"
)

// Config configures a Driver. Serial, Addr, Doors and StateDir are
// required.
type Config struct {
	Serial   uint32
	Addr     netip.AddrPort // the board's address (its port is 60000 unless changed)
	Doors    Doors          // Lintel channel of each board door
	StateDir string         // the agent's state directory: the board image is kept there
	// Listen is the local UDP address for the board's events
	// ["0.0.0.0:60001"]; Advertise is the address the board is told to
	// send them to [the local address that reaches the board, with
	// Listen's port].
	Listen    string
	Advertise netip.AddrPort
	Bind      netip.Addr       // local address requests are sent from [any]
	Now       func() time.Time // [time.Now]
	Out       io.Writer        // progress and problems [discarded]
	Timeout   time.Duration    // wait for each answer [1 s]
	Retries   int              // times a request is sent again [3]
	// InFlight is how many requests a load keeps in flight [1]; raise it
	// only for boards known to queue them.
	InFlight   int
	OpenFor    time.Duration // how long a granted door stays released [5 s]
	PollEvery  time.Duration // status and event check [2 s]
	ClockEvery time.Duration // clock resync [10 min]; also at every DST change
}

// Driver makes one UHPPOTE board a Lintel controller's hardware: it
// implements agent.Board.
type Driver struct {
	cfg Config
	c   *client

	mu     sync.Mutex // guards model, fresh
	model  *model
	fresh  bool
	dirty  chan struct{}
	online atomic.Bool

	roundMu sync.Mutex // one round of writes at a time
	modeMu  sync.Mutex // one write of door modes at a time (im.Modes)
	im      *image
	plan    atomic.Pointer[plan]
	issues  string

	statusMu   sync.Mutex
	doors      [4]DoorStatus
	statusSeen bool // the board has reported its doors

	statsMu sync.Mutex
	stats   Stats
}

// DoorStatus is what the board last said about a door.
type DoorStatus struct {
	ChannelID int64
	Open      bool // the door contact reads open
	Unlocked  bool // the lock relay is energised
	Mode      uint8
}

// Stats counts what the driver did.
type Stats struct {
	FullLoads  int
	LastLoad   time.Duration // the last full load, from the first write to the last
	LoadedSeq  int64         // the access list the board holds
	CardWrites int64
	Rounds     int64 // rounds of writes that completed
	Events     int64 // events handed to the outbox
	Gaps       int64 // events read back from the board's store instead of the listener
}

// New returns a driver. Errors: a missing setting.
func New(cfg Config) (*Driver, error) {
	if cfg.Serial == 0 || !cfg.Addr.IsValid() || cfg.StateDir == "" {
		return nil, errors.New("uhppote: Serial, Addr and StateDir are required")
	}
	if cfg.Doors == (Doors{}) {
		return nil, errors.New("uhppote: map at least one board door to a channel")
	}
	if cfg.Listen == "" {
		cfg.Listen = "0.0.0.0:60001"
	}
	if !cfg.Bind.IsValid() {
		cfg.Bind = netip.IPv4Unspecified()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	if cfg.Retries == 0 {
		cfg.Retries = 3
	}
	cfg.InFlight = max(cfg.InFlight, 1)
	if cfg.OpenFor <= 0 {
		cfg.OpenFor = 5 * time.Second
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = 2 * time.Second
	}
	if cfg.ClockEvery <= 0 {
		cfg.ClockEvery = 10 * time.Minute
	}
	d := &Driver{cfg: cfg, c: newClient(cfg.Serial, cfg.Addr, cfg.Bind, cfg.Timeout, cfg.Retries), dirty: make(chan struct{}, 1)}
	for i, id := range cfg.Doors {
		d.doors[i].ChannelID = id
	}
	return d, nil
}

var _ agent.Board = (*Driver)(nil)

func (d *Driver) printf(format string, args ...any) {
	fmt.Fprintf(d.cfg.Out, "board %d: "+format+"\n", append([]any{d.cfg.Serial}, args...)...)
}

func (d *Driver) kick() {
	select {
	case d.dirty <- struct{}{}:
	default:
	}
}

// Load implements agent.Board.
func (d *Driver) Load(snap *wire.Snapshot, fresh bool) {
	m := newModel(snap, d.cfg.Now())
	d.mu.Lock()
	d.model, d.fresh = m, d.fresh || fresh
	d.mu.Unlock()
	d.kick()
}

// Apply implements agent.Board.
func (d *Driver) Apply(c *wire.Changes) {
	d.mu.Lock()
	if d.model != nil {
		d.model = d.model.apply(c, d.cfg.Now())
	}
	d.mu.Unlock()
	d.kick()
}

// Refresh asks for a comparison of the board with the access list now, as
// after the clock moved.
func (d *Driver) Refresh() { d.kick() }

// Online implements agent.Board.
func (d *Driver) Online() bool { return d.online.Load() }

// Doors returns what the board last said about its doors.
func (d *Driver) Doors() [4]DoorStatus {
	d.statusMu.Lock()
	defer d.statusMu.Unlock()
	return d.doors
}

// DoorStates implements agent.Board: each bound door's contact and lock as
// the board last reported them (nothing before its first answer).
func (d *Driver) DoorStates() []wire.DoorState {
	d.statusMu.Lock()
	defer d.statusMu.Unlock()
	if !d.statusSeen {
		return nil
	}
	var out []wire.DoorState
	for _, s := range d.doors {
		if s.ChannelID != 0 {
			open, locked := s.Open, !s.Unlocked
			out = append(out, wire.DoorState{ChannelID: s.ChannelID, Open: &open, Locked: &locked})
		}
	}
	return out
}

// Stats returns a copy of the counters.
func (d *Driver) Stats() Stats {
	d.statsMu.Lock()
	defer d.statsMu.Unlock()
	return d.stats
}

// Issues returns what the board cannot hold exactly, one line each.
func (d *Driver) Issues() []string {
	if p := d.plan.Load(); p != nil {
		return append([]string(nil), p.issues...)
	}
	return nil
}

// Run implements agent.Board: it writes the access list to the board and
// keeps it current, keeps the board's clock, polls its status and hands
// its events to rec, until ctx ends. Errors: the state directory or the
// event listener's address cannot be used.
func (d *Driver) Run(ctx context.Context, rec agent.Recorder) error {
	im, err := loadImage(d.cfg.StateDir, d.cfg.Serial)
	if err != nil {
		return err
	}
	d.roundMu.Lock()
	d.im = im
	d.roundMu.Unlock()
	ev, err := newEvents(d, rec)
	if err != nil {
		return err
	}
	defer ev.close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); ev.run(ctx) }()
	go func() { defer wg.Done(); d.syncLoop(ctx) }()
	wg.Wait()
	return ctx.Err()
}

// syncLoop writes to the board whenever the access list changes, when the
// plan changes by itself (a validity or reservation edge, a relock time,
// an auto-unlock minute) and, after a failure, with backoff.
func (d *Driver) syncLoop(ctx context.Context) {
	const first = 200 * time.Millisecond
	pause := first
	verify := true // compare the card count with the image once per run
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next, err := d.round(ctx, verify)
		wait := time.Hour
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			d.printf("%v (retrying)", err)
			wait, pause = pause, min(pause*2, 30*time.Second)
		} else {
			verify, pause = false, first
			if !next.IsZero() {
				wait = max(next.Sub(d.cfg.Now()), 0)
			}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-d.dirty:
		case <-timer.C:
		}
	}
}

// round compiles the access list for now and writes what the board lacks.
// It returns when the plan next changes by itself. Errors: the board did
// not take a write (what was written is remembered; the rest is tried
// again).
func (d *Driver) round(ctx context.Context, verify bool) (time.Time, error) {
	d.roundMu.Lock()
	defer d.roundMu.Unlock()
	d.mu.Lock()
	m, fresh := d.model, d.fresh
	d.fresh = false
	d.mu.Unlock()
	if m == nil {
		return time.Time{}, nil
	}
	now := d.cfg.Now()
	p := compile(m, d.cfg.Doors, now)
	d.plan.Store(p)
	t := d.im.resolve(p)
	if s := fmt.Sprint(t.issues); s != d.issues {
		d.issues = s
		for _, line := range t.issues {
			d.printf("not loaded exactly: %s", line)
		}
	}
	full := fresh || !d.im.Loaded
	if verify && !full {
		n, err := d.c.cardCount()
		if err != nil {
			d.requeue(fresh)
			return time.Time{}, err
		}
		if int(n) != len(d.im.Cards) {
			d.printf("holds %d cards where %d were written: loading it whole", n, len(d.im.Cards))
			full = true
		}
	}
	if err := d.write(ctx, t, full); err != nil {
		d.requeue(fresh)
		return time.Time{}, err
	}
	d.statsMu.Lock()
	d.stats.LoadedSeq = m.seq
	d.stats.Rounds++
	d.statsMu.Unlock()
	return p.next, nil
}

// requeue asks for a full load again after a failed one.
func (d *Driver) requeue(fresh bool) {
	if fresh {
		d.mu.Lock()
		d.fresh = true
		d.mu.Unlock()
	}
}

// localAddr returns the local address that reaches the board.
func localAddr(board netip.AddrPort) (netip.Addr, error) {
	c, err := net.Dial("udp4", board.String())
	if err != nil {
		return netip.Addr{}, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}
