package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// timeNow is the default clock.
var timeNow = time.Now

// Defaults of Config.
const (
	DefaultRefresh    = 5 * time.Second
	DefaultFlushEvery = 10 * time.Second
)

// Config is what the gateway needs from the rest of the program.
type Config struct {
	Store *store.Store
	Log   *slog.Logger // nil discards
	Now   domain.Clock // nil means time.Now
	// Limits configures rate limiting; zero fields take DefaultLimits.
	Limits Limits
	// Bearer resolves "Authorization: Bearer" tokens (the OAuth server's
	// Authenticate). Nil means only API keys authenticate.
	Bearer func(*http.Request) (*domain.Principal, error)
	// Refresh is how long the list of accounts that require subscription
	// keys is cached (changes made by another process, such as the CLI,
	// take effect within it). Zero means DefaultRefresh.
	Refresh time.Duration
	// FlushEvery is how often Run writes the usage counted in memory.
	// Zero means DefaultFlushEvery.
	FlushEvery time.Duration
	// RequireSubscription makes every /api call need a subscription key,
	// on every account, as an API gateway in front of the whole server
	// would: a call without one is refused before its token is looked at.
	RequireSubscription bool
}

// Gateway holds the gateway's state: rate-limit buckets, usage counters
// and the cached subscription requirements. It is safe for concurrent use.
type Gateway struct {
	store    *store.Store
	log      *slog.Logger
	now      domain.Clock
	bearer   func(*http.Request) (*domain.Principal, error)
	always   bool // RequireSubscription
	limits   Limits
	perCred  *buckets
	perAcct  *buckets
	usage    *usage
	required requiredSet
	refresh  time.Duration
	flush    time.Duration
}

// New returns a gateway over cfg, with defaults for every zero field.
func New(cfg Config) *Gateway {
	g := &Gateway{store: cfg.Store, log: cfg.Log, now: cfg.Now, bearer: cfg.Bearer,
		limits: cfg.Limits.withDefaults(), usage: newUsage(), refresh: cfg.Refresh, flush: cfg.FlushEvery,
		always: cfg.RequireSubscription}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = timeNow
	}
	if g.refresh <= 0 {
		g.refresh = DefaultRefresh
	}
	if g.flush <= 0 {
		g.flush = DefaultFlushEvery
	}
	l := g.limits
	g.perCred = newBuckets(l.PerCredential, l.PerCredentialBurst, l.IdleAfter, l.MaxBuckets)
	g.perAcct = newBuckets(l.PerAccount, l.PerAccountBurst, l.IdleAfter, l.MaxBuckets)
	return g
}

// Run flushes usage every FlushEvery and drops idle rate-limit buckets,
// until ctx ends; then it flushes one last time and returns. Flush
// failures are logged and retried on the next tick.
func (g *Gateway) Run(ctx context.Context) {
	t := time.NewTicker(g.flush)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := g.Flush(fctx); err != nil {
				g.log.Warn("writing gateway usage at shutdown failed", "err", err)
			}
			return
		case <-t.C:
			if err := g.Flush(ctx); err != nil && ctx.Err() == nil {
				g.log.Warn("writing gateway usage failed; will retry", "err", err)
			}
			now := g.now()
			g.perCred.sweep(now)
			g.perAcct.sweep(now)
		}
	}
}

// ctxKey keys the authentication result in a request context.
type ctxKey struct{}

// authResult is the outcome of authenticating one request.
type authResult struct {
	p        *domain.Principal
	err      error
	limitKey string // rate-limit bucket of the credential or client
}

// Authenticate returns the principal the middleware resolved for r (or
// the error it got), so the API can use it as its Auth function without a
// second lookup. Outside the middleware it authenticates r itself: a
// personal API key in HTTP Basic, else the bearer token (Config.Bearer).
// Errors are *domain.Error 401s, or plain errors for database failures.
func (g *Gateway) Authenticate(r *http.Request) (*domain.Principal, error) {
	if res, ok := r.Context().Value(ctxKey{}).(*authResult); ok {
		return res.p, res.err
	}
	res := g.authenticate(r)
	return res.p, res.err
}

// Recheck authenticates r again, ignoring the result the middleware cached
// in its context and spending no rate limit: for a long-lived response
// (the event stream) that must end when its credential stops being good.
func (g *Gateway) Recheck(r *http.Request) (*domain.Principal, error) {
	res := g.authenticate(r)
	return res.p, res.err
}

// PrincipalFrom returns the principal the middleware put in ctx, if any.
func PrincipalFrom(ctx context.Context) (*domain.Principal, bool) {
	res, ok := ctx.Value(ctxKey{}).(*authResult)
	if !ok || res.p == nil {
		return nil, false
	}
	return res.p, true
}
