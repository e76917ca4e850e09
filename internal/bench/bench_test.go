package bench

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestRunSmall runs every measure on a tiny data set: each row must have
// a rate, an anchor and no failed request, and skip_pagination must list
// every person.
func TestRunSmall(t *testing.T) {
	for _, db := range []struct{ name, url string }{{"sqlite", ""}, {"postgres", os.Getenv("LINTEL_TEST_POSTGRES_URL")}} {
		t.Run(db.name, func(t *testing.T) {
			if db.name == "postgres" && db.url == "" {
				t.Skip("LINTEL_TEST_POSTGRES_URL is not set")
			}
			rep, err := Run(context.Background(), Config{DatabaseURL: db.url, People: 120, Events: 300, Rounds: 1,
				Duration: 150 * time.Millisecond, ListC: 2, WriteC: 2, RefreshC: 2, Idle: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Rows) != 10 { // 3 lists twice (cached, computed), 2 deep pages, writes, refresh
				t.Fatalf("%d rows, want 10: %+v", len(rep.Rows), rep.Rows)
			}
			for _, r := range rep.Rows {
				if r.Rate <= 0 || r.AnchorRate <= 0 || r.Ratio <= 0 || r.Errors != 0 {
					t.Errorf("%s: rate %.0f, anchor %.0f, ratio %.3f, %d errors (%s)", r.Name, r.Rate, r.AnchorRate, r.Ratio, r.Errors, r.Note)
				}
			}
			if s := rep.SkipPagination; s == nil || s.Status != 200 || s.Items == "" || s.Items == "0" {
				t.Errorf("skip_pagination: %+v", s)
			}
			if rep.IdleCPU == nil {
				t.Error("no idle CPU figure")
			}
		})
	}
}
