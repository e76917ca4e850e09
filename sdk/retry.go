package lintel

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"
)

// RetryPolicy says how idempotent calls (GET, PUT, DELETE) are repeated
// when the server answers 429 Too Many Requests or 503 Service
// Unavailable. A wait the server asks for (Retry-After, or retry_in in the
// body) is honoured; otherwise waits grow from Base, doubling up to Max,
// each scaled by a random factor between 0.5 and 1.5. POST calls are never
// repeated: the server might have acted on the first one.
type RetryPolicy struct {
	// Attempts is the most times a call is sent, the first included;
	// 0 or 1 means no retries.
	Attempts int
	// Base is the first wait when the server names none.
	Base time.Duration
	// Max caps every wait; a server asking for longer gets no retry and
	// the call fails with the *Error (its RetryAfter says how long).
	Max time.Duration

	// wait replaces the sleep in tests.
	wait func(ctx context.Context, d time.Duration) error
}

// DefaultRetry is used unless WithRetry says otherwise: four attempts,
// waits from half a second up to 30 seconds.
var DefaultRetry = RetryPolicy{Attempts: 4, Base: 500 * time.Millisecond, Max: 30 * time.Second}

// backoff returns how long to wait before attempt+1 after a status, and
// whether to retry at all.
func (p RetryPolicy) backoff(attempt, status int, asked time.Duration) (time.Duration, bool) {
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return 0, false
	}
	if attempt >= p.Attempts {
		return 0, false
	}
	if asked > 0 {
		if p.Max > 0 && asked > p.Max {
			return 0, false
		}
		return asked, true
	}
	d := p.Base
	for i := 1; i < attempt && (p.Max == 0 || d < p.Max); i++ {
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	return time.Duration(float64(d) * (0.5 + rand.Float64())), true
}

// sleep waits d or until ctx ends.
func (p RetryPolicy) sleep(ctx context.Context, d time.Duration) error {
	if p.wait != nil {
		return p.wait(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
