package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
)

// Config configures an Agent. Server, Secret, State and Out are required.
type Config struct {
	Server string // base URL of the Lintel server
	Secret string // the device secret from `lintel controllers enroll`
	State  *State
	Reader Reader // nil: Run only syncs (tests call Present)
	Relay  Relay  // nil: doors are "opened" silently
	// Board, when set, is hardware that decides by itself: the agent
	// feeds it the access list, passes it the commands and uploads its
	// events (Reader and Relay are then usually nil).
	Board Board
	Out   io.Writer
	Now   func() time.Time // nil is time.Now
	HTTP  *http.Client     // nil: a client with a 60 s timeout
	// Channel is the door for presentations that name none; 0 means the
	// first door of the snapshot.
	Channel        int64
	HeartbeatEvery time.Duration // default 15 s
	PollWait       time.Duration // longest wait of one GET changes; default 25 s
	RetryMax       time.Duration // longest pause between reconnection attempts; default 30 s
	OpenFor        time.Duration // how long an admit releases the door; default 5 s
	// UploadDelay is how long the agent gathers events before uploading
	// them, so that busy doors send batches rather than one request per
	// event; default 100 ms, negative for none.
	UploadDelay time.Duration
	// FirstSync is how long Run waits for a first snapshot, when none was
	// saved, before it reads presentations; default 10 s.
	FirstSync time.Duration
}

// loaded is the access list in use: the snapshot as saved, the changes
// applied since (also saved), and both compiled for decisions. Changes do
// not add doors or credential types (those come with a new snapshot), so
// wire answers questions about them.
type loaded struct {
	wire    *wire.Snapshot
	pending []*wire.Changes
	seq     int64
	decide  *access.Snapshot
}

// foldEvery is about how many changes the agent applies before it folds
// them into its saved snapshot (rewriting it whole), so the changes file
// stays short. Each agent picks its own count between foldEvery and twice
// that, so the controllers of one account do not all rewrite at once.
const foldEvery = 64

// Agent is a running controller. Its methods are safe for concurrent use.
type Agent struct {
	cfg    Config
	c      *client
	snap   atomic.Pointer[loaded]
	online atomic.Bool
	flush  chan struct{}
	ready  chan struct{} // closed once a snapshot is in use
	once   sync.Once
	outMu  sync.Mutex
	upMu   sync.Mutex // one upload at a time

	snapMu  sync.Mutex     // serialises changes to snap
	saveMu  sync.Mutex     // one snapshot written to disk at a time
	folding atomic.Bool    // a fold is running
	foldAt  int            // pending changes that start a fold
	bg      sync.WaitGroup // folds in progress; Run waits for them
}

// Outcome is one decision the agent took at a door.
type Outcome struct {
	ChannelID    int64
	Presentation Presentation
	Decision     access.Decision
	Label        string
	Online       bool   // whether the server was reachable when deciding
	EventID      string // the client id of the event that records it
}

