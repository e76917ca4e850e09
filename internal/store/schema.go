package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The schema as the database itself reports it, for the commands that
// handle every table at once (copy, backup checks). Nothing here keeps a
// list of tables: what the migrations created is what the catalog holds.

// migrationsTable records applied migrations; the schema helpers leave it
// out, as each database migrates itself.
const migrationsTable = "schema_migrations"

// triggerKept are the tables each database's own triggers keep
// (list_versions, see list_versions.go; people_blocks, see ListPeople);
// the schema helpers leave them out too: a copy's target counts its own
// as the rows arrive (and versions must only grow).
var triggerKept = map[string]bool{"list_versions": true, "people_blocks": true}

// valueKind is how a column's values are converted between engines.
type valueKind int

const (
	kindOther valueKind = iota
	kindBool
	kindInt
	kindText
)

// column is one column of a table.
type column struct {
	Name string
	Kind valueKind
}

// table is one table: its columns in their declared order, the tables its
// foreign keys reference, and its auto-increment id column ("" if none).
type table struct {
	Name     string
	Columns  []column
	Parents  []string
	Identity string
}

// columnNames returns the table's column names, sorted.
func (t *table) columnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	slices.Sort(names)
	return names
}

// Tables returns the names of the database's tables other than
// schema_migrations and the trigger-kept ones, parents before the tables
// that reference them.
// Errors: the database's, or a cycle of foreign keys.
func (s *Store) Tables(ctx context.Context) ([]string, error) {
	ts, err := s.schemaTables(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return names, nil
}

// schemaTables reads every table but schema_migrations and the
// trigger-kept ones from the catalog, in dependency order (see
// sortTables).
func (s *Store) schemaTables(ctx context.Context) ([]*table, error) {
	names, err := s.tableNames(ctx)
	if err != nil {
		return nil, err
	}
	var out []*table
	for _, name := range names {
		if name == migrationsTable || triggerKept[name] {
			continue
		}
		t := &table{Name: name}
		if t.Columns, t.Identity, err = s.tableColumns(ctx, name); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", name, err)
		}
		if t.Parents, err = s.tableParents(ctx, name); err != nil {
			return nil, fmt.Errorf("foreign keys of %s: %w", name, err)
		}
		out = append(out, t)
	}
	return sortTables(out)
}

// tableNames lists the base tables, sorted by name.
func (s *Store) tableNames(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`
	if s.dialect == Postgres {
		q = `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname`
	}
	return s.queryStrings(ctx, q)
}

// tableColumns returns a table's columns and its auto-increment column.
func (s *Store) tableColumns(ctx context.Context, name string) ([]column, string, error) {
	q := `SELECT column_name, data_type, is_identity = 'YES' FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`
	args := []any{name}
	if s.dialect == SQLite {
		var ddl string
		if err := s.queryRow(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&ddl); err != nil {
			return nil, "", err
		}
		// Only an INTEGER PRIMARY KEY can be AUTOINCREMENT, and a table
		// has at most one.
		q = `SELECT name, type, pk = 1 AND ? FROM pragma_table_info(?) ORDER BY cid`
		args = []any{strings.Contains(strings.ToUpper(ddl), "AUTOINCREMENT"), name}
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var (
		cols     []column
		identity string
	)
	for rows.Next() {
		var (
			col, typ string
			ident    bool
		)
		if err := rows.Scan(&col, &typ, &ident); err != nil {
			return nil, "", err
		}
		cols = append(cols, column{Name: col, Kind: kindOf(typ)})
		if ident {
			identity = col
		}
	}
	return cols, identity, rows.Err()
}

// kindOf maps a declared (SQLite) or reported (PostgreSQL) column type to
// how its values convert.
func kindOf(typ string) valueKind {
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "boolean", "bool":
		return kindBool
	case "bigint", "integer", "int", "smallint", "int8", "int4", "int2":
		return kindInt
	case "text", "character varying", "varchar":
		return kindText
	}
	return kindOther
}

// tableParents returns the other tables a table's foreign keys reference.
func (s *Store) tableParents(ctx context.Context, name string) ([]string, error) {
	q := `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`
	if s.dialect == Postgres {
		q = `SELECT DISTINCT rf.relname FROM pg_constraint co
			JOIN pg_class cl ON cl.oid = co.conrelid
			JOIN pg_class rf ON rf.oid = co.confrelid
			JOIN pg_namespace n ON n.oid = cl.relnamespace
			WHERE co.contype = 'f' AND n.nspname = current_schema() AND cl.relname = ?`
	}
	parents, err := s.queryStrings(ctx, q, name)
	if err != nil {
		return nil, err
	}
	parents = slices.DeleteFunc(parents, func(p string) bool { return p == name })
	slices.Sort(parents)
	return parents, nil
}

// sortTables orders tables so that every table comes after the tables it
// references (ties by name). Errors: a cycle of foreign keys, which no
// insertion order can satisfy.
func sortTables(ts []*table) ([]*table, error) {
	byName := make(map[string]*table, len(ts))
	for _, t := range ts {
		byName[t.Name] = t
	}
	done := make(map[string]bool, len(ts))
	var out []*table
	for len(out) < len(ts) {
		progressed := false
		for _, t := range ts {
			if done[t.Name] {
				continue
			}
			ready := true
			for _, p := range t.Parents {
				if byName[p] != nil && !done[p] {
					ready = false
					break
				}
			}
			if ready {
				done[t.Name] = true
				out = append(out, t)
				progressed = true
			}
		}
		if !progressed {
			var left []string
			for _, t := range ts {
				if !done[t.Name] {
					left = append(left, t.Name)
				}
			}
			return nil, fmt.Errorf("foreign keys form a cycle among %s", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// countRows returns the number of rows of a table.
func (s *Store) countRows(ctx context.Context, name string) (int64, error) {
	var n int64
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM `+quoteIdent(name)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", name, err)
	}
	return n, nil
}

// quoteIdent quotes a name read from the catalog for use in SQL.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// queryStrings runs a query returning one text column.
func (s *Store) queryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
