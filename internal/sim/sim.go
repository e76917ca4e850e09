package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/store"
)

// Config sets up a simulation. Zero values take the defaults in brackets.
type Config struct {
	Server      *config.Config // database settings; Listen is replaced by 127.0.0.1:0
	Controllers int            // [20]
	Rate        float64        // presentations per second over all controllers [200]
	Duration    time.Duration  // [20 s]
	People      int            // demo people [1000]
	Revocations int            // cards revoked through the API during the run (negative: none) [20]
	Log         *slog.Logger   // the server's log; nil discards it
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
	switch {
	case c.Controllers < 1 || c.Controllers > 5000:
		return errors.New("controllers must be between 1 and 5000")
	case c.Rate <= 0 || c.Rate > 100000:
		return errors.New("swipes per second must be above 0 and at most 100000")
	case c.Duration < 100*time.Millisecond:
		return errors.New("duration must be at least 100ms")
	case c.People < 1 || c.People > 100000:
		return errors.New("people must be between 1 and 100000")
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
// drives the load and the revocations, waits for every outbox to drain and
// returns the measurements. Errors: bad settings, or a step that failed
// (start, seed, enrol, token, revoke, drain); the simulation stops at the
// first. A revocation that never reached every controller is not an error:
// the report shows it.
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
	a, err := app.New(ctx, &srvCfg, app.Options{Log: cfg.Log})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx) }()
	defer func() { cancel(); <-served }()

	info, err := a.EnsureDemo(ctx, cfg.People, cfg.Seeding)
	if err != nil {
		return nil, err
	}
	acct, err := a.Store.GetAccountByUID(ctx, info.AccountID)
	if err != nil {
		return nil, err
	}
	if acct.EnterprisePIN == "" {
		// On a shared database the operator's email is in every demo
		// account; a PIN makes "pin/email" name this one.
		acct.EnterprisePIN = fmt.Sprintf("sim%d", rand.Uint64()%1_000_000_000_000)
		if err := a.Store.UpdateAccount(ctx, acct); err != nil {
			return nil, fmt.Errorf("set the demo account's PIN: %w", err)
		}
	}
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
	agents := make([]*agent.Agent, cfg.Controllers)
	states := make([]*agent.State, cfg.Controllers)
	for i := range doors {
		doors[i] = door{channel: channels[i%len(channels)].ID, night: i%3 == 2}
		_, secret, err := controller.Enroll(ctx, a.Store, controller.Enrollment{AccountID: acct.ID,
			Name: fmt.Sprintf("sim %d", i+1), ChannelIDs: []int64{doors[i].channel}})
		if err != nil {
			return nil, fmt.Errorf("enrol controller %d: %w", i+1, err)
		}
		if states[i], err = agent.OpenState(filepath.Join(tmp, fmt.Sprint("agent", i))); err != nil {
			return nil, err
		}
		clock := day
		if doors[i].night {
			clock = night
		}
		agents[i], err = agent.New(agent.Config{Server: a.BaseURL(), Secret: secret, State: states[i], Out: io.Discard,
			Now: func() time.Time { return clock }, Channel: doors[i].channel,
			HeartbeatEvery: 5 * time.Second, RetryMax: 2 * time.Second})
		if err != nil {
			return nil, err
		}
	}
	m, err := newMix(ctx, a.Store, acct.ID, doors, day, night)
	if err != nil {
		return nil, err
	}
	_, before, err := a.Store.ListEvents(ctx, acct.ID, store.EventFilter{Page: store.Page{Limit: 1}})
	if err != nil {
		return nil, err
	}

	agentCtx, stopAgents := context.WithCancel(ctx)
	var running sync.WaitGroup
	for _, ag := range agents {
		running.Add(1)
		go func() { defer running.Done(); _ = ag.Run(agentCtx) }()
	}
	defer func() { stopAgents(); running.Wait() }()
	if err := waitSynced(ctx, agents, 30*time.Second); err != nil {
		return nil, err
	}

	s := &run{agents: agents, mix: m, decisions: map[string]int{}, kinds: map[string]int{},
		byKind: map[string]map[string]int{}}
	var revErr error
	var revDone sync.WaitGroup
	revDone.Add(1)
	go func() {
		defer revDone.Done()
		revErr = s.revocations(ctx, a.BaseURL(), info, acct.EnterprisePIN+"/"+info.AdminEmail, cfg.Revocations, cfg.Duration)
	}()
	elapsed := s.load(ctx, cfg.Rate, cfg.Duration, cfg.Swiping)
	revDone.Wait()
	if revErr != nil {
		return nil, revErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	drainStart := time.Now()
	if err := drain(ctx, agents, states, time.Minute); err != nil {
		return nil, err
	}
	drained := time.Since(drainStart)
	_, after, err := a.Store.ListEvents(ctx, acct.ID, store.EventFilter{Page: store.Page{Limit: 1}})
	if err != nil {
		return nil, err
	}
	r := &Report{Controllers: cfg.Controllers, People: cfg.People, TargetRate: cfg.Rate,
		DurationSec: elapsed.Seconds(), Swipes: int(s.swipes.Load()),
		AchievedRate: float64(s.swipes.Load()) / elapsed.Seconds(),
		Mix:          s.kinds, Decisions: s.decisions, ByKind: s.byKind, Probes: int(s.probes.Load()), EventsSent: int(s.sent.Load()), EventsStored: after - before,
		DrainMs: ms(drained), Revocations: s.revoked, Propagated: len(s.propagation)}
	r.summarize(s.latencies, s.propagation)
	return r, nil
}

