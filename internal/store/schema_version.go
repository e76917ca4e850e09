package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// SchemaError says that a database's applied migrations are not exactly
// those this binary carries.
type SchemaError struct {
	Version int   // highest migration applied (0: none, or no Lintel schema at all)
	Want    int   // highest migration this binary carries
	Missing []int // migrations this binary carries that are not applied
	Unknown []int // migrations applied that this binary does not carry
	NoTable bool  // the database has no schema_migrations table: not a Lintel database, or empty
}

// Newer reports whether the database was migrated by a newer Lintel than
// this binary: it carries migrations this binary does not know.
func (e *SchemaError) Newer() bool { return len(e.Unknown) > 0 }

func (e *SchemaError) Error() string {
	switch {
	case e.NoTable:
		return "it holds no Lintel schema (no schema_migrations table)"
	case e.Newer():
		return fmt.Sprintf("its schema is at version %d, newer than this binary's %d (migrations %s are unknown to it)",
			e.Version, e.Want, joinInts(e.Unknown))
	default:
		return fmt.Sprintf("its schema is at version %d, older than this binary's %d (migrations %s are not applied)",
			e.Version, e.Want, joinInts(e.Missing))
	}
}

func joinInts(vs []int) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprintf("%04d", v)
	}
	return strings.Join(s, ", ")
}

// CheckSchema returns the schema version when the database has applied
// exactly the migrations this binary carries. It only reads: unlike
// SchemaVersion it creates nothing in a database that has no schema.
// Errors: *SchemaError when the database is behind, ahead, or holds no
// Lintel schema; otherwise the database's.
func (s *Store) CheckSchema(ctx context.Context) (int, error) {
	all, err := s.Migrations()
	if err != nil {
		return 0, err
	}
	want := 0
	known := map[int]bool{}
	for _, m := range all {
		known[m.Version] = true
		want = max(want, m.Version)
	}
	names, err := s.tableNames(ctx)
	if err != nil {
		return 0, fmt.Errorf("read the schema: %w", err)
	}
	if !slices.Contains(names, migrationsTable) {
		return 0, &SchemaError{Want: want, NoTable: true}
	}
	done, err := s.appliedVersions(ctx)
	if err != nil {
		return 0, err
	}
	e := &SchemaError{Want: want}
	for v := range done {
		e.Version = max(e.Version, v)
		if !known[v] {
			e.Unknown = append(e.Unknown, v)
		}
	}
	for _, m := range all {
		if !done[m.Version] {
			e.Missing = append(e.Missing, m.Version)
		}
	}
	if len(e.Missing) > 0 || len(e.Unknown) > 0 {
		slices.Sort(e.Unknown)
		return e.Version, e
	}
	return e.Version, nil
}
