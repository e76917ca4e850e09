package bench

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// Config says what to measure and how hard.
type Config struct {
	// DatabaseURL is a PostgreSQL URL; Run works in a schema of its own
	// that it drops at the end. Empty: SQLite in a temporary directory.
	DatabaseURL string
	People      int           // people on the demo account (default 10,000)
	Events      int           // events in the 90-day window (default 100,000)
	Rounds      int           // rounds of each measure; medians are reported (default 3)
	Duration    time.Duration // length of one round of one measure (default 3s)
	ListC       int           // concurrency of the list pages and their ceilings (default 16)
	WriteC      int           // concurrency of the writes and the bare inserts (default 8)
	RefreshC    int           // concurrency of the refresh grants (default 16)
	// RefreshAnchor, when set, is the base URL of an OAuth 2.0 server the
	// refresh grant is measured beside (its token endpoint is
	// RefreshAnchor+"/oauth/token"): tools/fosite-anchor, or any server
	// with the password and refresh grants for the client and user of
	// AnchorClient. Empty: the refresh grant is held against 2,500/s.
	RefreshAnchor string
	Idle          time.Duration // how long idle CPU is measured (default 5s)
	// Only, when not empty, limits the run to the measures whose group is
	// listed: "lists", "deep", "writes", "refresh", "all", "idle".
	Only []string
	// Progress receives one line per phase and round; nil discards them.
	Progress io.Writer
	// Seeded, when not nil, is called once the data is seeded, before the
	// first measure (to start a CPU profile, say).
	Seeded func() error
}