// waitSynced waits until every agent has a snapshot. Errors: the timeout
// or ctx ending first.
func waitSynced(ctx context.Context, agents []*agent.Agent, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, ag := range agents {
		for ag.Seq() == 0 {
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
func drain(ctx context.Context, agents []*agent.Agent, states []*agent.State, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for i, ag := range agents {
		for {
			pending, err := states[i].Pending()
			if err != nil {
				return err
			}
			if len(pending) == 0 {
				break
			}
			_, ferr := ag.Flush(ctx)
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

// run holds the counters of one simulation.
type run struct {
	agents []*agent.Agent
	mix    *mix

	swipes, sent atomic.Int64
	mu           sync.Mutex
	latencies    []time.Duration
	decisions    map[string]int
	kinds        map[string]int
	byKind       map[string]map[string]int
	probes       atomic.Int64
	propagation  []time.Duration
	revoked      int
}

// load presents swipes at the given rate for d, spread over workers, and
// returns how long it took.
func (s *run) load(ctx context.Context, rate float64, d time.Duration, progress func(done, total int)) time.Duration {
	total := int(rate * d.Seconds())
	jobs := make(chan swipe, 1024)
	var wg sync.WaitGroup
	for range min(32, max(4, len(s.agents))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				s.present(j)
			}
		}()
	}
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	start := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	for i := 0; i < total && ctx.Err() == nil; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			_ = sleepCtx(ctx, wait)
		}
		jobs <- s.mix.draw(r)
		if progress != nil && (i%max(1, int(rate)/10) == 0 || i == total-1) {
			progress(i+1, total)
		}
	}
	close(jobs)
	wg.Wait()
	return time.Since(start)
}

// present makes one swipe and records its latency and outcome.
func (s *run) present(j swipe) {
	t := time.Now()
	o, err := s.agents[j.ctrl].Present(agent.Presentation{Kind: "card", Value: j.value})
	lat := time.Since(t)
	s.swipes.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kinds[j.kind]++
	if err != nil {
		s.decisions["error"]++
		return
	}
	s.sent.Add(1)
	s.latencies = append(s.latencies, lat)
	verdict := "deny"
	if o.Decision.Admit {
		verdict = "admit"
	}
	outcome := fmt.Sprintf("%s %d", verdict, o.Decision.Code)
	s.decisions[outcome]++
	if s.byKind[j.kind] == nil {
		s.byKind[j.kind] = map[string]int{}
	}
	s.byKind[j.kind][outcome]++
}
