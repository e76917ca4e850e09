package gateway

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestRateLimitPerCredential(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, Limits{PerCredential: 1, PerCredentialBurst: 3, PerAccount: 1000, PerAccountBurst: 1000})
		for i, want := range []string{"2", "1", "0"} {
			w := e.call("/api/3/people", "Authorization", tokA)
			if w.Code != http.StatusOK || w.Header().Get("RateLimit-Limit") != "3" || w.Header().Get("RateLimit-Remaining") != want {
				t.Fatalf("request %d: %d %v", i, w.Code, w.Header())
			}
		}
		w := e.call("/api/3/people", "Authorization", tokA)
		m := wantError(t, w, http.StatusTooManyRequests, WireRateLimited)
		if w.Header().Get("Retry-After") != "1" || m["retry_in"] != float64(1) || m["retry_after"] != float64(1) ||
			w.Header().Get("RateLimit-Remaining") != "0" || w.Header().Get("RateLimit-Reset") != "3" {
			t.Fatalf("429: %v %v", w.Header(), m)
		}
		hits := e.hits.Load()
		// Another token of the same account is not affected.
		if w := e.call("/api/3/people", "Authorization", tokA2); w.Code != http.StatusOK {
			t.Fatalf("other token: %d", w.Code)
		}
		if e.hits.Load() != hits+1 {
			t.Fatal("429 reached the API")
		}
		// A second later one request is allowed again.
		e.clock.add(time.Second)
		if w := e.call("/api/3/people", "Authorization", tokA); w.Code != http.StatusOK {
			t.Fatalf("after a second: %d", w.Code)
		}
	})
}

func TestRateLimitPerAccountAndAnonymous(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, Limits{PerCredential: 100, PerCredentialBurst: 5, PerAccount: 0.5, PerAccountBurst: 2})
		e.call("/api/3/people", "Authorization", tokA)
		e.call("/api/3/people", "Authorization", tokA2)
		w := e.call("/api/3/people", "Authorization", tokA)
		m := wantError(t, w, http.StatusTooManyRequests, WireRateLimited)
		if w.Header().Get("Retry-After") != "2" || w.Header().Get("RateLimit-Limit") != "2" {
			t.Fatalf("account 429: %v %v", w.Header(), m)
		}
		// Account B has its own bucket.
		if w := e.call("/api/3/people", "Authorization", tokB); w.Code != http.StatusOK {
			t.Fatalf("account B: %d", w.Code)
		}
		// Unauthenticated requests share their client address's bucket
		// (httptest uses 192.0.2.1) and still get the API's 401 until it
		// is empty.
		for i := 0; i < 5; i++ {
			wantError(t, e.call("/api/3/people", "Authorization", "Bearer wrong"), http.StatusUnauthorized, "invalid_token")
		}
		wantError(t, e.call("/api/3/people", "Authorization", "Bearer wrong"), http.StatusTooManyRequests, WireRateLimited)
	})
}

func TestBucketsAreBounded(t *testing.T) {
	b := newBuckets(1, 1, time.Minute, 10)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 25; i++ {
		b.take(fmt.Sprint("k", i), now)
		if n := b.size(); n > 10 {
			t.Fatalf("%d buckets kept, cap 10", n)
		}
	}
	b.sweep(now.Add(30 * time.Second))
	if b.size() == 0 {
		t.Fatal("recent buckets swept")
	}
	b.sweep(now.Add(time.Minute))
	if n := b.size(); n != 0 {
		t.Fatalf("%d idle buckets left after sweep", n)
	}
	// A full map evicts idle buckets before busy ones.
	for i := 0; i < 10; i++ {
		b.take(fmt.Sprint("old", i), now)
	}
	later := now.Add(2 * time.Minute)
	b.take("new", later)
	if n := b.size(); n != 1 {
		t.Fatalf("idle buckets not evicted first: %d kept", n)
	}
}

func TestDefaultLimits(t *testing.T) {
	l := Limits{PerAccount: 7}.withDefaults()
	if l.PerCredential != 50 || l.PerCredentialBurst != 200 || l.PerAccount != 7 || l.PerAccountBurst != 800 || l.MaxBuckets == 0 || l.IdleAfter == 0 {
		t.Fatalf("defaults %+v", l)
	}
}
