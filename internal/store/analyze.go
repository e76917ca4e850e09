package store

import (
	"context"
	"fmt"
	"strings"
)

// AfterBulkLoad brings the query planner up to date after many rows went
// into the tables at once (the demo's people, an import, a copy): on
// PostgreSQL it runs VACUUM (ANALYZE) on them, every table of the schema
// when none is named. ANALYZE gives the planner the tables' real sizes: a
// server with autovacuum off (or before autovacuum gets round to it) would
// otherwise plan the list pages for empty tables, ten times slower.
// VACUUM marks the new pages all-visible, so that a page of events is
// chosen from the sort index alone (an index-only scan). On SQLite, and
// inside a transaction (where VACUUM cannot run), it does nothing.
func (s *Store) AfterBulkLoad(ctx context.Context, tables ...string) error {
	if s.dialect != Postgres || s.inTx {
		return nil
	}
	if len(tables) == 0 {
		var err error
		if tables, err = s.Tables(ctx); err != nil {
			return err
		}
	}
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = quoteIdent(t)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM (ANALYZE) `+strings.Join(quoted, ", ")); err != nil {
		return fmt.Errorf("vacuum and analyze: %w", err)
	}
	return nil
}

// PeopleTables are the tables BulkCreatePeople writes, for AfterBulkLoad.
var PeopleTables = []string{"people", "person_groups", "person_roles", "credentials", "resource_changes", "access_changes", "account_counts", "people_blocks"}

// analyze refreshes the planner's statistics of the whole schema
// (PostgreSQL), after migrations changed tables or indexes.
func (s *Store) analyze(ctx context.Context) error {
	if s.dialect != Postgres || s.inTx {
		return nil
	}
	tables, err := s.Tables(ctx)
	if err != nil {
		return err
	}
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = quoteIdent(t)
	}
	if _, err := s.db.ExecContext(ctx, `ANALYZE `+strings.Join(quoted, ", ")); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
