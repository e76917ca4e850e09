package api

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/lintel-dev/lintel/internal/domain"
)

// settingsCache keeps, per account, what a write of a person reads of its
// account: the account's row and its credential types. An entry is kept
// under the account's settings version (store.ListSettings) read with the
// access token or API key of the request that filled it, before the entry
// was read, and serves a request that read the same version. The
// database moves that version with every committed change to the account
// or its types (migration 0032's triggers, whatever wrote it, on any
// server), so an entry is never older than the state its version names.
// A request without a version (a principal authenticated otherwise)
// reads the database.
//
// Entries are shared by concurrent requests and never modified.
type settingsCache struct {
	mu           sync.Mutex
	m            map[int64]*accountSettings
	hits, misses atomic.Int64
}

// SettingsCacheStats are the settings cache's counters since the API
// started: reads of an account (and its credential types) answered from
// the cache, and made in the database by a request that had a version.
type SettingsCacheStats struct {
	Hits, Misses int64
}

// SettingsCacheStats reports the settings cache's counters (for /metrics).
func (a *API) SettingsCacheStats() SettingsCacheStats {
	return SettingsCacheStats{Hits: a.settings.hits.Load(), Misses: a.settings.misses.Load()}
}

// accountSettings is one account's entry.
type accountSettings struct {
	version int64
	acct    *domain.Account
	types   []*domain.CredentialType
}

// settingsCacheMax bounds the number of accounts kept; when full, the
// cache starts again empty.
const settingsCacheMax = 10_000

func newSettingsCache() *settingsCache {
	return &settingsCache{m: map[int64]*accountSettings{}}
}

// get returns the account's entry read at version, or nil.
func (c *settingsCache) get(accountID, version int64) *accountSettings {
	c.mu.Lock()
	e := c.m[accountID]
	c.mu.Unlock()
	if e != nil && e.version == version {
		c.hits.Add(1)
		return e
	}
	c.misses.Add(1)
	return nil
}

// put keeps e for the account, unless an entry read at a later version
// is there already.
func (c *settingsCache) put(accountID int64, e *accountSettings) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[accountID]; old != nil && old.version > e.version {
		return
	}
	if len(c.m) >= settingsCacheMax {
		clear(c.m)
	}
	c.m[accountID] = e
}

// accountAndTypes returns the caller's account and its credential types:
// from the cache when the settings version read with the token or key
// matches, else in one read, which the cache keeps.
func (c *call) accountAndTypes(ctx context.Context) (*domain.Account, []*domain.CredentialType, error) {
	v := c.p.Versions
	if v != nil {
		if e := c.a.settings.get(c.p.AccountID, v.Settings); e != nil {
			c.acct = e.acct
			return e.acct, e.types, nil
		}
	}
	acct, types, err := c.a.st.AccountAndCredentialTypes(ctx, c.p.AccountID)
	if err != nil {
		return nil, nil, err
	}
	c.acct = acct
	if v != nil {
		c.a.settings.put(c.p.AccountID, &accountSettings{version: v.Settings, acct: acct, types: types})
	}
	return acct, types, nil
}
