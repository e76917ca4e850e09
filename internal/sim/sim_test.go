package sim

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/config"
)

// TestTinySimulation: every presentation reaches the server exactly once
// and every revocation reaches every controller.
func TestTinySimulation(t *testing.T) {
	cfg := Config{Controllers: 3, Rate: 30, Duration: 2 * time.Second, People: 60, Revocations: 2}
	if u := os.Getenv("LINTEL_TEST_POSTGRES_URL"); u != "" {
		cfg.Server = &config.Config{DatabaseURL: u}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *r)
	if r.Swipes != 60 {
		t.Errorf("swipes = %d, want 60", r.Swipes)
	}
	if r.EventsSent < r.Swipes || r.EventsSent != r.EventsStored {
		t.Errorf("events sent %d, stored %d (swipes %d)", r.EventsSent, r.EventsStored, r.Swipes)
	}
	if r.Revocations != 2 || r.Propagated != 2 {
		t.Errorf("revocations %d, propagated %d; want 2 and 2", r.Revocations, r.Propagated)
	}
	if r.Mix[SwipeValid] == 0 || r.Decisions["admit 10"] == 0 {
		t.Errorf("no valid swipes admitted: mix %v, decisions %v", r.Mix, r.Decisions)
	}
	if r.Decisions["deny 20"] == 0 {
		t.Errorf("no card rejects: %v", r.Decisions)
	}
	if r.LatencyP50ms <= 0 || r.LatencyP99ms < r.LatencyP50ms {
		t.Errorf("latency p50 %v p99 %v", r.LatencyP50ms, r.LatencyP99ms)
	}
}

func TestPercentile(t *testing.T) {
	d := []time.Duration{1 * time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond, 4 * time.Millisecond}
	if got := percentile(d, 50); got != 2 {
		t.Errorf("p50 = %v, want 2", got)
	}
	if got := percentile(d, 100); got != 4 {
		t.Errorf("p100 = %v, want 4", got)
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("empty = %v", got)
	}
}
