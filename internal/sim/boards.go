package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/uhppote"
	"github.com/lintel-dev/lintel/internal/uhppote/emulator"
)

// MaxBoards is the most emulated boards BoardsConfig takes.
const MaxBoards = 200

// BoardsConfig sets up a simulation of UHPPOTE boards. Zero values take
// the defaults in brackets.
type BoardsConfig struct {
	Server      *config.Config // database settings; Listen is replaced by 127.0.0.1:0
	Boards      int            // emulated 4-door boards, each its own controller [1]
	People      int            // card holders with 26-bit card numbers [10,000]
	Revocations int            // cards revoked through the API, one at a time (negative: none) [20]
	Swipes      int            // swipes at each board while its packets are lost and its link is cut [200]
	DropRate    float64        // share of the boards' packets lost during the swipes (negative: none) [0.05]
	CutFor      time.Duration  // how long each board is off the network during the swipes [2 s]
	InFlight    int            // requests each driver keeps in flight while loading [8]
	Log         *slog.Logger   // the server's log; nil discards it
}

func (c *BoardsConfig) defaults() error {
	if c.Boards == 0 {
		c.Boards = 1
	}
	if c.People == 0 {
		c.People = 10_000
	}
	if c.Revocations == 0 {
		c.Revocations = 20
	}
	c.Revocations = max(c.Revocations, 0)
	if c.Swipes == 0 {
		c.Swipes = 200
	}
	if c.DropRate == 0 {
		c.DropRate = 0.05
	}
	c.DropRate = max(c.DropRate, 0)
	if c.CutFor == 0 {
		c.CutFor = 2 * time.Second
	}
	if c.InFlight == 0 {
		c.InFlight = 8
	}
	switch {
	case c.Boards < 1 || c.Boards > MaxBoards:
		return fmt.Errorf("boards must be between 1 and %d", MaxBoards)
	case c.People < 1 || c.People > MaxPeople:
		return fmt.Errorf("people must be between 1 and %d", MaxPeople)
	case c.Swipes < 0 || c.Swipes > 100_000:
		return errors.New("swipes per board must be between 0 and 100,000")
	case c.DropRate < 0 || c.DropRate >= 1:
		return errors.New("the packet loss must be at least 0 and below 1")
	case c.CutFor < 0 || c.CutFor > 10*time.Minute:
		return errors.New("a link cut must last between 0 and 10 minutes")
	case c.InFlight < 1 || c.InFlight > 64:
		return errors.New("requests in flight must be between 1 and 64")
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// BoardsReport is what a board simulation measured; durations in
// milliseconds.
type BoardsReport struct {
	Boards int `json:"boards"`
	People int `json:"people"`
	// Cards is how many cards the first board holds after its full load.
	Cards int `json:"cards_per_board"`
	// Load is, per board, from the agent's start until the board held the
	// whole access list (snapshot download, compile and every write).
	LoadP50ms float64 `json:"full_load_p50_ms"`
	LoadMaxms float64 `json:"full_load_max_ms"`
	// CardsPerSecond is the first board's cards divided by its load.
	CardsPerSecond float64 `json:"cards_per_second"`
	InFlight       int     `json:"requests_in_flight"`
	// Delta is, per revocation, from the API's answer until every board's
	// card table no longer held the card.
	Revocations int     `json:"revocations"`
	Propagated  int     `json:"revocations_propagated"`
	DeltaP50ms  float64 `json:"delta_p50_ms"`
	DeltaP99ms  float64 `json:"delta_p99_ms"`
	DeltaMaxms  float64 `json:"delta_max_ms"`
	// Events the boards stored during the swipes (each swipe, plus
	// power-on records) and what Lintel stored of them.
	DropRate     float64 `json:"packet_loss"`
	CutForSec    float64 `json:"cut_for_seconds"`
	Swipes       int     `json:"swipes"`
	EventsBoards int     `json:"events_on_boards"`
	EventsStored int     `json:"events_stored"`
	EventsLost   int     `json:"events_lost"`
	Duplicates   int     `json:"events_stored_twice"`
	ReadBack     int64   `json:"events_read_back"` // read from the boards' stores after a lost push or a cut
	DrainMs      float64 `json:"event_drain_ms"`   // from the last swipe until every event was stored
	PeakHeapMiB  float64 `json:"peak_heap_mib"`
}

// board is one emulated board with its controller.
type board struct {
	emu    *emulator.Board
	drv    *uhppote.Driver
	ag     *agent.Agent
	first  uint32 // the board's newest event before the run: not Lintel's
	loaded time.Duration
}

// RunBoards starts a Lintel, seeds the demo with People card holders,
// enrols Boards emulated 4-door boards (each on the demo's four
// Shoreditch doors), runs an agent with the UHPPOTE driver for each, and
// measures the full load, how fast revocations reach every board's card
// table, and whether every board event arrives once while packets are
// lost and the boards fall off the network. Errors: bad settings or a
// step that failed; lost events and slow revocations are in the report.
func RunBoards(ctx context.Context, cfg BoardsConfig) (*BoardsReport, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "lintel-sim-boards-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	srvCfg := config.Config{}
	if cfg.Server != nil {
		srvCfg = *cfg.Server
	}
	srvCfg.Listen, srvCfg.PublicURL, srvCfg.DataDir = "127.0.0.1:0", "", filepath.Join(tmp, "data")
	if srvCfg.LogLevel == "" {
		srvCfg.LogLevel, srvCfg.LogFormat = "info", "text"
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	heap := watchHeap()
	defer heap.stop()
	srv, err := startServer(ctx, &srvCfg, cfg.Log)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	a := srv.App

	info, err := a.EnsureDemo(ctx, 20, nil)
	if err != nil {
		return nil, err
	}
	acct, err := a.Store.GetAccountByUID(ctx, info.AccountID)
	if err != nil {
		return nil, err
	}
	if err := demo.AddWiegandPeople(ctx, a.Store, acct.ID, cfg.People, time.Now(), nil); err != nil {
		return nil, err
	}
	if acct.EnterprisePIN == "" {
		acct.EnterprisePIN = fmt.Sprintf("simb%d", time.Now().UnixNano()%1_000_000_000)
		if err := a.Store.UpdateAccount(ctx, acct); err != nil {
			return nil, err
		}
	}
	doors, err := shoreditchDoors(ctx, a.Store, acct.ID)
	if err != nil {
		return nil, err
	}
	r := &BoardsReport{Boards: cfg.Boards, People: cfg.People, InFlight: cfg.InFlight, DropRate: cfg.DropRate, CutForSec: cfg.CutFor.Seconds()}
	boards, stop, err := startBoards(ctx, a, acct.ID, doors, cfg, tmp)
	defer stop()
	if err != nil {
		return nil, err
	}
	var loads []time.Duration
	for _, b := range boards {
		loads = append(loads, b.loaded)
	}
	r.LoadP50ms, _, r.LoadMaxms = spread(loads)
	r.Cards = boards[0].emu.CardCount()
	r.CardsPerSecond = float64(r.Cards) / boards[0].loaded.Seconds()

	if err := boardRevocations(ctx, a, info, acct, boards, cfg.Revocations, r); err != nil {
		return nil, err
	}
	if err := boardEvents(ctx, a.Store, acct.ID, boards, cfg, r); err != nil {
		return nil, err
	}
	for _, b := range boards {
		r.ReadBack += b.drv.Stats().Gaps
	}
	r.PeakHeapMiB = mib(heap.stop())
	return r, nil
}

// shoreditchDoors returns the demo's four doors on its first site.
func shoreditchDoors(ctx context.Context, st *store.Store, accountID int64) (uhppote.Doors, error) {
	chans, _, err := st.ListChannels(ctx, accountID, nil, store.Page{})
	if err != nil {
		return uhppote.Doors{}, err
	}
	var d uhppote.Doors
	for i, c := range chans {
		if i < 4 {
			d[i] = c.ID
		}
	}
	if d[3] == 0 {
		return d, errors.New("the demo account has fewer than four doors")
	}
	return d, nil
}

// startBoards starts the emulated boards and their agents, and waits for
// each board's full load. stop ends them all.
func startBoards(ctx context.Context, a *app.App, accountID int64, doors uhppote.Doors, cfg BoardsConfig, dir string) ([]*board, func(), error) {
	agentCtx, cancel := context.WithCancel(ctx)
	var running sync.WaitGroup
	var boards []*board
	stop := func() {
		cancel()
		running.Wait()
		for _, b := range boards {
			_ = b.emu.Close()
		}
	}
	for i := range cfg.Boards {
		serial := uint32(423_000_000 + i)
		emu, err := emulator.Start(emulator.Config{Serial: serial})
		if err != nil {
			return boards, stop, err
		}
		b := &board{emu: emu, first: uint32(len(emu.Events()))}
		boards = append(boards, b)
		_, secret, err := controller.Enroll(ctx, a.Store, controller.Enrollment{AccountID: accountID, Name: fmt.Sprintf("board %d", serial),
			ChannelIDs: doors[:]})
		if err != nil {
			return boards, stop, err
		}
		state := filepath.Join(dir, "agents", fmt.Sprint(serial))
		st, err := agent.OpenState(state)
		if err != nil {
			return boards, stop, err
		}
		b.drv, err = uhppote.New(uhppote.Config{Serial: serial, Addr: emu.Addr(), Doors: doors, StateDir: state,
			Listen: "127.0.0.1:0", Bind: netip.MustParseAddr("127.0.0.1"), Timeout: 100 * time.Millisecond, Retries: 8,
			InFlight: cfg.InFlight, PollEvery: 250 * time.Millisecond})
		if err != nil {
			return boards, stop, err
		}
		b.ag, err = agent.New(agent.Config{Server: a.BaseURL(), Secret: secret, State: st, Out: io.Discard, Board: b.drv,
			HeartbeatEvery: time.Second, RetryMax: time.Second, HTTP: &http.Client{Timeout: 60 * time.Second}})
		if err != nil {
			return boards, stop, err
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(boards))
	for i, b := range boards {
		start := time.Now()
		running.Add(1)
		go func() { defer running.Done(); _ = b.ag.Run(agentCtx) }()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = until(ctx, 5*time.Minute, func() bool {
				s := b.drv.Stats()
				return s.FullLoads > 0 && b.ag.Seq() != 0 && s.LoadedSeq == b.ag.Seq()
			})
			b.loaded = time.Since(start)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return boards, stop, fmt.Errorf("full load: %w", err)
	}
	return boards, stop, nil
}

// until polls cond every millisecond. Errors: limit or ctx passing first.
func until(ctx context.Context, limit time.Duration, cond func() bool) error {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %s", limit)
		}
		if err := sleepCtx(ctx, time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// boardRevocations deletes n cards through the API, one at a time, and
// times each until no board holds it.
func boardRevocations(ctx context.Context, a *app.App, info *app.DemoInfo, acct *domain.Account, boards []*board, n int, r *BoardsReport) error {
	if n == 0 {
		return nil
	}
	tok, err := token(ctx, a.BaseURL(), info, acct.EnterprisePIN+"/"+info.AdminEmail)
	if err != nil {
		return err
	}
	creds, _, err := a.Store.ListCredentials(ctx, acct.ID, nil, store.Page{})
	if err != nil {
		return err
	}
	var took []time.Duration
	for _, c := range creds {
		if r.Revocations == n {
			break
		}
		num, ok := boardCard(c)
		if !ok {
			continue
		}
		if _, held := boards[0].emu.Card(num); !held {
			continue
		}
		start := time.Now()
		if err := deleteCredential(ctx, a.BaseURL(), tok, c.PersonID, c.UID); err != nil {
			return err
		}
		r.Revocations++
		err := until(ctx, propagationLimit, func() bool {
			for _, b := range boards {
				if _, held := b.emu.Card(num); held {
					return false
				}
			}
			return true
		})
		if err == nil {
			r.Propagated++
			took = append(took, time.Since(start))
		}
	}
	r.DeltaP50ms, r.DeltaP99ms, r.DeltaMaxms = spread(took)
	return nil
}

// boardCard reads a credential as a board card number.
func boardCard(c *domain.Credential) (uint32, bool) {
	if c.Value == nil || c.Label != "Card" {
		return 0, false
	}
	var n uint32
	if _, err := fmt.Sscan(*c.Value, &n); err != nil || fmt.Sprint(n) != *c.Value {
		return 0, false
	}
	return n, true
}

// deleteCredential deletes a person's credential through the API.
func deleteCredential(ctx context.Context, base, tok string, personID int64, uid string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, fmt.Sprintf("%s/api/3/people/%d/credentials/%s", base, personID, uid), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<12))
		return fmt.Errorf("revoke credential %s: %d %s", uid, res.StatusCode, strings.TrimSpace(string(b)))
	}
	return nil
}

// boardEvents swipes cards at every board while a share of its packets
// is lost, cuts each board off the network for a while in the middle,
// then waits until Lintel stored the events and counts those lost.
func boardEvents(ctx context.Context, st *store.Store, accountID int64, boards []*board, cfg BoardsConfig, r *BoardsReport) error {
	var wg sync.WaitGroup
	for i, b := range boards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.emu.SetDropRate(cfg.DropRate)
			for k := range cfg.Swipes {
				if k == cfg.Swipes/2 && cfg.CutFor > 0 {
					b.emu.SetOnline(false)
					time.AfterFunc(cfg.CutFor, func() { b.emu.SetOnline(true) })
				}
				_, _ = b.emu.Swipe(uint32(100_001+(i*7919+k*104729)%25_000_000), uint8(1+k%4))
				_ = sleepCtx(ctx, time.Duration(float64(cfg.CutFor)*2/float64(max(cfg.Swipes, 1))))
			}
		}()
	}
	wg.Wait()
	r.Swipes = cfg.Swipes * len(boards)
	for _, b := range boards {
		_ = until(ctx, cfg.CutFor+5*time.Second, func() bool { return b.drv.Online() })
		b.emu.SetDropRate(0)
	}
	want := map[string]bool{}
	for _, b := range boards {
		for _, e := range b.emu.Events() {
			if e.Index <= b.first {
				continue
			}
			id := fmt.Sprintf("uhppote-%d-%d-%s", b.emu.Serial(), e.Index, e.At.Format("20060102T150405"))
			if e.Reason == emulator.ReasonPowerOn {
				continue
			}
			want[id] = true
		}
	}
	r.EventsBoards = len(want)
	start := time.Now()
	stored := map[string]int{}
	_ = until(ctx, 2*time.Minute, func() bool {
		list, _, err := st.ListEvents(ctx, accountID, store.EventFilter{Page: store.Page{Limit: 1_000_000}})
		if err != nil {
			return false
		}
		stored = map[string]int{}
		for _, e := range list {
			if e.ClientEventID != nil && want[*e.ClientEventID] {
				stored[*e.ClientEventID]++
			}
		}
		return len(stored) == len(want)
	})
	r.DrainMs = ms(time.Since(start))
	for _, n := range stored {
		r.EventsStored += n
		if n > 1 {
			r.Duplicates++
		}
	}
	r.EventsLost = len(want) - len(stored)
	return nil
}

