package webhook

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/clocktest"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// advanceClock moves the clock forward in steps until stop is closed, so
// backoff waits pass quickly.
func advanceClock(clock *clocktest.Clock, step time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				clock.Add(step)
			}
		}
	}()
	return func() { close(done) }
}

func TestFlakyReceiverGetsEveryEventOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, eventScope)
		rcv := newReceiver(t, "whsec_flaky")
		// The first 12 requests fail (500, a timeout, a dropped
		// connection in turn); then the receiver recovers.
		rcv.behave = func(n int, w http.ResponseWriter) {
			switch {
			case n > 12:
				w.WriteHeader(http.StatusNoContent)
			case n%3 == 0:
				w.WriteHeader(http.StatusInternalServerError)
			case n%3 == 1:
				time.Sleep(300 * time.Millisecond) // past the attempt timeout
			default:
				hj, _ := w.(http.Hijacker)
				conn, _, _ := hj.Hijack()
				conn.Close()
			}
		}
		clock := newClock()
		ep, err := st.SetAppWebhook(context.Background(), f.app.ID, rcv.srv.URL+"/hook", "whsec_flaky", clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		svc := New(Config{Store: st, Now: clock.Now, HTTPClient: NewHTTPClient(true, 8), Timeout: 100 * time.Millisecond,
			Concurrency: 4, DisableAfter: 10000 * time.Hour, RetryWindow: 10000 * time.Hour})
		startWorker(t, svc)
		defer advanceClock(clock, 10*time.Minute)()
		var ids []int64
		for i := 0; i < 20; i++ {
			ids = append(ids, f.event(t, 10, nil))
			svc.Notify(f.acct.ID)
		}
		waitFor(t, "all deliveries", 20*time.Second, func() bool { return allDelivered(st, ep.ID, 20) })
		rcv.checkExactlyOnce(t, ids)
		ds, _ := st.ListWebhookDeliveries(context.Background(), ep.ID, 0, 100)
		retried := 0
		for _, d := range ds {
			if d.Attempts > 1 {
				retried++
			}
			if d.LastStatusCode != http.StatusNoContent || d.DeliveredAt == nil {
				t.Errorf("delivery %d: %+v", d.ID, d)
			}
		}
		if retried == 0 {
			t.Error("no delivery needed a retry; the failures were not exercised")
		}
	})
}

func TestWorkerCrashAndRestart(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, eventScope)
		rcv := newReceiver(t, "k")
		release := make(chan struct{})
		rcv.behave = func(n int, w http.ResponseWriter) {
			<-release
			w.WriteHeader(http.StatusOK)
		}
		defer close(release)
		clock := newClock()
		ep, err := st.SetAppWebhook(ctx, f.app.ID, rcv.srv.URL, "k", clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := 0; i < 10; i++ {
			ids = append(ids, f.event(t, 10, nil))
		}
		cfg := Config{Store: st, Now: clock.Now, HTTPClient: NewHTTPClient(true, 8), Timeout: 5 * time.Second, Concurrency: 3}
		// Worker A is stopped while its requests hang.
		stopA := startWorker(t, New(cfg))
		waitFor(t, "worker A in flight", 5*time.Second, func() bool { return rcv.distinctEvents() >= 3 })
		stopA()
		// A crashed worker B: it leased rows and vanished without a trace.
		lost, err := st.ClaimWebhookDeliveries(ctx, clock.Now(), time.Minute, 4)
		if err != nil || len(lost) == 0 {
			t.Fatalf("crash simulation claimed %d: %v", len(lost), err)
		}
		// Worker C on the same database, after B's leases ran out.
		rcv.mu.Lock()
		rcv.behave = nil
		rcv.mu.Unlock()
		clock.Add(2 * time.Minute)
		startWorker(t, New(cfg))
		waitFor(t, "all deliveries", 20*time.Second, func() bool { return allDelivered(st, ep.ID, 10) })
		rcv.checkExactlyOnce(t, ids)
	})
}

