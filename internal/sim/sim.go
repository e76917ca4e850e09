package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// Limits of a Config.
const (
	MaxControllers = 5000
	MaxPeople      = 250_000
	MaxRate        = 100_000
)

// demoPeople is how many people the demo seeding creates one at a time,
// with PINs, fobs and reservations; the others are added in bulk, one card
// each.
const demoPeople = 100

// Config sets up a simulation. Zero values take the defaults in brackets.
type Config struct {
	Server      *config.Config // database settings; Listen is replaced by 127.0.0.1:0
	Controllers int            // [20]
	Rate        float64        // presentations per second over all controllers [200]
	Duration    time.Duration  // [20 s]
	People      int            // demo people, each with a card [1000]
	Revocations int            // cards revoked through the API during the run (negative: none) [20]
	// Cuts controllers lose their network for CutFor, from a quarter of the
	// way into the load [none; CutFor 5 s].
	Cuts   int
	CutFor time.Duration
	// Servers runs that many Lintel servers on one PostgreSQL database
	// (Server.DatabaseURL must be set when above 1); controller i talks to
	// server i mod Servers, the revocations go through server 0 [1].
	Servers int
	// StopServer, with several servers, stops the last one halfway
	// through the load; its controllers fail over to server 0, as behind
	// a load balancer.
	StopServer bool
	// AgentDir is where the controllers' state directories go (in a new
	// directory removed afterwards); "" puts them in the temporary
	// directory that also holds the server's data.
	AgentDir string
	Log      *slog.Logger // the server's log; nil discards it
	// Seeding and Swiping, when set, are told of progress (done of total).
	Seeding func(done, total int)
	Swiping func(done, total int)
}

