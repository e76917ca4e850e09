package store_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestLoginAttemptKeys(t *testing.T) {
	if a, b := store.UserThrottleKey(" Ops@Example.COM "), store.UserThrottleKey("ops@example.com"); a != b {
		t.Fatalf("spellings of one email give different keys: %q %q", a, b)
	}
	if store.UserThrottleKey("1.2.3.4") == store.AddrThrottleKey("1.2.3.4") {
		t.Fatal("a user key and an address key collide")
	}
}

// Concurrent attempts each get their own count: the throttle cannot be
// raced past by sending many guesses at once.
func TestCountLoginAttemptIsAtomic(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000)
		key := store.UserThrottleKey("ops@example.com")
		const n = 25
		counts := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c, _, err := s.CountLoginAttempt(ctx, key, 15*time.Minute, now)
				if err != nil {
					t.Error(err)
				}
				counts[i] = c
			})
		}
		wg.Wait()
		sort.Ints(counts)
		for i, c := range counts {
			if c != i+1 {
				t.Fatalf("counts %v: want 1..%d, each once", counts, n)
			}
		}
	})
}

func TestLoginAttemptWindow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000)
		win := 15 * time.Minute
		key, other := store.UserThrottleKey("a@example.com"), store.AddrThrottleKey("192.0.2.1")
		for i := 1; i <= 3; i++ {
			n, end, err := s.CountLoginAttempt(ctx, key, win, now.Add(time.Duration(i)*time.Minute))
			if err != nil || n != i || !end.Equal(now.Add(time.Minute+win)) {
				t.Fatalf("attempt %d: n=%d end=%v err=%v", i, n, end, err)
			}
		}
		if n, _, _ := s.CountLoginAttempt(ctx, other, win, now); n != 1 {
			t.Fatalf("another key shares the counter: %d", n)
		}
		if err := s.ReleaseLoginAttempt(ctx, key); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := s.CountLoginAttempt(ctx, key, win, now.Add(5*time.Minute)); n != 3 {
			t.Fatalf("after a release: %d, want 3", n)
		}
		// The window ends: counting starts over, in a new window.
		later := now.Add(time.Minute + win)
		n, end, err := s.CountLoginAttempt(ctx, key, win, later)
		if err != nil || n != 1 || !end.Equal(later.Add(win)) {
			t.Fatalf("new window: n=%d end=%v err=%v", n, end, err)
		}
		cleared, err := s.ClearLoginAttempts(ctx, key, store.UserThrottleKey("nobody@example.com"))
		if err != nil || cleared != 1 {
			t.Fatalf("clear: %d %v", cleared, err)
		}
		if n, _, _ := s.CountLoginAttempt(ctx, key, win, later); n != 1 {
			t.Fatalf("after clear: %d", n)
		}
		purged, err := s.DeleteExpiredLoginAttempts(ctx, now.Add(time.Minute))
		if err != nil || purged != 1 { // the address key, whose window started at now
			t.Fatalf("purge: %d %v", purged, err)
		}
	})
}
