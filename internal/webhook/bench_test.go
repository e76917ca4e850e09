package webhook

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// BenchmarkDelivery offers events at a fixed rate to one application
// webhook on loopback and reports event-to-webhook latency (from the event
// insert returning to the receiver getting the request) and deliveries/s.
// Run with -benchtime=1x; each iteration sends rate*seconds events.
//
//	go test ./internal/webhook -run '^$' -bench Delivery -benchtime=1x
func BenchmarkDelivery(b *testing.B) {
	for _, notify := range []bool{true, false} {
		name := "notify"
		if !notify {
			name = "poll"
		}
		for _, be := range storetest.Backends(b) {
			b.Run(be.Name+"/"+name+"/500eps", func(b *testing.B) { benchRate(b, storetest.Open(b, be), 500, 4*time.Second, notify) })
		}
	}
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name+"/burst5000", func(b *testing.B) { benchRate(b, storetest.Open(b, be), 0, 5000, true) })
	}
}

// benchRate sends events at rate per second for span (rate 0: a burst of
// int(span) events) and waits for all deliveries.
func benchRate(b *testing.B, s *store.Store, rate int, span time.Duration, notify bool) {
	f := newFixture(b, s, eventScope)
	var (
		mu      sync.Mutex
		sent    = map[int64]time.Time{}
		arrived = map[int64]time.Duration{}
		firstAt time.Time
		lastAt  time.Time
	)
	rcv := newReceiver(b, "k")
	rcv.behave = func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusOK) }
	inner := rcv.srv.Config.Handler
	rcv.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		id, _ := strconv.ParseInt(r.Header.Get(HeaderEvent), 10, 64)
		mu.Lock()
		if _, dup := arrived[id]; !dup {
			if t0, ok := sent[id]; ok {
				arrived[id] = now.Sub(t0)
			} else {
				arrived[id] = -1
			}
			if firstAt.IsZero() {
				firstAt = now
			}
			lastAt = now
		}
		mu.Unlock()
		inner.ServeHTTP(w, r)
	})
	if _, err := s.SetAppWebhook(context.Background(), f.app.ID, rcv.srv.URL, "k", time.Now()); err != nil {
		b.Fatal(err)
	}
	svc := New(Config{Store: s, HTTPClient: NewHTTPClient(true, 16)})
	startWorker(b, svc)
	total := int(span)
	if rate > 0 {
		total = rate * int(span/time.Second)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mu.Lock()
		clear(sent)
		clear(arrived)
		firstAt = time.Time{}
		mu.Unlock()
		start := time.Now()
		for n := 0; n < total; n++ {
			if rate > 0 {
				if d := time.Until(start.Add(time.Duration(n) * time.Second / time.Duration(rate))); d > 0 {
					time.Sleep(d)
				}
			}
			id := f.event(b, 10, nil)
			mu.Lock()
			sent[id] = time.Now()
			mu.Unlock()
			if notify {
				svc.Notify(f.acct.ID)
			}
		}
		waitFor(b, "deliveries", 120*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(arrived) >= total
		})
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	lat := make([]time.Duration, 0, len(arrived))
	for _, d := range arrived {
		if d >= 0 {
			lat = append(lat, d)
		}
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(pct(1), "max_ms")
	if el := lastAt.Sub(firstAt).Seconds(); el > 0 {
		b.ReportMetric(float64(len(arrived))/el, "deliveries/s")
	}
}