func (c *Config) defaults() error {
	if c.Controllers == 0 {
		c.Controllers = 20
	}
	if c.Rate == 0 {
		c.Rate = 200
	}
	if c.Duration == 0 {
		c.Duration = 20 * time.Second
	}
	if c.People == 0 {
		c.People = 1000
	}
	if c.Revocations == 0 {
		c.Revocations = 20
	}
	c.Revocations = max(c.Revocations, 0)
	if c.Servers == 0 {
		c.Servers = 1
	}
	if c.Cuts > 0 && c.CutFor == 0 {
		c.CutFor = 5 * time.Second
	}
	switch {
	case c.Controllers < 1 || c.Controllers > MaxControllers:
		return fmt.Errorf("controllers must be between 1 and %d", MaxControllers)
	case c.Rate <= 0 || c.Rate > MaxRate:
		return fmt.Errorf("swipes per second must be above 0 and at most %d", MaxRate)
	case c.Duration < 100*time.Millisecond:
		return errors.New("duration must be at least 100ms")
	case c.People < 1 || c.People > MaxPeople:
		return fmt.Errorf("people must be between 1 and %d", MaxPeople)
	case c.Cuts < 0 || c.Cuts > c.Controllers:
		return errors.New("cut controllers must be between 0 and the number of controllers")
	case c.CutFor < 0 || c.CutFor > 10*time.Minute:
		return errors.New("a link cut must last between 0 and 10 minutes")
	case c.Servers < 1 || c.Servers > 16:
		return errors.New("servers must be between 1 and 16")
	case c.Servers > 1 && (c.Server == nil || c.Server.DatabaseURL == ""):
		return errors.New("several servers share one PostgreSQL database: set --database-url")
	case c.StopServer && c.Servers < 2:
		return errors.New("stopping a server needs at least two")
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

// dayTime is a Tuesday 10:30 UTC, inside every shift the demo gives its
// members; nightTime is 02:30 the same day, outside all of them.
func dayTime() time.Time {
	t := time.Now().UTC().Truncate(24 * time.Hour).Add(10*time.Hour + 30*time.Minute)
	for t.Weekday() != time.Tuesday {
		t = t.Add(24 * time.Hour)
	}
	return t
}

// Run starts a server, seeds the demo, enrols and runs the controllers,
// drives the load, the revocations and the link cuts, waits for every
// outbox to drain, matches the events stored with those sent and returns
// the measurements. Errors: bad settings, or a step that failed (start,
// seed, enrol, first snapshot, token, revoke, drain); the simulation stops
// at the first. A revocation that never reached every controller and an
// event lost are not errors: the report shows them.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "lintel-sim-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	srvCfg := config.Config{}
	if cfg.Server != nil {
		srvCfg = *cfg.Server
	}
	srvCfg.Listen, srvCfg.PublicURL = "127.0.0.1:0", ""
	if srvCfg.LogLevel == "" {
		srvCfg.LogLevel, srvCfg.LogFormat = "info", "text"
	}
	srvCfg.DataDir = filepath.Join(tmp, "data") // demo.json always fresh; SQLite too unless a URL is set

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	heap := watchHeap()
	defer heap.stop()
	servers := make([]*server, cfg.Servers)
	for i := range servers {
		one := srvCfg
		one.DataDir = filepath.Join(tmp, fmt.Sprint("data", i))
		if servers[i], err = startServer(ctx, &one, cfg.Log.With("server", i)); err != nil {
			return nil, err
		}
		defer servers[i].stop()
	}
	a := servers[0].App

	seedStart := time.Now()
	info, acct, err := seed(ctx, a, cfg.People, cfg.Seeding)
	if err != nil {
		return nil, err
	}
	r := &Report{Controllers: cfg.Controllers, Servers: cfg.Servers, People: cfg.People, TargetRate: cfg.Rate, SeedSec: time.Since(seedStart).Seconds()}
	channels, _, err := a.Store.ListChannels(ctx, acct.ID, nil, store.Page{})
	if err != nil {
		return nil, err
	}
	if len(channels) == 0 {
		return nil, errors.New("the demo account has no doors")
	}
	day := dayTime()
	night := day.Add(-8 * time.Hour)
	doors := make([]door, cfg.Controllers)
	for i := range doors {
		doors[i] = door{channel: channels[i%len(channels)].ID, night: i%3 == 2}
	}
	agentDir := filepath.Join(tmp, "agents")
	if cfg.AgentDir != "" {
		if agentDir, err = os.MkdirTemp(cfg.AgentDir, "lintel-sim-agents-"); err != nil {
			return nil, fmt.Errorf("agent directory: %w", err)
		}
		defer os.RemoveAll(agentDir)
	}
	ups := &uploads{}
	ctrls, err := enrol(ctx, servers, acct.ID, doors, agentDir, day, night, ups)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range ctrls {
			c.tr.CloseIdleConnections()
		}
	}()
	m, err := newMix(ctx, a.Store, acct.ID, doors, day, night)
	if err != nil {
		return nil, err
	}
	before, err := a.Store.MaxEventID(ctx, acct.ID)
	if err != nil {
		return nil, err
	}

	agentCtx, stopAgents := context.WithCancel(ctx)
	var running sync.WaitGroup
	defer func() { stopAgents(); running.Wait() }()
	if err := startAgents(agentCtx, ctrls, &running, r); err != nil {
		return nil, err
	}

	s := newRun(ctrls, m)
	var doorsDone, revDone sync.WaitGroup
	for _, c := range ctrls {
		doorsDone.Add(1)
		go func() { defer doorsDone.Done(); s.door(c) }()
	}
	var revErr error
	revDone.Add(1)
	go func() {
		defer revDone.Done()
		revErr = s.revocations(ctx, a.BaseURL(), info, acct.EnterprisePIN+"/"+info.AdminEmail, cfg.Revocations, cfg.Duration)
	}()
	cutsDone := make(chan struct{})
	go func() { defer close(cutsDone); s.cutLinks(ctx, cfg.Cuts, cfg.Duration/4, cfg.CutFor) }()
	if cfg.StopServer {
		go s.stopServer(ctx, servers, cfg.Duration/2)
	}
	loadStart := time.Now()
	elapsed := s.load(ctx, cfg.Rate, cfg.Duration, cfg.Swiping)
	loadEnd := loadStart.Add(elapsed)
	revDone.Wait()
	for _, c := range ctrls {
		close(c.jobs)
	}
	doorsDone.Wait()
	<-cutsDone
	if revErr != nil {
		return nil, revErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	drainStart := time.Now()
	if err := drain(ctx, ctrls, time.Minute); err != nil {
		return nil, err
	}
	r.DrainMs = ms(time.Since(drainStart))
	if err := s.receipts(ctx, a.Store, acct.ID, before, loadStart, loadEnd, r); err != nil {
		return nil, err
	}
	r.DurationSec, r.Swipes = elapsed.Seconds(), s.swipes
	r.AchievedRate = float64(s.swipes) / elapsed.Seconds()
	r.Mix, r.Decisions, r.ByKind, r.Probes = s.kinds, s.decisions, s.byKind, int(s.probes.Load())
	r.OfflineDecisions, r.SwipesWhileCut, r.LinkCuts = s.offline, s.whileCut, s.cuts
	if r.LinkCuts > 0 {
		r.CutForSec = cfg.CutFor.Seconds()
	}
	r.Revocations, r.Propagated = s.revoked, len(s.propagation)
	r.LatencyP50ms, r.LatencyP99ms, r.LatencyMaxms = spread(s.latencies)
	r.OpenP50ms, r.OpenP99ms, r.OpenMaxms = spread(s.opens)
	r.Opens = len(s.opens)
	r.PropagationP50ms, r.PropagationP99ms, r.PropagationMaxms = spread(s.propagation)
	if cfg.Servers > 1 {
		r.ArrivalsSame, r.ArrivalsCross = len(s.sameServer), len(s.crossServer)
		r.SameServerP50ms, r.SameServerP99ms, _ = spread(s.sameServer)
		r.CrossServerP50ms, r.CrossServerP99ms, r.CrossServerMaxms = spread(s.crossServer)
		r.StoppedServer = s.stopped
	}
	r.Uploads, r.UploadP50ms, r.UploadP99ms, r.UploadMaxms = ups.summary()
	r.PeakHeapMiB = mib(heap.stop())
	return r, nil
}

// seed creates the demo account with people: the first demoPeople as the
// demo seeds them, the rest in bulk. It gives the account a PIN so that
// "pin/email" names its operator on a database that holds other demo
// accounts. Errors: the store's.
func seed(ctx context.Context, a *app.App, people int, progress func(done, total int)) (*app.DemoInfo, *domain.Account, error) {
	first := min(people, demoPeople)
	report := func(offset int) func(int, int) {
		if progress == nil {
			return nil
		}
		return func(done, _ int) { progress(offset+done, people) }
	}
	info, err := a.EnsureDemo(ctx, first, report(0))
	if err != nil {
		return nil, nil, err
	}
	acct, err := a.Store.GetAccountByUID(ctx, info.AccountID)
	if err != nil {
		return nil, nil, err
	}
	if err := demo.AddPeople(ctx, a.Store, acct.ID, people-first, time.Now(), report(first)); err != nil {
		return nil, nil, err
	}
	if acct.EnterprisePIN == "" {
		acct.EnterprisePIN = fmt.Sprintf("sim%d", rand.Uint64()%1_000_000_000_000)
		if err := a.Store.UpdateAccount(ctx, acct); err != nil {
			return nil, nil, fmt.Errorf("set the demo account's PIN: %w", err)
		}
	}
	return info, acct, nil
}

// server is one Lintel of the simulation, served until stop.
type server struct {
	*app.App
	cancel context.CancelFunc
	served chan error
}

// startServer starts a Lintel with cfg. Errors: app.New's.
func startServer(ctx context.Context, cfg *config.Config, log *slog.Logger) (*server, error) {
	ctx, cancel := context.WithCancel(ctx)
	a, err := app.New(ctx, cfg, app.Options{Log: log})
	if err != nil {
		cancel()
		return nil, err
	}
	s := &server{App: a, cancel: cancel, served: make(chan error, 1)}
	go func() { s.served <- a.Serve(ctx) }()
	return s, nil
}

// stop shuts the server down and waits for it; again does nothing.
func (s *server) stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	<-s.served
	s.Close()
	s.cancel = nil
}