// New returns an agent, loading the snapshot saved in the state directory
// so that it can decide before the server answers. Errors: a missing
// required setting, or a saved snapshot that cannot be read.
func New(cfg Config) (*Agent, error) {
	if cfg.Server == "" || cfg.Secret == "" || cfg.State == nil || cfg.Out == nil {
		return nil, errors.New("agent: Server, Secret, State and Out are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.HeartbeatEvery <= 0 {
		cfg.HeartbeatEvery = 15 * time.Second
	}
	if cfg.PollWait <= 0 {
		cfg.PollWait = wire.DefaultPollTimeout
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 30 * time.Second
	}
	if cfg.OpenFor <= 0 {
		cfg.OpenFor = 5 * time.Second
	}
	if cfg.UploadDelay == 0 {
		cfg.UploadDelay = 100 * time.Millisecond
	}
	if cfg.FirstSync <= 0 {
		cfg.FirstSync = 10 * time.Second
	}
	a := &Agent{cfg: cfg, c: &client{base: strings.TrimRight(cfg.Server, "/"), secret: cfg.Secret, http: cfg.HTTP},
		flush: make(chan struct{}, 1), ready: make(chan struct{}), foldAt: foldEvery + mathrand.IntN(foldEvery)}
	saved, err := cfg.State.LoadSnapshot()
	if err != nil {
		return nil, err
	}
	if saved != nil {
		a.install(saved, false)
		changes, err := cfg.State.SavedChanges(saved.Seq)
		if err != nil {
			return nil, err
		}
		for _, c := range changes {
			a.use(c)
		}
	}
	return a, nil
}

// install makes snap the one decisions use, and the board's (fresh: it
// was just downloaded).
func (a *Agent) install(snap *wire.Snapshot, fresh bool) {
	decide := access.Build(snap.Source(), a.cfg.Now())
	a.snapMu.Lock()
	a.snap.Store(&loaded{wire: snap, seq: snap.Seq, decide: decide})
	if a.cfg.Board != nil {
		a.cfg.Board.Load(snap, fresh)
	}
	a.snapMu.Unlock()
	a.once.Do(func() { close(a.ready) })
}

// use applies changes to the access list in use.
func (a *Agent) use(c *wire.Changes) {
	a.snapMu.Lock()
	defer a.snapMu.Unlock()
	l := a.snap.Load()
	n := &loaded{wire: l.wire, pending: append(l.pending[:len(l.pending):len(l.pending)], c), seq: c.Seq,
		decide: l.decide.Apply(c.Delta(l.wire.AccountID, a.cfg.Now()))}
	a.snap.Store(n)
	if a.cfg.Board != nil {
		a.cfg.Board.Apply(c)
	}
}

// applyChanges uses changes received from the server at once, then saves
// them (a crash in between only means asking the server again). Every
// foldEvery changes it folds them into the saved snapshot, in the
// background: neither the disk nor the fold delays the next change.
func (a *Agent) applyChanges(c *wire.Changes) {
	a.use(c)
	if err := a.cfg.State.AppendChanges(c); err != nil {
		a.printf("error: %v (the change is used but not saved)\n", err)
	}
	if l := a.snap.Load(); len(l.pending) >= a.foldAt && a.folding.CompareAndSwap(false, true) {
		a.bg.Add(1)
		go func() {
			defer a.bg.Done()
			defer a.folding.Store(false)
			a.fold(l)
		}()
	}
}

// fold saves a snapshot that includes l's changes and makes it the base of
// the list in use, keeping the changes that arrived meanwhile. It gives up
// when a new snapshot replaced l's meanwhile.
func (a *Agent) fold(l *loaded) {
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	if a.snap.Load().wire != l.wire {
		return
	}
	wire := l.wire.Apply(wire.Merge(l.pending))
	if err := a.cfg.State.SaveSnapshot(wire); err != nil {
		a.printf("error: %v (the access list is used but not saved)\n", err)
		return
	}
	a.snapMu.Lock()
	defer a.snapMu.Unlock()
	if cur := a.snap.Load(); cur.wire == l.wire {
		a.snap.Store(&loaded{wire: wire, pending: cur.pending[len(l.pending):], seq: cur.seq, decide: cur.decide})
	}
}

// Seq returns the sequence of the access list in use (0 when there is
// none).
func (a *Agent) Seq() int64 {
	if l := a.snap.Load(); l != nil {
		return l.seq
	}
	return 0
}

// Online reports whether the last request to the server succeeded.
func (a *Agent) Online() bool { return a.online.Load() }

func (a *Agent) printf(format string, args ...any) {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	fmt.Fprintf(a.cfg.Out, format, args...)
}

// linkUp and linkDown record the state of the link, printing changes.
func (a *Agent) linkUp() {
	if !a.online.Swap(true) {
		a.printf("link: online\n")
	}
}

func (a *Agent) linkDown(err error) {
	if a.online.Swap(false) {
		a.printf("link: offline (%v); deciding locally\n", err)
	}
}

// Run syncs with the server, heartbeats, uploads events and, with a
// Reader, decides every presentation until the reader is exhausted (then
// it tries one last upload and returns nil) or ctx ends (ctx.Err()).
func (a *Agent) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, loop := range []func(context.Context){a.syncLoop, a.heartbeatLoop, a.uploadLoop} {
		wg.Add(1)
		go func() { defer wg.Done(); loop(ctx) }()
	}
	boardDone := make(chan error, 1)
	if a.cfg.Board != nil {
		wg.Add(1)
		go func() { defer wg.Done(); boardDone <- a.cfg.Board.Run(ctx, a) }()
	}
	defer func() {
		cancel()
		wg.Wait()
		a.bg.Wait()
	}()
	if a.cfg.Reader == nil {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-boardDone:
			return err
		}
	}
	select { // without any access list every presentation would be refused
	case <-a.ready:
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(a.cfg.FirstSync):
		a.printf("no access list yet; presentations are refused until the server answers\n")
	}
	for {
		p, err := a.cfg.Reader.Read(ctx)
		if errors.Is(err, io.EOF) {
			fctx, fcancel := context.WithTimeout(ctx, 10*time.Second)
			_, ferr := a.Flush(fctx)
			fcancel()
			if n, _ := a.cfg.State.Pending(); len(n) > 0 {
				a.printf("input ended; %d event(s) wait in the state directory for the next run (%v)\n", len(n), ferr)
			}
			return nil
		}
		if err != nil {
			return err
		}
		o, err := a.Present(p)
		if err != nil {
			a.printf("error: %v\n", err)
			continue
		}
		a.printOutcome(o)
	}
}

