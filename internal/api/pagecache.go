package api

import (
	"container/list"
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
)

// The list pages integrations poll (people, credentials, events) are kept,
// encoded, in a cache that can never answer with something the database
// would not: each page is stored with the account's list version it was
// computed at (read before the page; see store.ListVersion), and served
// only to a request that reads the same version. The version is kept by
// the database's own triggers, so a write by anyone (another server on the
// same PostgreSQL, the CLI, a controller's upload, plain SQL) turns every
// page of that list for that account into a miss at once. A page whose
// window moves with the clock (the events of the last 90 days) also
// carries the instant its oldest event leaves the window, after which it
// is a miss.
//
// A hit costs one small read (the version) instead of the page's four or
// five queries and its encoding; for a caller with an OAuth access token
// not even that, as the version comes with the token's lookup
// (domain.Principal.Versions). The cache holds at most its byte budget,
// least recently used pages leaving first; a page larger than an eighth of
// the budget is not kept.

// DefaultListCacheBytes is the list cache's budget when Config leaves it 0.
const DefaultListCacheBytes = 32 << 20

// pageKey names a page: the account, the list, and the request's meaning
// (its parsed filter and page, not its text, so that equivalent spellings
// share a page and a since read in the account's time zone is an instant).
type pageKey struct {
	account int64
	list    store.List
	query   string
}

// cachedPage is one encoded page.
type cachedPage struct {
	key     pageKey
	version int64
	until   time.Time // zero: valid until the version moves
	total   int
	body    []byte // the JSON array, with its final newline
}

func (p *cachedPage) size() int64 { return int64(len(p.body)+len(p.key.query)) + 128 }

// pageCache is an LRU of pages within a byte budget. The zero budget
// disables it.
type pageCache struct {
	budget int64

	mu    sync.Mutex
	used  int64
	order *list.List // of *cachedPage, most recently used first
	pages map[pageKey]*list.Element

	hits, misses atomic.Int64
	off          atomic.Bool // SetListCache(false)
}

func newPageCache(budget int64) *pageCache {
	return &pageCache{budget: max(budget, 0), order: list.New(), pages: map[pageKey]*list.Element{}}
}

// get returns the page for key if it was computed at version and is still
// valid at now.
func (c *pageCache) get(key pageKey, version int64, now time.Time) *cachedPage {
	if c.budget == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.pages[key]
	if e == nil {
		c.misses.Add(1)
		return nil
	}
	p := e.Value.(*cachedPage)
	if p.version != version || (!p.until.IsZero() && now.After(p.until)) {
		c.remove(e)
		c.misses.Add(1)
		return nil
	}
	c.order.MoveToFront(e)
	c.hits.Add(1)
	return p
}

// put keeps p, replacing an older page of its key and evicting the least
// recently used pages beyond the budget.
func (c *pageCache) put(p *cachedPage) {
	n := p.size()
	if c.budget == 0 || n > c.budget/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.pages[p.key]; e != nil {
		if old := e.Value.(*cachedPage); old.version > p.version {
			return // a slower request computed an older page: keep the newer
		}
		c.remove(e)
	}
	c.pages[p.key] = c.order.PushFront(p)
	c.used += n
	for c.used > c.budget {
		c.remove(c.order.Back())
	}
}

func (c *pageCache) remove(e *list.Element) {
	p := e.Value.(*cachedPage)
	c.order.Remove(e)
	delete(c.pages, p.key)
	c.used -= p.size()
}

// SetListCache turns the list cache on or off while the API runs (lintel
// bench measures a page's computation with it off). Turning it off
// empties it.
func (a *API) SetListCache(on bool) {
	c := a.pages
	c.off.Store(!on)
	if !on {
		c.mu.Lock()
		c.order.Init()
		clear(c.pages)
		c.used = 0
		c.mu.Unlock()
	}
}

// ListCacheStats are the list cache's counters since the API started.
type ListCacheStats struct {
	Hits, Misses int64
	Bytes        int64 // held now
}

// ListCacheStats reports the list cache's counters (for /metrics).
func (a *API) ListCacheStats() ListCacheStats {
	c := a.pages
	c.mu.Lock()
	used := c.used
	c.mu.Unlock()
	return ListCacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Bytes: used}
}

// cachedList answers a list request from the cache when it can, and
// otherwise computes the page with fill (which returns the total and the
// JSON array), answers it and keeps it. fill may also return until, the
// instant after which the page is stale although nothing was written.
// The list version is the one read with the caller's access token, before
// anything of the request ran, or else read now.
func (a *API) cachedList(w http.ResponseWriter, r *http.Request, c *call, key pageKey, pg pager,
	fill func() (total int, body []byte, until time.Time, err error)) error {
	if a.pages.budget == 0 || a.pages.off.Load() {
		total, body, _, err := fill()
		if err != nil {
			return err
		}
		pg.writeHeaders(w, total)
		writeJSONBytes(w, http.StatusOK, body)
		return nil
	}
	version, err := c.listVersion(r.Context(), key)
	if err != nil {
		return err
	}
	p := a.pages.get(key, version, a.now())
	if p == nil {
		total, body, until, err := fill()
		if err != nil {
			return err
		}
		p = &cachedPage{key: key, version: version, until: until, total: total, body: append(body, '\n')}
		a.pages.put(p)
	}
	pg.writeHeaders(w, p.total)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(p.body)
	return nil
}

// listVersion returns the version of the key's list: the one read with
// the caller's access token or API key when it has one for that account (an earlier
// read is as good: a page computed after it is kept under it, and a later
// request reads a newer one), else one read now.
func (c *call) listVersion(ctx context.Context, key pageKey) (int64, error) {
	if v := c.p.Versions; v != nil && c.p.AccountID == key.account {
		switch key.list {
		case store.ListPeople:
			return v.People, nil
		case store.ListEvents:
			return v.Events, nil
		}
	}
	return c.a.st.ListVersion(ctx, key.account, key.list)
}
