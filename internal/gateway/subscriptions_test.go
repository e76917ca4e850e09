package gateway

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestSubscriptionKeyCheckedBeforeToken(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, Limits{Disabled: true})
		if err := e.gw.SetSubscriptionRequired(ctx, e.a.ID, true); err != nil {
			t.Fatal(err)
		}
		good, _ := e.subKey(e.a.ID)
		revoked, rk := e.subKey(e.a.ID)
		if err := st.RevokeSubscriptionKey(ctx, e.a.ID, rk.ID, e.clock.now()); err != nil {
			t.Fatal(err)
		}
		unknown := "0123456789abcdef0123456789abcdef"

		// Wrong, malformed, revoked or empty keys are refused without the
		// token being looked at, and never reach the API.
		for _, key := range []string{unknown, "nonsense", revoked, ""} {
			w := e.call("/api/3/people", SubscriptionHeader, key, "Authorization", tokA)
			wantError(t, w, http.StatusUnauthorized, WireSubscriptionInvalid)
		}
		if n := e.bearers.Load(); n != 0 {
			t.Fatalf("bearer looked up %d times before subscription refusal", n)
		}
		if n := e.hits.Load(); n != 0 {
			t.Fatalf("API reached %d times", n)
		}

		// A good key with a good token passes (upper-case hex too).
		for _, key := range []string{good, upper(good)} {
			w := e.call("/api/3/people", SubscriptionHeader, key, "Authorization", tokA)
			if w.Code != http.StatusOK {
				t.Fatalf("good key: %d %s", w.Code, w.Body.String())
			}
		}
		// A good key without a token: the API's own 401.
		w := e.call("/api/3/people", SubscriptionHeader, good)
		wantError(t, w, http.StatusUnauthorized, "invalid_token")
		// No key on an account that requires one.
		w = e.call("/api/3/people", "Authorization", tokA)
		wantError(t, w, http.StatusUnauthorized, WireSubscriptionRequired)
		// A key of account A with a token of account B.
		w = e.call("/api/3/people", SubscriptionHeader, good, "Authorization", tokB)
		wantError(t, w, http.StatusUnauthorized, WireSubscriptionInvalid)
		// Account B does not require a key.
		if w := e.call("/api/3/people", "Authorization", tokB); w.Code != http.StatusOK {
			t.Fatalf("account without requirement: %d %s", w.Code, w.Body.String())
		}
		// Paths outside /api/ are not guarded.
		if w := e.call("/healthz", SubscriptionHeader, "nonsense"); w.Code != http.StatusOK || w.Header().Get("RateLimit-Limit") != "" {
			t.Fatalf("healthz: %d %v", w.Code, w.Header())
		}

		// Turning the requirement off lets key-less calls through again.
		if err := e.gw.SetSubscriptionRequired(ctx, e.a.ID, false); err != nil {
			t.Fatal(err)
		}
		if w := e.call("/api/3/people", "Authorization", tokA); w.Code != http.StatusOK {
			t.Fatalf("after disable: %d %s", w.Code, w.Body.String())
		}
	})
}

func TestSubscriptionRequirementSeenWithinRefresh(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, Limits{Disabled: true})
		if w := e.call("/api/3/people", "Authorization", tokA); w.Code != http.StatusOK {
			t.Fatalf("before: %d", w.Code)
		}
		// Another process (the CLI) turns the requirement on: the cached
		// answer holds until the refresh interval has passed.
		if err := st.SetSubscriptionRequired(ctx, e.a.ID, true, time.Now()); err != nil {
			t.Fatal(err)
		}
		if w := e.call("/api/3/people", "Authorization", tokA); w.Code != http.StatusOK {
			t.Fatalf("within refresh: %d", w.Code)
		}
		e.clock.add(DefaultRefresh)
		wantError(t, e.call("/api/3/people", "Authorization", tokA), http.StatusUnauthorized, WireSubscriptionRequired)
	})
}

func TestSubscriptionUsageIsBatched(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, Limits{Disabled: true})
		good, k := e.subKey(e.a.ID)
		other, ok := e.subKey(e.a.ID)
		for i := 0; i < 7; i++ {
			e.call("/api/3/people", SubscriptionHeader, good, "Authorization", tokA)
		}
		e.clock.add(time.Minute)
		last := e.clock.now()
		e.call("/api/3/people", SubscriptionHeader, good) // unauthenticated still counts
		e.call("/api/3/people", SubscriptionHeader, other, "Authorization", tokA)

		// Nothing is written until a flush.
		if got, _ := st.GetSubscriptionKeyByDigest(ctx, k.Digest); got.RequestCount != 0 || got.LastUsedAt != nil {
			t.Fatalf("written before flush: %+v", got)
		}
		if err := e.gw.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ := st.GetSubscriptionKeyByDigest(ctx, k.Digest)
		if got.RequestCount != 8 || got.LastUsedAt == nil || !got.LastUsedAt.Equal(last) {
			t.Fatalf("after flush: count %d last %v, want 8 at %v", got.RequestCount, got.LastUsedAt, last)
		}
		if got, _ := st.GetSubscriptionKeyByDigest(ctx, ok.Digest); got.RequestCount != 1 {
			t.Fatalf("second key count %d", got.RequestCount)
		}
		// A second flush adds only what happened since.
		e.call("/api/3/people", SubscriptionHeader, good, "Authorization", tokA)
		if err := e.gw.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.gw.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.GetSubscriptionKeyByDigest(ctx, k.Digest); got.RequestCount != 9 {
			t.Fatalf("after second flush: %d", got.RequestCount)
		}
	})
}

func TestRunFlushesOnShutdown(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, Limits{Disabled: true})
		good, k := e.subKey(e.a.ID)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { e.gw.Run(ctx); close(done) }()
		e.call("/api/3/people", SubscriptionHeader, good, "Authorization", tokA)
		cancel()
		<-done
		if got, _ := st.GetSubscriptionKeyByDigest(context.Background(), k.Digest); got.RequestCount != 1 {
			t.Fatalf("count after shutdown %d", got.RequestCount)
		}
	})
}

func TestCreateSubscriptionKeyValidates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, Limits{})
		if _, _, err := CreateSubscriptionKey(ctx, st, e.a.ID, "  ", nil); err == nil {
			t.Fatal("empty name accepted")
		}
		if _, _, err := CreateSubscriptionKey(ctx, st, 99999, "x", nil); err == nil {
			t.Fatal("unknown account accepted")
		}
		k, raw, err := CreateSubscriptionKey(ctx, st, e.a.ID, "billing", nil)
		if err != nil || len(raw) != subscriptionKeyLen || k.Digest != Digest(raw) || k.Prefix != raw[:displayLen] || k.Digest == raw {
			t.Fatalf("create: %+v %q %v", k, raw, err)
		}
	})
}

func TestServerWideSubscriptionRefusesBeforeToken(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, Limits{Disabled: true})
		e.gw.always = true
		w := e.call("/api/3/people", "Authorization", tokA)
		wantError(t, w, http.StatusUnauthorized, WireSubscriptionRequired)
		if n := e.bearers.Load(); n != 0 {
			t.Fatalf("bearer looked up %d times for a call without a subscription key", n)
		}
		good, _ := e.subKey(e.a.ID)
		if w := e.call("/api/3/people", SubscriptionHeader, good, "Authorization", tokA); w.Code != http.StatusOK {
			t.Fatalf("with a key: %d %s", w.Code, w.Body)
		}
		// Paths outside /api are not the gateway's business.
		if w := e.call("/healthz"); w.Code != http.StatusOK {
			t.Fatalf("healthz: %d", w.Code)
		}
	})
}