func (a *Agent) printOutcome(o Outcome) {
	verdict := "REJECT"
	if o.Decision.Admit {
		verdict = "ADMIT"
	}
	link := "offline"
	if o.Online {
		link = "online"
	}
	what := o.Presentation.Kind
	switch {
	case (o.Presentation.Kind == "pin" || o.Presentation.Kind == "mobile") && o.Presentation.Value != "":
		what += " " + strings.Repeat("*", len(o.Presentation.Value))
	case o.Presentation.Value != "":
		what += " " + o.Presentation.Value
	}
	a.printf("door %d %s: %s %d %s [%s]\n", o.ChannelID, what, verdict, o.Decision.Code, o.Label, link)
}

// Decide decides a presentation with the access list in use, without
// opening the door or recording anything; Present does both.
func (a *Agent) Decide(p Presentation) Outcome {
	o, _ := a.decide(p, a.cfg.Now())
	return o
}

// decide is Decide, also returning the credential type it read p as (0
// for none).
func (a *Agent) decide(p Presentation, now time.Time) (Outcome, int64) {
	l := a.snap.Load()
	o := Outcome{Presentation: p, ChannelID: p.ChannelID, Online: a.Online(), EventID: newEventID()}
	if o.ChannelID == 0 {
		o.ChannelID = a.cfg.Channel
	}
	if o.ChannelID == 0 && l != nil && len(l.wire.Channels) > 0 {
		o.ChannelID = l.wire.Channels[0].ID
	}
	var typeID int64
	switch {
	case l == nil:
		o.Decision = access.Decision{Code: access.CodeRejectOffline}
		o.Label = "Rejected: the controller has no access list yet"
	case p.Kind == "rex":
		o.Decision = access.EvaluateInput(l.decide, o.ChannelID, access.InputREX, now)
	case p.Kind == "aux":
		o.Decision = access.EvaluateInput(l.decide, o.ChannelID, access.InputAUX, now)
	default:
		typeID = credentialType(l.wire, p.Kind)
		value := p.Value
		if kindOf(l.wire, typeID) == domain.KindMobile {
			// Mobile credentials hold the digest of their holder's code.
			value = domain.MobileCodeDigest(value)
		}
		o.Decision = access.Evaluate(l.decide, o.ChannelID, typeID, value, now)
	}
	if o.Label == "" {
		o.Label = o.Decision.Label()
	}
	return o, typeID
}

// Present decides a presentation locally, releases the door when admitted,
// and records the event in the outbox (on disk) before returning; the
// upload happens in the background. Errors: the outbox could not be
// written (the door was still released if admitted).
func (a *Agent) Present(p Presentation) (Outcome, error) {
	now := a.cfg.Now()
	o, typeID := a.decide(p, now)
	if o.Decision.Admit && a.cfg.Relay != nil {
		if err := a.cfg.Relay.Open(o.ChannelID, a.cfg.OpenFor); err != nil {
			a.printf("relay: %v\n", err)
		}
	}
	at := now.UTC()
	e := wire.Event{ID: o.EventID, ChannelID: o.ChannelID, EventCode: o.Decision.Code, Label: o.Label, OccurredAt: &at}
	if o.Decision.PersonID != 0 {
		id := o.Decision.PersonID
		e.PersonID = &id
	}
	if typeID != 0 {
		e.CredentialTypeID = &typeID
		if k := kindOf(a.snap.Load().wire, typeID); k != domain.KindPIN && k != domain.KindMobile {
			v := p.Value
			e.Credential = &v
		}
	}
	if err := a.cfg.State.Append(e); err != nil {
		return o, err
	}
	select {
	case a.flush <- struct{}{}:
	default:
	}
	return o, nil
}

// Record appends events decided elsewhere (by a Board) to the outbox,
// synced to disk, and starts an upload. Errors: the outbox could not be
// written.
func (a *Agent) Record(events ...wire.Event) error {
	if err := a.cfg.State.Append(events...); err != nil {
		return err
	}
	select {
	case a.flush <- struct{}{}:
	default:
	}
	return nil
}

// Pending returns the events in the outbox, oldest first.
func (a *Agent) Pending() ([]wire.Event, error) { return a.cfg.State.Pending() }

// credentialType finds the credential type a reader word names: its slug,
// else the first type of that kind ("key_fob" and "keyfob" read as fob).
// It returns 0 when none matches (the decision is then "invalid type").
func credentialType(s *wire.Snapshot, word string) int64 {
	word = strings.ToLower(word)
	for _, t := range s.CredentialTypes {
		if strings.EqualFold(t.Slug, word) {
			return t.ID
		}
	}
	if word == "key_fob" || word == "keyfob" {
		word = domain.KindFob
	}
	var best int64
	for _, t := range s.CredentialTypes {
		if t.Kind == word && (best == 0 || t.ID < best) {
			best = t.ID
		}
	}
	return best
}

func kindOf(s *wire.Snapshot, typeID int64) string {
	for _, t := range s.CredentialTypes {
		if t.ID == typeID {
			return t.Kind
		}
	}
	return ""
}

// newEventID returns a random 128-bit id in hex.
func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