func (c *Config) defaults() {
	if c.People <= 0 {
		c.People = 10000
	}
	if c.Events < 0 {
		c.Events = 0
	} else if c.Events == 0 {
		c.Events = 100000
	}
	if c.Rounds <= 0 {
		c.Rounds = 3
	}
	if c.Duration <= 0 {
		c.Duration = 3 * time.Second
	}
	if c.ListC <= 0 {
		c.ListC = 16
	}
	if c.WriteC <= 0 {
		c.WriteC = 8
	}
	if c.RefreshC <= 0 {
		c.RefreshC = 16
	}
	if c.Idle <= 0 {
		c.Idle = 5 * time.Second
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

func (c *Config) wants(group string) bool {
	return len(c.Only) == 0 || slices.Contains(c.Only, group)
}

// Row is one measure: Lintel's rate beside its anchor's in the same run.
type Row struct {
	Name        string  `json:"name"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate"`             // requests (or rows) per second, median of the rounds
	CPUms       float64 `json:"cpu_ms"`           // process CPU per request, load generator included
	Bytes       int     `json:"bytes,omitempty"`  // response size, for list pages
	Anchor      string  `json:"anchor,omitempty"` // what it is compared with
	AnchorRate  float64 `json:"anchor_rate,omitempty"`
	Ratio       float64 `json:"ratio,omitempty"`  // Rate / AnchorRate (for "cost" rows: anchor's cost / ours)
	Errors      int     `json:"errors,omitempty"` // failed requests over all rounds
	Note        string  `json:"note,omitempty"`
}

// Report is the outcome of Run.
type Report struct {
	Database    string  `json:"database"`
	People      int     `json:"people"`
	Events      int     `json:"events"`
	Rounds      int     `json:"rounds"`
	RoundSec    float64 `json:"round_sec"`
	SeedPeopleS float64 `json:"seed_people_sec"` // demo seeding of the people (demo + bulk path)
	SeedEventsS float64 `json:"seed_events_sec"`
	Rows        []Row   `json:"rows"`
	// SkipPagination is GET /api/3/people?skip_pagination=true, once.
	SkipPagination *OneShot `json:"skip_pagination,omitempty"`
	// IdleCPU is the process's CPU use while nothing is asked of it, in
	// percent of one core.
	IdleCPU *float64 `json:"idle_cpu_percent,omitempty"`
}

// OneShot is one timed request.
type OneShot struct {
	Status  int     `json:"status"`
	Seconds float64 `json:"seconds"`
	Bytes   int64   `json:"bytes"`
	Items   string  `json:"total"` // the Total header
	HeapMiB float64 `json:"peak_heap_mib"`
}

// Run starts a Lintel in-process on a free port with the demo account,
// people and events, and measures it beside its anchors: a static
// net/http server sending the same bytes for each list page, a bare
// INSERT of the same row with the same driver for the writes.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.defaults()
	tmp, err := os.MkdirTemp("", "lintel-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	lc := &config.Config{Listen: "127.0.0.1:0", DataDir: tmp, LogLevel: "error", LogFormat: "text",
		RateLimit: 1e6, AccountRateLimit: 1e6}
	rep := &Report{Database: "sqlite", People: cfg.People, Events: cfg.Events, Rounds: cfg.Rounds, RoundSec: cfg.Duration.Seconds()}
	if cfg.DatabaseURL != "" {
		rep.Database = "postgres"
		u, drop, err := scratchSchema(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, err
		}
		defer drop()
		lc.DatabaseURL = u
	}
	if err := lc.Validate(); err != nil {
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	srvCtx, stopSrv := context.WithCancel(ctx)
	a, err := app.New(srvCtx, lc, app.Options{Log: log, Command: "lintel bench"})
	if err != nil {
		stopSrv()
		return nil, err
	}
	served := make(chan error, 1)
	go func() { served <- a.Serve(srvCtx) }()
	defer func() {
		stopSrv()
		<-served
		a.Close()
	}()

	b := &bencher{cfg: cfg, rep: rep, base: a.BaseURL(), client: newClient(max(cfg.ListC, cfg.WriteC, cfg.RefreshC))}
	defer b.client.CloseIdleConnections()
	if err := b.seed(ctx, a); err != nil {
		return nil, err
	}
	if err := b.login(ctx); err != nil {
		return nil, err
	}
	static, err := startStatic()
	if err != nil {
		return nil, err
	}
	defer static.close()
	b.static = static
	if cfg.Seeded != nil {
		if err := cfg.Seeded(); err != nil {
			return nil, err
		}
	}

	if cfg.wants("lists") {
		// Each list twice: as an integration polling it sees it (a page
		// unchanged since it was computed comes from the list cache,
		// after one read of the list's version), then computed from
		// the database on every request, with the cache off.
		for _, cached := range []bool{true, false} {
			a.API.SetListCache(cached)
			suffix := ""
			if !cached {
				suffix = ", computed (list cache off)"
			}
			for _, l := range []struct{ name, path string }{
				{"GET /api/3/people?per_page=100", "/api/3/people?per_page=100"},
				{"GET /api/3/events?per_page=100", "/api/3/events?per_page=100"},
				{"GET /api/3/credentials?per_page=100", "/api/3/credentials?per_page=100"},
			} {
				if err := b.listVsStatic(ctx, l.name+suffix, l.path); err != nil {
					return nil, err
				}
			}
		}
		a.API.SetListCache(true)
	}
	if cfg.wants("deep") {
		// What a page costs to compute: the cache would hide it.
		a.API.SetListCache(false)
		last := (cfg.People + 99) / 100
		if err := b.pageCost(ctx, "people: last page vs first", "/api/3/people?per_page=100&page=1",
			fmt.Sprintf("/api/3/people?per_page=100&page=%d", last)); err != nil {
			return nil, err
		}
		deep := min(500, max(1, cfg.Events/100))
		if err := b.pageCost(ctx, fmt.Sprintf("events: page %d vs page 1", deep), "/api/3/events?per_page=100&page=1",
			fmt.Sprintf("/api/3/events?per_page=100&page=%d", deep)); err != nil {
			return nil, err
		}
		a.API.SetListCache(true)
	}
	if cfg.wants("writes") {
		if err := b.writes(ctx, tmp, lc.DSN()); err != nil {
			return nil, err
		}
	}
	if cfg.wants("refresh") {
		if err := b.refresh(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.wants("all") {
		if rep.SkipPagination, err = b.skipPagination(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.wants("idle") {
		b.client.CloseIdleConnections()
		fmt.Fprintf(cfg.Progress, "idle CPU: measuring for %s\n", cfg.Idle)
		time.Sleep(200 * time.Millisecond)
		c0, t0 := cpuTime(), time.Now()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(cfg.Idle):
		}
		pct := 100 * float64(cpuTime()-c0) / float64(time.Since(t0))
		rep.IdleCPU = &pct
	}
	return rep, nil
}

// scratchSchema creates a schema of its own on the PostgreSQL server and
// returns a URL selecting it, and a function dropping it.
func scratchSchema(ctx context.Context, dsn string) (string, func(), error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	suffix := make([]byte, 4)
	_, _ = crand.Read(suffix)
	schema := "lintel_bench_" + hex.EncodeToString(suffix)
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create a scratch schema: %w", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = db.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		db.Close()
	}, nil
}

type bencher struct {
	cfg    Config
	rep    *Report
	base   string
	client *http.Client
	static *staticServer

	info    *app.DemoInfo
	account int64
	token   string
}

func newClient(conns int) *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: 0,
		DisableCompression: true, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
}

// seed creates the demo account with cfg.People people (the demo's first
// people one by one as "lintel demo" does, the rest through the bulk path)
// and cfg.Events events in the last 80 days.
func (b *bencher) seed(ctx context.Context, a *app.App) error {
	fmt.Fprintf(b.cfg.Progress, "seeding %d people\n", b.cfg.People)
	t0 := time.Now()
	step := max(b.cfg.People/10, 1)
	next := step
	progress := func(done, total int) {
		if done >= next || done == total {
			fmt.Fprintf(b.cfg.Progress, "  people %d/%d (%.1fs)\n", done, total, time.Since(t0).Seconds())
			next = done + step
		}
	}
	info, err := a.EnsureDemo(ctx, b.cfg.People, progress)
	if err != nil {
		return err
	}
	b.rep.SeedPeopleS = time.Since(t0).Seconds()
	b.info = info
	acct, err := a.Store.GetAccountByUID(ctx, info.AccountID)
	if err != nil {
		return err
	}
	b.account = acct.ID
	fmt.Fprintf(b.cfg.Progress, "  people seeded in %.1fs\n", b.rep.SeedPeopleS)
	if b.cfg.Events == 0 {
		return nil
	}
	fmt.Fprintf(b.cfg.Progress, "seeding %d events\n", b.cfg.Events)
	t0 = time.Now()
	people, _, err := a.Store.ListPeople(ctx, acct.ID, store.PersonFilter{Page: store.Page{Limit: 1000}})
	if err != nil {
		return err
	}
	doors, _, err := a.Store.ListChannels(ctx, acct.ID, nil, store.Page{})
	if err != nil {
		return err
	}
	if len(people) == 0 || len(doors) == 0 {
		return errors.New("bench: the demo has no people or doors")
	}
	rnd := rand.New(rand.NewPCG(13, 13))
	now := time.Now().UTC()
	codes := []struct {
		code  int
		label string
	}{{10, "admitted using card"}, {11, "admitted using PIN"}, {20, "rejected: card not valid for this door"}, {24, "rejected: wrong PIN"}}
	const chunk = 5000
	for done := 0; done < b.cfg.Events; done += chunk {
		batch := make([]*domain.Event, 0, chunk)
		for i := done; i < min(done+chunk, b.cfg.Events); i++ {
			p, d, c := people[rnd.IntN(len(people))], doors[rnd.IntN(len(doors))], codes[rnd.IntN(len(codes))]
			name := p.FirstName + " " + p.LastName
			at := now.Add(-time.Duration(rnd.Int64N(int64(80 * 24 * time.Hour)))).Truncate(time.Millisecond)
			var card *string
			if c.code == 10 || c.code == 20 {
				card = new(string)
				*card = fmt.Sprint(1_000_000_000 + rnd.Int64N(9_000_000_000))
			}
			batch = append(batch, &domain.Event{AccountID: acct.ID, EventCode: c.code, EventLabel: name + " " + c.label,
				ChannelID: &d.ID, ChannelName: &d.Name, PersonID: &p.ID, PersonName: &name, PersonFirstName: &p.FirstName,
				PersonLastName: &p.LastName, CredentialsNumber: card, CreatedAt: at})
		}
		if err := a.Store.BulkCreateEvents(ctx, batch); err != nil {
			return err
		}
		if d := done + len(batch); d%(chunk*4) == 0 || d == b.cfg.Events {
			fmt.Fprintf(b.cfg.Progress, "  events %d/%d (%.1fs)\n", d, b.cfg.Events, time.Since(t0).Seconds())
		}
	}
	if err := a.Store.AfterBulkLoad(ctx, "events", "event_day_counts"); err != nil {
		return err
	}
	b.rep.SeedEventsS = time.Since(t0).Seconds()
	return nil
}

// login takes an access token with the demo's password grant.
func (b *bencher) login(ctx context.Context) error {
	tok, err := b.passwordGrant(ctx, b.lintelClient())
	if err != nil {
		return err
	}
	b.token = tok.Access
	return nil
}

type tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

// oauthClient is who asks a token endpoint for tokens: the base URL of
// the server, its client's credentials, and the user of the password
// grant.
type oauthClient struct {
	base, id, secret, user, password, scope string
}

// AnchorClient is the client and user the refresh anchor (RefreshAnchor)
// must know: tools/fosite-anchor is set up with them.
var AnchorClient = struct{ ID, Secret, User, Password, Scope string }{"bench", "bench-secret", "bench", "bench", "bench"}

// lintelClient is the demo's OAuth client and admin on the Lintel measured.
func (b *bencher) lintelClient() oauthClient {
	return oauthClient{b.base, b.info.ClientID, b.info.ClientSecret, b.info.AdminEmail, b.info.AdminPassword, b.info.Scope}
}

func (b *bencher) passwordGrant(ctx context.Context, c oauthClient) (tokens, error) {
	return b.tokenRequest(ctx, c, url.Values{"grant_type": {"password"}, "username": {c.user},
		"password": {c.password}, "scope": {c.scope}})
}

func (b *bencher) tokenRequest(ctx context.Context, c oauthClient, form url.Values) (tokens, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return tokens{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.id, c.secret)
	resp, err := b.client.Do(req)
	if err != nil {
		return tokens{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return tokens{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return tokens{}, fmt.Errorf("token endpoint answered %d: %.200s", resp.StatusCode, body)
	}
	var t tokens
	if err := json.Unmarshal(body, &t); err != nil || t.Access == "" {
		return tokens{}, fmt.Errorf("token endpoint: unreadable answer %.200s", body)
	}
	return t, nil
}

// get performs an authenticated GET and returns the status, headers and body.
func (b *bencher) get(ctx context.Context, path string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", b.base+path, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// result is one round of closed-loop load.
type result struct {
	n, errs int
	elapsed time.Duration
	cpu     time.Duration
	firstEr error
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// closedLoop runs c workers, each sending its next request as soon as the
// previous one is answered, for d. do returns an error for a failed request.
func closedLoop(ctx context.Context, c int, d time.Duration, do func(ctx context.Context, worker int) error) result {
	var n, errs atomic.Int64
	var firstErr atomic.Pointer[error]
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	deadline := time.Now().Add(d)
	cpu0, t0 := cpuTime(), time.Now()
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := do(ctx, w); err != nil {
					if ctx.Err() != nil {
						return
					}
					errs.Add(1)
					firstErr.CompareAndSwap(nil, &err)
					continue
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	r := result{n: int(n.Load()), errs: int(errs.Load()), elapsed: time.Since(t0), cpu: cpuTime() - cpu0}
	if e := firstErr.Load(); e != nil {
		r.firstEr = *e
	}
	return r
}

// summary is the median of rounds.
type summary struct {
	rate, cpuMS float64
	errs        int
	firstErr    error
}

func summarize(rs []result) summary {
	rates := make([]float64, len(rs))
	cpus := make([]float64, len(rs))
	var s summary
	for i, r := range rs {
		rates[i] = r.rate()
		if r.n > 0 {
			cpus[i] = float64(r.cpu.Microseconds()) / 1000 / float64(r.n)
		}
		s.errs += r.errs
		if s.firstErr == nil {
			s.firstErr = r.firstEr
		}
	}
	s.rate, s.cpuMS = median(rates), median(cpus)
	return s
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// rounds alternates the measures given, round after round, so that both
// see the same machine, and returns the summary of each.
func (b *bencher) rounds(ctx context.Context, name string, c int, measures ...func(ctx context.Context, worker int) error) ([]summary, error) {
	all := make([][]result, len(measures))
	for r := range b.cfg.Rounds {
		for i, m := range measures {
			res := closedLoop(ctx, c, b.cfg.Duration, m)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			all[i] = append(all[i], res)
			fmt.Fprintf(b.cfg.Progress, "  %s round %d/%d, measure %d/%d: %.0f/s (%d errors)\n", name, r+1, b.cfg.Rounds, i+1, len(measures), res.rate(), res.errs)
		}
	}
	out := make([]summary, len(measures))
	for i := range all {
		out[i] = summarize(all[i])
	}
	return out, nil
}

// getter returns a measure fetching path with the bearer token and
// expecting 200.
func (b *bencher) getter(base, path string, auth bool) func(ctx context.Context, worker int) error {
	return func(ctx context.Context, _ int) error {
		req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if err != nil {
			return err
		}
		if auth {
			req.Header.Set("Authorization", "Bearer "+b.token)
		}
		resp, err := b.client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		return nil
	}
}

// listVsStatic measures a list page beside a static server sending the
// bytes it answered.
func (b *bencher) listVsStatic(ctx context.Context, name, path string) error {
	fmt.Fprintf(b.cfg.Progress, "%s, c=%d\n", name, b.cfg.ListC)
	resp, body, err := b.get(ctx, path)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %.200s", path, resp.StatusCode, body)
	}
	spath := b.static.add(resp.Header, body)
	s, err := b.rounds(ctx, name, b.cfg.ListC, b.getter(b.base, path, true), b.getter(b.static.base, spath, false))
	if err != nil {
		return err
	}
	b.rep.Rows = append(b.rep.Rows, Row{Name: name, Concurrency: b.cfg.ListC, Rate: s[0].rate, CPUms: s[0].cpuMS, Bytes: len(body),
		Anchor: "static net/http, same bytes", AnchorRate: s[1].rate, Ratio: ratio(s[0].rate, s[1].rate), Errors: s[0].errs + s[1].errs,
		Note: errNote(s...)})
	return nil
}

// pageCost compares a deep page with the first: the ratio is the first
// page's rate over the deep page's, how many times a deep page costs.
func (b *bencher) pageCost(ctx context.Context, name, first, deep string) error {
	fmt.Fprintf(b.cfg.Progress, "%s, c=%d\n", name, b.cfg.ListC)
	s, err := b.rounds(ctx, name, b.cfg.ListC, b.getter(b.base, first, true), b.getter(b.base, deep, true))
	if err != nil {
		return err
	}
	b.rep.Rows = append(b.rep.Rows, Row{Name: name, Concurrency: b.cfg.ListC, Rate: s[1].rate, CPUms: s[1].cpuMS,
		Anchor: "first page", AnchorRate: s[0].rate, Ratio: ratio(s[0].rate, s[1].rate), Errors: s[0].errs + s[1].errs,
		Note: "ratio = cost of the deep page / cost of the first; " + errNote(s...)})
	return nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func errNote(s ...summary) string {
	for _, x := range s {
		if x.firstErr != nil {
			return "first error: " + x.firstErr.Error()
		}
	}
	return ""
}

// skipPagination fetches every person in one request.
func (b *bencher) skipPagination(ctx context.Context) (*OneShot, error) {
	fmt.Fprintf(b.cfg.Progress, "GET /api/3/people?skip_pagination=true\n")
	heap := watchHeap()
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, "GET", b.base+"/api/3/people?skip_pagination=true", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	return &OneShot{Status: resp.StatusCode, Seconds: time.Since(t0).Seconds(), Bytes: n, Items: resp.Header.Get("Total"),
		HeapMiB: float64(heap()) / (1 << 20)}, nil
}

// tempPath is where the bare-insert SQLite database goes.
func tempPath(dir string) string { return filepath.Join(dir, "bare.db") }
