package gateway

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits configures rate limiting. Each credential (an access token or a
// personal API key) and each account has a token bucket; a request must
// pass both. Requests that carry no valid credential are limited per
// client address with the credential limits, so guessing is throttled too.
type Limits struct {
	// PerCredential is the sustained rate, in requests per second, of one
	// access token or API key; PerCredentialBurst is its bucket size.
	PerCredential      float64
	PerCredentialBurst int
	// PerAccount is the sustained rate of all credentials of one account
	// together; PerAccountBurst is its bucket size.
	PerAccount      float64
	PerAccountBurst int
	// IdleAfter is how long a bucket may go unused before it is dropped
	// (a dropped bucket comes back full). MaxBuckets caps the number kept;
	// when it is reached, idle buckets go first, then arbitrary ones.
	IdleAfter  time.Duration
	MaxBuckets int
	// Disabled turns rate limiting off.
	Disabled bool
}

// DefaultLimits are generous: 50 requests per second with bursts of 200
// per credential, and 200 per second with bursts of 800 per account, so
// that batch jobs paging through a large account are never slowed.
func DefaultLimits() Limits {
	return Limits{PerCredential: 50, PerCredentialBurst: 200, PerAccount: 200, PerAccountBurst: 800,
		IdleAfter: 10 * time.Minute, MaxBuckets: 100_000}
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.PerCredential <= 0 {
		l.PerCredential = d.PerCredential
	}
	if l.PerCredentialBurst <= 0 {
		l.PerCredentialBurst = d.PerCredentialBurst
	}
	if l.PerAccount <= 0 {
		l.PerAccount = d.PerAccount
	}
	if l.PerAccountBurst <= 0 {
		l.PerAccountBurst = d.PerAccountBurst
	}
	if l.IdleAfter <= 0 {
		l.IdleAfter = d.IdleAfter
	}
	if l.MaxBuckets <= 0 {
		l.MaxBuckets = d.MaxBuckets
	}
	return l
}

// bucket is one token bucket and when it was last used.
type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// buckets is a bounded set of token buckets with one rate and burst.
type buckets struct {
	mu    sync.Mutex
	m     map[string]*bucket
	rate  rate.Limit
	burst int
	idle  time.Duration
	max   int
}

func newBuckets(r float64, burst int, idle time.Duration, max int) *buckets {
	return &buckets{m: map[string]*bucket{}, rate: rate.Limit(r), burst: burst, idle: idle, max: max}
}

// verdict is the outcome of taking one request from a bucket.
type verdict struct {
	ok         bool
	limit      int // the bucket size
	remaining  int // whole requests left after this one
	reset      int // seconds until the bucket is full again
	retryAfter int // seconds until one request is allowed (when !ok)
}

// take spends one request from key's bucket at now.
func (b *buckets) take(key string, now time.Time) verdict {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.m[key]
	if e == nil {
		if len(b.m) >= b.max {
			b.evictLocked(now, true)
		}
		e = &bucket{lim: rate.NewLimiter(b.rate, b.burst)}
		b.m[key] = e
	}
	e.last = now
	v := verdict{limit: b.burst}
	v.ok = e.lim.AllowN(now, 1)
	tokens := e.lim.TokensAt(now)
	if tokens < 0 {
		tokens = 0
	}
	v.remaining = int(math.Floor(tokens))
	v.reset = int(math.Ceil((float64(b.burst) - tokens) / float64(b.rate)))
	if !v.ok {
		v.retryAfter = max(1, int(math.Ceil((1-tokens)/float64(b.rate))))
	}
	return v
}

// sweep drops buckets idle since before now-idle.
func (b *buckets) sweep(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.evictLocked(now, false)
}

// evictLocked drops idle buckets; when room is needed and none was idle,
// it drops arbitrary ones until a tenth of the capacity is free.
func (b *buckets) evictLocked(now time.Time, needRoom bool) {
	for k, e := range b.m {
		if now.Sub(e.last) >= b.idle {
			delete(b.m, k)
		}
	}
	if !needRoom {
		return
	}
	target := b.max - max(1, b.max/10)
	for k := range b.m {
		if len(b.m) <= target {
			break
		}
		delete(b.m, k)
	}
}

// size returns the number of buckets kept.
func (b *buckets) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}
