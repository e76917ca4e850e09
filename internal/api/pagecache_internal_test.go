package api

import (
	"bytes"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
)

// TestPageCacheStaysWithinBudget fills the cache past its budget and
// checks the bytes held, that the least recently used pages left first,
// that an older page never replaces a newer one, and that a page too large
// for the budget is not kept.
func TestPageCacheStaysWithinBudget(t *testing.T) {
	c := newPageCache(64 << 10)
	now := time.Now()
	page := func(i int, version int64) *cachedPage {
		return &cachedPage{key: pageKey{account: 1, list: store.ListPeople, query: string(rune('a' + i))}, version: version,
			body: bytes.Repeat([]byte{'x'}, 4<<10)}
	}
	for i := 0; i < 40; i++ {
		c.put(page(i, 1))
		c.get(page(0, 1).key, 1, now) // page 0 stays recently used
		if c.used > c.budget {
			t.Fatalf("after %d pages: %d bytes held, budget %d", i+1, c.used, c.budget)
		}
	}
	if c.get(page(0, 1).key, 1, now) == nil {
		t.Fatal("the most used page was evicted")
	}
	if c.get(page(1, 1).key, 1, now) != nil {
		t.Fatal("an old, unused page was kept past the budget")
	}
	c.put(page(39, 3))
	c.put(page(39, 2)) // a slower request's older page
	if p := c.get(page(39, 3).key, 3, now); p == nil {
		t.Fatal("an older page replaced a newer one")
	}
	if c.get(page(39, 3).key, 4, now) != nil {
		t.Fatal("a page was served at another version")
	}
	big := page(50, 1)
	big.body = bytes.Repeat([]byte{'x'}, 16<<10)
	c.put(big)
	if c.get(big.key, 1, now) != nil {
		t.Fatal("a page over an eighth of the budget was kept")
	}
	off := newPageCache(0)
	off.put(page(1, 1))
	if off.get(page(1, 1).key, 1, now) != nil || off.used != 0 {
		t.Fatal("a disabled cache kept a page")
	}
}
