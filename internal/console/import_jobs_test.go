package console

import (
	"testing"
	"time"
)

// TestImportJobsForget: a finished job is kept for an hour after it ends
// and then forgotten at the next look-up; a running one is never
// forgotten, and while it runs the account can start no other.
func TestImportJobsForget(t *testing.T) {
	js := newImportJobs()
	t0 := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	old := &importJob{ID: "old", account: 1}
	if running, ok := js.add(old, t0); running != nil || !ok {
		t.Fatal("first job refused")
	}
	if running, _ := js.add(&importJob{ID: "second", account: 1}, t0); running != old {
		t.Fatalf("second job of the account while one runs: %v", running)
	}
	if running, _ := js.add(&importJob{ID: "other", account: 2}, t0); running != nil {
		t.Fatal("another account's job refused")
	}
	if js.get("old", 1, t0.Add(3*time.Hour)) != old {
		t.Fatal("a running job was forgotten")
	}
	if js.get("old", 2, t0) != nil || js.get("second", 1, t0) != nil {
		t.Fatal("a job found by another account, or a refused one found")
	}
	js.finish(old, t0.Add(time.Minute))
	js.wg.Done()
	if js.get("old", 1, t0.Add(time.Hour)) != old {
		t.Fatal("a job forgotten before its hour")
	}
	if js.get("old", 1, t0.Add(time.Hour+2*time.Minute)) != nil || len(js.byID) != 1 {
		t.Fatalf("a job kept after its hour: %d jobs", len(js.byID))
	}
	if running, ok := js.add(&importJob{ID: "next", account: 1}, t0.Add(2*time.Hour)); running != nil || !ok {
		t.Fatal("the account may not import after its job ended")
	}
	js.drain(time.Millisecond)
	if _, ok := js.add(&importJob{ID: "late", account: 3}, t0); ok {
		t.Fatal("a job started after the console drained")
	}
}