// Print writes the report for a person.
func (r *BoardsReport) Print(w io.Writer) {
	fmt.Fprintf(w, "UHPPOTE boards: %d (4 doors each), %d card holders\n", r.Boards, r.People)
	fmt.Fprintf(w, "  full load        %d cards per board: p50 %.0f ms, max %.0f ms (%.0f cards/s, %d requests in flight)\n",
		r.Cards, r.LoadP50ms, r.LoadMaxms, r.CardsPerSecond, r.InFlight)
	fmt.Fprintf(w, "  revocations      %d of %d reached every board's card table: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		r.Propagated, r.Revocations, r.DeltaP50ms, r.DeltaP99ms, r.DeltaMaxms)
	fmt.Fprintf(w, "  events           %d swipes with %.0f%% packet loss and a %.1f s cut per board: %d on the boards, %d stored, %d lost, %d stored twice\n",
		r.Swipes, r.DropRate*100, r.CutForSec, r.EventsBoards, r.EventsStored, r.EventsLost, r.Duplicates)
	fmt.Fprintf(w, "                   %d read back from the boards' stores; all stored %.0f ms after the last swipe\n", r.ReadBack, r.DrainMs)
	fmt.Fprintf(w, "  peak heap        %.0f MiB\n", r.PeakHeapMiB)
}
