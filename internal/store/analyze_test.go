package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// On PostgreSQL the migrations and a bulk load leave the tables analyzed
// (and vacuumed after the load), whether or not autovacuum runs.
func TestAnalyzedAfterMigrationsAndBulkLoad(t *testing.T) {
	storetest.RunBackends(t, func(t *testing.T, b storetest.Backend, s *store.Store) {
		if s.Dialect() != store.Postgres {
			if err := s.AfterBulkLoad(context.Background()); err != nil {
				t.Fatal(err)
			}
			return
		}
		ctx := context.Background()
		var analyzed bool
		if err := s.DB().QueryRowContext(ctx, `SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL
			FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'events'`).Scan(&analyzed); err != nil {
			t.Fatal(err)
		}
		if !analyzed {
			t.Fatal("events not analyzed after the migrations")
		}
		now := time.Now()
		acct, err := demo.Seed(ctx, s, demo.Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.AddPeople(ctx, s, acct.ID, 3000, now, nil); err != nil {
			t.Fatal(err)
		}
		// The planner's idea of the table's size (reltuples) is the
		// real one, and the table was vacuumed (how many pages VACUUM can
		// mark all-visible depends on other sessions' open snapshots).
		var tuples float64
		var vacuumed bool
		if err := s.DB().QueryRowContext(ctx, `SELECT c.reltuples, s.last_vacuum IS NOT NULL FROM pg_class c
			JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = to_regclass('people')`).Scan(&tuples, &vacuumed); err != nil {
			t.Fatal(err)
		}
		if tuples < 3000 || !vacuumed {
			t.Fatalf("people after the bulk load: reltuples %.0f, vacuumed %v", tuples, vacuumed)
		}
	})
}
