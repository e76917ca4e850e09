package oauth

import (
	"sync"
	"time"
)

// maxLimiterKeys bounds the memory a limiter may use.
const maxLimiterKeys = 50000

// limiter counts failures per key in a fixed window that starts at the
// first failure. Once a key has max failures it is blocked until the
// window ends. It is in memory, per server: it throttles wrong client
// secrets (256-bit random values, which cannot be guessed anyway), where
// a restart forgetting it costs nothing. Sign-in attempts are counted in
// the store instead (see beginLogin).
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	keys   map[string]*failWindow
}

type failWindow struct {
	start time.Time
	n     int
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, keys: map[string]*failWindow{}}
}

// blocked reports whether key has used up its failures, and if so how many
// whole seconds remain until it may try again (at least 1).
func (l *limiter) blocked(key string) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.keys[key]
	if !ok {
		return false, 0
	}
	now := l.now()
	end := w.start.Add(l.window)
	if !now.Before(end) {
		delete(l.keys, key)
		return false, 0
	}
	if w.n < l.max {
		return false, 0
	}
	secs := int(end.Sub(now).Seconds() + 0.999)
	if secs < 1 {
		secs = 1
	}
	return true, secs
}

// fail records a failure for key.
func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w, ok := l.keys[key]
	if ok && !now.Before(w.start.Add(l.window)) {
		ok = false
	}
	if !ok {
		if len(l.keys) >= maxLimiterKeys {
			l.pruneLocked(now)
		}
		w = &failWindow{start: now}
		l.keys[key] = w
	}
	w.n++
}

// pruneLocked drops expired windows and, if the map is still full, enough
// others to make room. Dropping live windows only ever lets someone try
// again sooner.
func (l *limiter) pruneLocked(now time.Time) {
	for k, w := range l.keys {
		if !now.Before(w.start.Add(l.window)) {
			delete(l.keys, k)
		}
	}
	for k := range l.keys {
		if len(l.keys) < maxLimiterKeys*9/10 {
			break
		}
		delete(l.keys, k)
	}
}
