package webhook

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// Rule is a notification rule as the delivery side sees it: events of the
// account whose code is in Codes and, when ChannelIDs is not empty, whose
// door is one of them, are POSTed to URL.
type Rule struct {
	ID         int64
	AccountID  int64
	URL        string
	Active     bool
	Codes      []int
	ChannelIDs []int64
	// AppID, when the rule was created by an OAuth application with a
	// webhook secret, signs its callbacks with that secret. Otherwise the
	// endpoint gets a secret of its own (see "lintel webhooks log").
	AppID int64
	// Since is when the rule was created: its endpoint, made when a worker
	// first sees the rule, starts with the events stored from then on, so
	// none recorded before the worker noticed the rule is missed.
	Since time.Time
}

// Config is what the service needs. Zero tuning values take the defaults.
type Config struct {
	Store *store.Store
	Log   *slog.Logger // nil discards
	Now   domain.Clock // nil is time.Now
	// BaseURL is the public URL of the server, used in resource links.
	BaseURL string
	// HTTPClient sends deliveries; nil builds one with NewHTTPClient.
	HTTPClient *http.Client
	// AllowPrivate lets callbacks reach private, loopback and special
	// addresses (see EnvAllowPrivate). Only used when HTTPClient is nil.
	AllowPrivate bool
	// Auth authenticates event-stream requests (the API's bearer check).
	Auth func(*http.Request) (*domain.Principal, error)
	// Recheck authenticates an open stream's request again, bypassing any
	// result cached in its context (gateway.Recheck); nil uses Auth.
	Recheck func(*http.Request) (*domain.Principal, error)
	// Rules lists notification rules; nil reads the notification_rules
	// table (StoreRules).
	Rules func(context.Context) ([]Rule, error)

	PollInterval       time.Duration  // how soon to look again while rows may appear unannounced: an id gap, a retry coming due (50ms)
	IdlePoll           time.Duration  // the fallback poll when nothing is pending or announced (5s; see Run)
	Concurrency        int            // deliveries in flight at once (16)
	Timeout            time.Duration  // per attempt (10s)
	Lease              time.Duration  // how long a claimed row stays invisible (Timeout+30s)
	RetryWindow        time.Duration  // how long a delivery is retried (72h)
	DisableAfter       time.Duration  // continuous failure before an endpoint is disabled (24h)
	DisableMinFailures int            // ... and at least this many failed attempts (20)
	KeepAlive          time.Duration  // event-stream keep-alive comment interval (15s)
	StreamRecheck      time.Duration  // how often an open event stream re-checks its credential (2s)
	RuleSync           time.Duration  // how often Rules is called (1s)
	Retention          time.Duration  // how long delivered and failed deliveries stay in the log (7 days)
	Jitter             func() float64 // in [0,1); nil is math/rand/v2
}

// Service runs delivery and serves the event stream and acknowledgements.
type Service struct {
	cfg    Config
	st     *store.Store
	log    *slog.Logger
	now    domain.Clock
	client *http.Client
	wake   chan struct{}
	// rulesStale is set when the store announces a rule change, so the
	// next cycle reloads the rules at once.
	rulesStale atomic.Bool
	cycles     atomic.Int64 // worker cycles run, for tests

	horizon *horizon // over events
	changes *horizon // over resource changes

	mu         sync.Mutex
	subs       map[int64]map[chan struct{}]struct{} // event-stream subscribers per account
	rules      map[int64]Rule                       // last loaded rules, by id
	ruleSeen   map[int64]string                     // rule id -> url+secret last saved
	rulesRead  time.Time
	purgedAt   time.Time
	purgeEvery time.Duration // how often old log rows are deleted
}

// New returns a service over cfg (see Config for defaults).
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.PollInterval, 50*time.Millisecond)
	def(&cfg.IdlePoll, defaultIdlePoll)
	if cfg.IdlePoll < cfg.PollInterval {
		cfg.IdlePoll = cfg.PollInterval
	}
	def(&cfg.Timeout, 10*time.Second)
	def(&cfg.Lease, cfg.Timeout+30*time.Second)
	def(&cfg.RetryWindow, 72*time.Hour)
	def(&cfg.DisableAfter, 24*time.Hour)
	def(&cfg.KeepAlive, 15*time.Second)
	def(&cfg.StreamRecheck, 2*time.Second)
	def(&cfg.RuleSync, time.Second)
	def(&cfg.Retention, 7*24*time.Hour)
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.DisableMinFailures <= 0 {
		cfg.DisableMinFailures = 20
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Rules == nil && cfg.Store != nil {
		cfg.Rules = StoreRules(cfg.Store)
	}
	s := &Service{cfg: cfg, st: cfg.Store, log: cfg.Log, now: cfg.Now, client: cfg.HTTPClient,
		wake: make(chan struct{}, 1), subs: map[int64]map[chan struct{}]struct{}{},
		rules: map[int64]Rule{}, ruleSeen: map[int64]string{}, purgeEvery: 10 * time.Minute,
		horizon: eventHorizon(cfg.Store), changes: changeHorizon(cfg.Store)}
	if s.client == nil {
		s.client = NewHTTPClient(cfg.AllowPrivate, cfg.Concurrency)
	}
	if cfg.Store != nil {
		cfg.Store.Subscribe(s.changed)
	}
	return s
}

// Notify tells the service that the account has new events, so the worker
// and the account's event streams look now instead of at their next poll.
// The store's announcements call it for every committed event (see New);
// tests and tools may call it too. It never blocks.
func (s *Service) Notify(accountID int64) {
	signal(s.wake)
	s.mu.Lock()
	for ch := range s.subs[accountID] {
		signal(ch)
	}
	s.mu.Unlock()
}

// changed is the service's subscription to the store's announcements:
// recorded events and credential changes wake the worker and the
// account's streams; "anything may have changed" wakes every stream.
func (s *Service) changed(c store.Change) {
	switch {
	case c.AccountID == 0:
		s.rulesStale.Store(true)
		signal(s.wake)
		s.mu.Lock()
		for _, subs := range s.subs {
			for ch := range subs {
				signal(ch)
			}
		}
		s.mu.Unlock()
	case c.Has(store.ChangeEvents | store.ChangeCredentials):
		if c.Has(store.ChangeRules) {
			s.rulesStale.Store(true)
		}
		s.Notify(c.AccountID)
	case c.Has(store.ChangeRules):
		s.rulesStale.Store(true)
		signal(s.wake)
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// StoreRules lists the active rules of the notification_rules table.
func StoreRules(st *store.Store) func(context.Context) ([]Rule, error) {
	return func(ctx context.Context) ([]Rule, error) {
		rs, err := st.ListActiveNotificationRules(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]Rule, 0, len(rs))
		for _, r := range rs {
			out = append(out, Rule{ID: r.ID, AccountID: r.AccountID, URL: r.CallbackURL, Active: r.Active,
				Codes: r.EventCodes, ChannelIDs: r.ChannelIDs, Since: r.CreatedAt})
		}
		return out, nil
	}
}
