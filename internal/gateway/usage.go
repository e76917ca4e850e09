package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
)

// usage counts subscription-key requests and API-key uses in memory until
// the next flush, so the hot path never writes to the database.
type usage struct {
	mu   sync.Mutex
	subs map[int64]*store.SubscriptionUsage
	keys map[int64]time.Time
}

func newUsage() *usage {
	return &usage{subs: map[int64]*store.SubscriptionUsage{}, keys: map[int64]time.Time{}}
}

// subscription counts one request with a subscription key.
func (u *usage) subscription(id int64, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	e := u.subs[id]
	if e == nil {
		e = &store.SubscriptionUsage{KeyID: id}
		u.subs[id] = e
	}
	e.Requests++
	if at.After(e.LastUsed) {
		e.LastUsed = at
	}
}

// apiKey records a use of a personal API key.
func (u *usage) apiKey(id int64, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if at.After(u.keys[id]) {
		u.keys[id] = at
	}
}

// take returns and clears what was counted.
func (u *usage) take() ([]store.SubscriptionUsage, map[int64]time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	subs := make([]store.SubscriptionUsage, 0, len(u.subs))
	for _, e := range u.subs {
		subs = append(subs, *e)
	}
	keys := u.keys
	u.subs, u.keys = map[int64]*store.SubscriptionUsage{}, map[int64]time.Time{}
	return subs, keys
}

// putBack merges counts that could not be written back into the counters,
// so a failed flush loses nothing.
func (u *usage) putBack(subs []store.SubscriptionUsage, keys map[int64]time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, s := range subs {
		e := u.subs[s.KeyID]
		if e == nil {
			e = &store.SubscriptionUsage{KeyID: s.KeyID}
			u.subs[s.KeyID] = e
		}
		e.Requests += s.Requests
		if s.LastUsed.After(e.LastUsed) {
			e.LastUsed = s.LastUsed
		}
	}
	for id, at := range keys {
		if at.After(u.keys[id]) {
			u.keys[id] = at
		}
	}
}

// Flush writes the usage counted since the last flush: request counts and
// last-use times of subscription keys, last-use times of API keys. On
// failure the counts are kept for the next flush and the error returned.
func (g *Gateway) Flush(ctx context.Context) error {
	subs, keys := g.usage.take()
	if err := g.store.AddSubscriptionUsage(ctx, subs); err != nil {
		g.usage.putBack(subs, keys)
		return err
	}
	if err := g.store.TouchAPIKeys(ctx, keys); err != nil {
		g.usage.putBack(nil, keys)
		return err
	}
	return nil
}
