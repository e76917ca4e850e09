package gateway

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// CreateSubscriptionKey mints a subscription key for an account and stores
// its digest. The key is returned once and cannot be read back. Errors:
// EINVALID for an empty or over-long name; ENOTFOUND for an unknown account.
func CreateSubscriptionKey(ctx context.Context, st *store.Store, accountID int64, name string, now domain.Clock) (*store.SubscriptionKey, string, error) {
	name = strings.TrimSpace(name)
	var v domain.Validation
	if name == "" {
		v.Add("name", "is required")
	} else if len(name) > 100 {
		v.Add("name", "must be at most 100 characters")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	if now == nil {
		now = timeNow
	}
	key := newSubscriptionKey()
	k := &store.SubscriptionKey{AccountID: accountID, Name: name, Prefix: key[:displayLen], Digest: Digest(key), CreatedAt: now().UTC()}
	if err := st.CreateSubscriptionKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, key, nil
}

// checkSubscriptionKey validates a presented subscription key and returns
// its record. Malformed, unknown and revoked keys give a 401 with the wire
// name invalid_subscription_key; database failures a plain error.
func (g *Gateway) checkSubscriptionKey(ctx context.Context, key string) (*store.SubscriptionKey, error) {
	key = strings.TrimSpace(key)
	if !plausibleSubscriptionKey(key) {
		return nil, errSubscriptionInvalid()
	}
	k, err := g.store.GetSubscriptionKeyByDigest(ctx, Digest(strings.ToLower(key)))
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, errSubscriptionInvalid()
	}
	if err != nil {
		return nil, err
	}
	if k.RevokedAt != nil {
		return nil, errSubscriptionInvalid()
	}
	return k, nil
}

// requiredSet caches which accounts require subscription keys. It is
// reloaded when older than the refresh interval, by one request while the
// others keep using the previous copy; the first load is waited for.
type requiredSet struct {
	mu       sync.Mutex // held while loading
	state    sync.RWMutex
	ids      map[int64]bool
	loadedAt time.Time
	loaded   bool
}

// get returns the cached set, reloading it when stale. When a reload
// fails, the previous set is kept (and the error returned only when there
// is none).
func (rs *requiredSet) get(ctx context.Context, g *Gateway) (map[int64]bool, error) {
	now := g.now()
	rs.state.RLock()
	ids, loaded, fresh := rs.ids, rs.loaded, now.Sub(rs.loadedAt) < g.refresh
	rs.state.RUnlock()
	if loaded && fresh {
		return ids, nil
	}
	if loaded {
		if !rs.mu.TryLock() {
			return ids, nil // someone else is reloading
		}
	} else {
		rs.mu.Lock()
	}
	defer rs.mu.Unlock()
	rs.state.RLock()
	if rs.loaded && now.Sub(rs.loadedAt) < g.refresh {
		ids = rs.ids
		rs.state.RUnlock()
		return ids, nil
	}
	rs.state.RUnlock()
	list, err := g.store.SubscriptionRequiredAccounts(ctx)
	if err != nil {
		if loaded {
			g.log.WarnContext(ctx, "reloading subscription requirements failed; using the previous set", "err", err)
			return ids, nil
		}
		return nil, err
	}
	fresh2 := make(map[int64]bool, len(list))
	for _, id := range list {
		fresh2[id] = true
	}
	rs.state.Lock()
	rs.ids, rs.loadedAt, rs.loaded = fresh2, now, true
	rs.state.Unlock()
	return fresh2, nil
}

// invalidate forces the next get to reload.
func (rs *requiredSet) invalidate() {
	rs.state.Lock()
	rs.loaded = false
	rs.state.Unlock()
}

// SetSubscriptionRequired turns the subscription-key requirement of an
// account on or off and makes this gateway see the change at once (other
// processes see it within Config.Refresh). Errors: ENOTFOUND for an
// unknown account.
func (g *Gateway) SetSubscriptionRequired(ctx context.Context, accountID int64, required bool) error {
	if err := g.store.SetSubscriptionRequired(ctx, accountID, required, g.now()); err != nil {
		return err
	}
	g.required.invalidate()
	return nil
}