// enrol enrols one controller per door and creates its agent, each with
// its own state directory under dir, its own connections to its server
// (server i mod len(servers)), a clock stopped at day or, for night doors,
// night, and its event uploads counted in ups. Errors: the store's or the
// file system's.
func enrol(ctx context.Context, servers []*server, accountID int64, doors []door, dir string, day, night time.Time, ups *uploads) ([]*ctrl, error) {
	epoch := time.Now()
	a := servers[0]
	out := make([]*ctrl, len(doors))
	for i, d := range doors {
		_, secret, err := controller.Enroll(ctx, a.Store, controller.Enrollment{AccountID: accountID,
			Name: fmt.Sprintf("sim %d", i+1), ChannelIDs: []int64{d.channel}})
		if err != nil {
			return nil, fmt.Errorf("enrol controller %d: %w", i+1, err)
		}
		st, err := agent.OpenState(filepath.Join(dir, fmt.Sprint(i+1)))
		if err != nil {
			return nil, err
		}
		// Like a real controller, each keeps its own few connections.
		tr := &http.Transport{DialContext: (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}
		c := &ctrl{state: st, tr: tr, link: newLink(tr), epoch: epoch, jobs: make(chan swipe, 1024), server: i % len(servers)}
		c.link.uploaded = ups.add
		clock := day
		if d.night {
			clock = night
		}
		c.ag, err = agent.New(agent.Config{Server: servers[c.server].BaseURL(), Secret: secret, State: st, Out: io.Discard, Relay: c,
			HTTP: &http.Client{Timeout: 60 * time.Second, Transport: c.link},
			Now:  func() time.Time { return clock }, Channel: d.channel,
			HeartbeatEvery: 5 * time.Second, RetryMax: 2 * time.Second})
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// startAgents runs the agents until ctx ends and waits for their first
// snapshot: the first agent alone, then the others, so that the heap they
// add is what the controllers cost, without the server's copy. It records
// the size of the first snapshot and the heap per controller in r.
// Errors: the first snapshot not arriving in time, or unreadable.
func startAgents(ctx context.Context, ctrls []*ctrl, running *sync.WaitGroup, r *Report) error {
	start := func(cs []*ctrl) error {
		for _, c := range cs {
			running.Add(1)
			go func() { defer running.Done(); _ = c.ag.Run(ctx) }()
		}
		return waitSynced(ctx, cs, 5*time.Minute)
	}
	base := liveHeap()
	if err := start(ctrls[:1]); err != nil {
		return err
	}
	snap, err := ctrls[0].state.LoadSnapshot()
	if err != nil || snap == nil {
		return fmt.Errorf("read the first controller's snapshot: %v", err)
	}
	r.SnapshotPeople, r.Credentials = len(snap.People), len(snap.Credentials)
	one := liveHeap()
	if err := start(ctrls[1:]); err != nil {
		return err
	}
	if n := len(ctrls) - 1; n > 0 {
		r.HeapPerController = grown(one, liveHeap()) / float64(n)
	} else {
		r.HeapPerController = grown(base, one)
	}
	return nil
}

// waitSynced waits until every agent has a snapshot. Errors: the timeout
// or ctx ending first.
func waitSynced(ctx context.Context, ctrls []*ctrl, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, c := range ctrls {
		for c.ag.Seq() == 0 {
			if time.Now().After(deadline) {
				return errors.New("controllers did not receive their first snapshot in time")
			}
			if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
				return err
			}
		}
	}
	return nil
}

// drain flushes every agent's outbox until all are empty. Errors: the
// timeout (with the last upload error) or ctx ending first.
func drain(ctx context.Context, ctrls []*ctrl, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for i, c := range ctrls {
		for {
			pending, err := c.state.Pending()
			if err != nil {
				return err
			}
			if len(pending) == 0 {
				break
			}
			_, ferr := c.ag.Flush(ctx)
			if time.Now().After(deadline) {
				return fmt.Errorf("controller %d still holds %d events: %v", i+1, len(pending), ferr)
			}
			if ferr != nil {
				if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// run holds the counters of one simulation. The door goroutines write
// them under mu.
type run struct {
	ctrls  []*ctrl
	mix    *mix
	epoch  time.Time
	swept  sync.WaitGroup // swipes handed to doors and not yet decided
	probes atomic.Int64   // decisions asked for to observe revocations

	mu          sync.Mutex
	swipes      int
	offline     int
	whileCut    int
	cuts        int
	latencies   []time.Duration
	opens       []time.Duration
	decisions   map[string]int
	kinds       map[string]int
	byKind      map[string]map[string]int
	sentAt      map[string]time.Duration // event id -> when it was in the outbox, since epoch
	propagation []time.Duration
	revoked     int
	// sameServer and crossServer are, per revocation and controller, how
	// long the revocation took to reach a controller of the server it was
	// made through, or of another server; stopped is the server stopped
	// during the run (-1: none).
	sameServer, crossServer []time.Duration
	stopped                 int
}

func newRun(ctrls []*ctrl, m *mix) *run {
	return &run{ctrls: ctrls, mix: m, epoch: ctrls[0].epoch, decisions: map[string]int{}, kinds: map[string]int{},
		byKind: map[string]map[string]int{}, sentAt: map[string]time.Duration{}, stopped: -1}
}

// load hands swipes to the doors at the given rate for d and returns how
// long it took until the last was decided. A door whose queue is full
// holds the others back: the achieved rate then falls short.
func (s *run) load(ctx context.Context, rate float64, d time.Duration, progress func(done, total int)) time.Duration {
	total := int(rate * d.Seconds())
	every := max(1, int(rate)/10)
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	start := time.Now()
	for i := 0; i < total && ctx.Err() == nil; {
		due := min(total, int(time.Since(start).Seconds()*rate)+1)
		for ; i < due; i++ {
			j := s.mix.draw(r)
			s.swept.Add(1)
			s.ctrls[j.ctrl].jobs <- j
			if progress != nil && (i%every == 0 || i == total-1) {
				progress(i+1, total)
			}
		}
		if i < total {
			_ = sleepCtx(ctx, time.Millisecond)
		}
	}
	s.swept.Wait()
	return time.Since(start)
}

// cutLinks cuts the network of n controllers, spread over all of them,
// after the given time, and restores it d later (also when ctx ends).
func (s *run) cutLinks(ctx context.Context, n int, after, d time.Duration) {
	if n == 0 || sleepCtx(ctx, after) != nil {
		return
	}
	cut := make([]*ctrl, n)
	for i := range cut {
		cut[i] = s.ctrls[i*len(s.ctrls)/n]
		cut[i].link.cut()
	}
	s.mu.Lock()
	s.cuts = n
	s.mu.Unlock()
	_ = sleepCtx(ctx, d)
	for _, c := range cut {
		c.link.restore()
	}
}

// stopServer stops the last server after the given time and moves its
// controllers to server 0, as a load balancer does when a server dies.
func (s *run) stopServer(ctx context.Context, servers []*server, after time.Duration) {
	if sleepCtx(ctx, after) != nil {
		return
	}
	last := len(servers) - 1
	servers[last].stop()
	for _, c := range s.ctrls {
		if c.server == last {
			c.link.redirect(servers[0].BaseURL())
		}
	}
	s.mu.Lock()
	s.stopped = last
	s.mu.Unlock()
}

// uploads counts the controllers' event uploads that the server accepted
// and how long each took.
type uploads struct {
	mu   sync.Mutex
	took []time.Duration
}

func (u *uploads) add(took time.Duration, ok bool) {
	if !ok {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.took = append(u.took, took)
}

// summary returns the number of uploads and the p50, p99 and maximum of
// their durations in milliseconds.
func (u *uploads) summary() (n int, p50, p99, top float64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	p50, p99, top = spread(u.took)
	return len(u.took), p50, p99, top
}
