package sim

import (
	"context"
	"testing"
	"time"
)

// TestTinyBoardSimulation: two emulated boards load the access list,
// every revocation leaves both card tables, and every board event is
// stored once despite lost packets and a cut.
func TestTinyBoardSimulation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := RunBoards(ctx, BoardsConfig{Boards: 2, People: 500, Revocations: 3, Swipes: 60, DropRate: 0.2,
		CutFor: 300 * time.Millisecond, Server: serverConfig()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *r)
	if r.Cards < 400 || r.LoadP50ms <= 0 || r.CardsPerSecond <= 0 {
		t.Errorf("full load: %d cards, p50 %v ms, %v cards/s", r.Cards, r.LoadP50ms, r.CardsPerSecond)
	}
	if r.Revocations != 3 || r.Propagated != 3 || r.DeltaP99ms < r.DeltaP50ms {
		t.Errorf("revocations %d, propagated %d, p50 %v p99 %v", r.Revocations, r.Propagated, r.DeltaP50ms, r.DeltaP99ms)
	}
	if r.Swipes != 120 || r.EventsBoards < 120 || r.EventsStored != r.EventsBoards || r.EventsLost != 0 || r.Duplicates != 0 {
		t.Errorf("swipes %d, events on boards %d, stored %d, lost %d, twice %d", r.Swipes, r.EventsBoards, r.EventsStored, r.EventsLost, r.Duplicates)
	}
	if r.ReadBack == 0 {
		t.Errorf("no event was read back after lost pushes and a cut")
	}
}