func TestFailingEndpointIsDisabled(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, eventScope)
		rcv := newReceiver(t, "k")
		rcv.behave = func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }
		clock := newClock()
		ep, _ := st.SetAppWebhook(ctx, f.app.ID, rcv.srv.URL, "k", clock.Now())
		f.event(t, 10, nil)
		svc := New(Config{Store: st, Now: clock.Now, HTTPClient: NewHTTPClient(true, 2), DisableMinFailures: 3, DisableAfter: time.Hour})
		startWorker(t, svc)
		defer advanceClock(clock, 5*time.Minute)()
		waitFor(t, "endpoint disabled", 20*time.Second, func() bool {
			e, err := st.GetWebhookEndpoint(ctx, ep.ID)
			return err == nil && e.DisabledAt != nil
		})
		e, _ := st.GetWebhookEndpoint(ctx, ep.ID)
		if !strings.Contains(e.DisabledReason, "HTTP 503") || e.ConsecutiveFailures < 3 {
			t.Fatalf("reason %q after %d failures", e.DisabledReason, e.ConsecutiveFailures)
		}
		ds, _ := st.ListWebhookDeliveries(ctx, ep.ID, 0, 10)
		if len(ds) != 1 || ds[0].Status != store.DeliveryPending || ds[0].LastError != "HTTP 503" {
			t.Fatalf("the delivery must wait for the endpoint: %+v", ds)
		}
	})
}

func TestGiveUpAfterRetryWindow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, eventScope)
		rcv := newReceiver(t, "k")
		rcv.behave = func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }
		clock := newClock()
		ep, _ := st.SetAppWebhook(ctx, f.app.ID, rcv.srv.URL, "k", clock.Now())
		f.event(t, 10, nil)
		svc := New(Config{Store: st, Now: clock.Now, HTTPClient: NewHTTPClient(true, 2), RetryWindow: 24 * time.Hour,
			DisableAfter: 1000 * time.Hour})
		startWorker(t, svc)
		defer advanceClock(clock, 20*time.Minute)()
		waitFor(t, "given up", 20*time.Second, func() bool {
			ds, _ := st.ListWebhookDeliveries(ctx, ep.ID, 0, 10)
			return len(ds) == 1 && ds[0].Status == store.DeliveryFailed
		})
		ds, _ := st.ListWebhookDeliveries(ctx, ep.ID, 0, 10)
		if span := ds[0].LastAttemptAt.Sub(ds[0].CreatedAt); span < 24*time.Hour {
			t.Fatalf("gave up after %v, want at least 24h of retries", span)
		}
	})
}

func TestBackoff(t *testing.T) {
	svc := New(Config{Jitter: func() float64 { return 0.5 }})
	for n, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 5: 32 * time.Second, 12: time.Hour, 40: time.Hour} {
		if got := svc.backoff(n); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
	lo := New(Config{Jitter: func() float64 { return 0 }}).backoff(3)
	hi := New(Config{Jitter: func() float64 { return 0.999 }}).backoff(3)
	if lo != 4*time.Second || hi <= 11*time.Second || hi >= 12*time.Second {
		t.Errorf("jitter range [%v, %v), want [4s, 12s)", lo, hi)
	}
}

func TestAppScopesAndGrants(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, "account.person.readonly") // no event scope
		rcv := newReceiver(t, "k")
		clock := newClock()
		ep, _ := st.SetAppWebhook(ctx, f.app.ID, rcv.srv.URL, "k", clock.Now())
		svc := New(Config{Store: st, Now: clock.Now, HTTPClient: NewHTTPClient(true, 2)})
		startWorker(t, svc)
		f.event(t, 10, nil)
		waitFor(t, "cursor to pass the event", 5*time.Second, func() bool {
			e, _ := st.GetWebhookEndpoint(ctx, ep.ID)
			return e.EventCursor > 0
		})
		ds, _ := st.ListWebhookDeliveries(ctx, ep.ID, 0, 10)
		if len(ds) != 0 {
			t.Fatalf("an app without %s got %d deliveries", eventScope, len(ds))
		}
	})
}

func TestDeliveryLogRetention(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, eventScope)
		rcv := newReceiver(t, "k")
		clock := newClock()
		ep, _ := st.SetAppWebhook(ctx, f.app.ID, rcv.srv.URL, "k", clock.Now())
		svc := New(Config{Store: st, Now: clock.Now, HTTPClient: NewHTTPClient(true, 2), Retention: time.Hour})
		svc.purgeEvery = time.Millisecond
		startWorker(t, svc)
		f.event(t, 10, nil)
		waitFor(t, "delivery", 5*time.Second, func() bool { return allDelivered(st, ep.ID, 1) })
		clock.Add(2 * time.Hour)
		waitFor(t, "purge", 5*time.Second, func() bool {
			ds, _ := st.ListWebhookDeliveries(ctx, ep.ID, 0, 10)
			return len(ds) == 0
		})
	})
}
