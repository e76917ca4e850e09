package password

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A flood of checks never runs more than the gate's slots at once; those
// beyond the queue are refused at once with ErrBusy, and every admitted
// one is checked.
func TestGateBoundsConcurrentChecks(t *testing.T) {
	h, err := HashWith(Params{Memory: 8 * 1024, Time: 1, Threads: 1}, "right")
	if err != nil {
		t.Fatal(err)
	}
	g := NewGate(2, 3, time.Minute)
	// Hold both slots so that the queue fills deterministically.
	g.slots <- struct{}{}
	g.slots <- struct{}{}
	var (
		wg             sync.WaitGroup
		busy, verified atomic.Int32
	)
	for range 20 {
		wg.Go(func() {
			ok, err := g.Verify(context.Background(), h, "right")
			if errors.Is(err, ErrBusy) {
				busy.Add(1)
			} else if ok && err == nil {
				verified.Add(1)
			}
		})
	}
	// 5 places (2 slots + 3 queue): 15 requests are refused straight away.
	deadline := time.Now().Add(10 * time.Second)
	for busy.Load() < 15 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if busy.Load() != 15 {
		t.Fatalf("%d refused while the gate was full, want 15", busy.Load())
	}
	<-g.slots
	<-g.slots
	wg.Wait()
	if verified.Load() != 5 {
		t.Fatalf("%d verified, want 5", verified.Load())
	}
}

func TestGateWaitRunsOut(t *testing.T) {
	g := NewGate(1, 1, 20*time.Millisecond)
	g.slots <- struct{}{}
	if _, err := g.Verify(context.Background(), "x", "y"); !errors.Is(err, ErrBusy) {
		t.Fatalf("waited past maxWait: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g2 := NewGate(1, 1, time.Minute)
	g2.slots <- struct{}{}
	if _, err := g2.Verify(ctx, "x", "y"); !errors.Is(err, ErrBusy) {
		t.Fatalf("cancelled context: %v", err)
	}
}
