package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// CopyOptions tune Copy.
type CopyOptions struct {
	// Replace deletes every row of the target before copying. Without it
	// a target holding any row is refused with *NotEmptyError.
	Replace bool
	// Progress, when not nil, is called after each batch of rows with the
	// rows copied so far and the rows to copy in all.
	Progress func(done, total int64)
}

// TableCount is the number of rows of one table, equal on both sides
// after a copy.
type TableCount struct {
	Table string
	Rows  int64
}

// CopyReport says what Copy copied.
type CopyReport struct {
	SchemaVersion int
	Tables        []TableCount // in the order copied: parents first
	Rows          int64        // all tables together
}

// NotEmptyError refuses a copy into a database that already holds rows.
type NotEmptyError struct {
	Tables []TableCount // the tables holding rows, with their counts
}

func (e *NotEmptyError) Error() string {
	var parts []string
	for i, t := range e.Tables {
		if i == 4 && len(e.Tables) > 5 {
			parts = append(parts, fmt.Sprintf("and %d more tables", len(e.Tables)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s: %d", t.Table, t.Rows))
	}
	return "the target database already holds data (rows per table: " + strings.Join(parts, ", ") + ")"
}

// copyMaxParams bounds the parameters of one INSERT, under SQLite's limit
// (32766) and PostgreSQL's (65535); copyMaxRows bounds its rows.
const (
	copyMaxParams = 30000
	copyMaxRows   = 500
)

// Copy copies the whole database src into dst: every table the catalog of
// src lists (so every table the migrations create, whatever they are),
// with ids kept, in one read snapshot of src and one transaction on dst.
// dst is migrated first; both must then have applied exactly this
// binary's migrations. Before committing, Copy counts the rows of every
// table on both sides and rolls back on any difference. Auto-increment
// positions (PostgreSQL identity sequences, SQLite's sqlite_sequence) are
// set past every id src has issued, so new rows never reuse an id, not
// even one src issued and then deleted (webhook receivers deduplicate on
// delivery ids).
//
// src may be serving meanwhile: the copy is of one consistent moment, and
// later writes to src are not copied.
//
// Errors: *SchemaError (wrapped, saying which side) when a side is not at
// this binary's schema; *NotEmptyError when dst holds rows and
// opt.Replace is false; a value dst cannot store (a NUL byte or invalid
// UTF-8 in text, for PostgreSQL) naming its table, column and row; a
// difference of tables, columns or counts; otherwise the databases'.
// Nothing is written to dst unless Copy succeeds, except migrations.
func Copy(ctx context.Context, src, dst *Store, opt CopyOptions) (*CopyReport, error) {
	version, err := src.CheckSchema(ctx)
	if err != nil {
		return nil, fmt.Errorf("source database: %w", err)
	}
	if _, err := dst.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrate the target database: %w", err)
	}
	if _, err := dst.CheckSchema(ctx); err != nil {
		return nil, fmt.Errorf("target database: %w", err)
	}
	dstTables, err := dst.schemaTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("target database: %w", err)
	}
	report := &CopyReport{SchemaVersion: version}
	err = src.inSnapshot(ctx, func(sx *Store) error {
		srcTables, err := sx.schemaTables(ctx)
		if err != nil {
			return fmt.Errorf("source database: %w", err)
		}
		if err := sameTables(srcTables, dstTables); err != nil {
			return err
		}
		counts := make(map[string]int64, len(srcTables))
		var total int64
		for _, t := range srcTables {
			if counts[t.Name], err = sx.countRows(ctx, t.Name); err != nil {
				return fmt.Errorf("source database: %w", err)
			}
			total += counts[t.Name]
		}
		positions, err := sx.idPositions(ctx, srcTables)
		if err != nil {
			return fmt.Errorf("source database: %w", err)
		}
		return dst.InTx(ctx, func(tx *Store) error {
			if opt.Replace {
				if err := tx.deleteAll(ctx, dstTables); err != nil {
					return err
				}
			} else if err := tx.checkEmpty(ctx, dstTables); err != nil {
				return err
			}
			var done int64
			for _, t := range dstTables {
				err := copyTable(ctx, sx, tx, t, func(n int) {
					done += int64(n)
					if opt.Progress != nil {
						opt.Progress(done, total)
					}
				})
				if err != nil {
					return err
				}
			}
			if err := tx.setIDPositions(ctx, dstTables, positions); err != nil {
				return err
			}
			for _, t := range dstTables {
				n, err := tx.countRows(ctx, t.Name)
				if err != nil {
					return err
				}
				if n != counts[t.Name] {
					return fmt.Errorf("table %s: %d rows copied, the source holds %d", t.Name, n, counts[t.Name])
				}
				report.Tables = append(report.Tables, TableCount{Table: t.Name, Rows: n})
				report.Rows += n
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	// Every table was loaded at once: the planner learns their sizes.
	if err := dst.AfterBulkLoad(ctx); err != nil {
		return nil, err
	}
	return report, nil
}

// inSnapshot runs fn on a read-only transaction: one consistent view of
// the database that neither blocks nor waits for writers (SQLite in WAL
// mode; PostgreSQL at REPEATABLE READ).
func (s *Store) inSnapshot(ctx context.Context, fn func(tx *Store) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin a read snapshot: %w", err)
	}
	defer tx.Rollback()
	return fn(s.bound(tx))
}

// sameTables checks that both sides have the same tables with the same
// columns (in any order).
func sameTables(src, dst []*table) error {
	byName := make(map[string]*table, len(dst))
	for _, t := range dst {
		byName[t.Name] = t
	}
	var problems []string
	for _, t := range src {
		d := byName[t.Name]
		if d == nil {
			problems = append(problems, "table "+t.Name+" is missing from the target")
			continue
		}
		delete(byName, t.Name)
		if a, b := t.columnNames(), d.columnNames(); !slices.Equal(a, b) {
			problems = append(problems, fmt.Sprintf("table %s has columns %s in the source and %s in the target",
				t.Name, strings.Join(a, ","), strings.Join(b, ",")))
		}
	}
	for name := range byName {
		problems = append(problems, "table "+name+" is missing from the source")
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("the schemas differ: %s", strings.Join(problems, "; "))
	}
	return nil
}

// checkEmpty returns *NotEmptyError when any table holds rows.
func (s *Store) checkEmpty(ctx context.Context, ts []*table) error {
	var full []TableCount
	for _, t := range ts {
		n, err := s.countRows(ctx, t.Name)
		if err != nil {
			return err
		}
		if n > 0 {
			full = append(full, TableCount{Table: t.Name, Rows: n})
		}
	}
	if len(full) > 0 {
		return &NotEmptyError{Tables: full}
	}
	return nil
}

// deleteAll deletes every row of the tables, children first.
func (s *Store) deleteAll(ctx context.Context, ts []*table) error {
	for i := len(ts) - 1; i >= 0; i-- {
		if _, err := s.exec(ctx, `DELETE FROM `+quoteIdent(ts[i].Name)); err != nil {
			return fmt.Errorf("empty %s: %w", ts[i].Name, err)
		}
	}
	return nil
}

// copyTable streams the rows of t from src into dst, converting each value
// to the kind dst declares, and calls copied with the number of rows of
// each batch written. On PostgreSQL (dst in a transaction on a connection
// of its own, pgtx.go) it uses COPY; elsewhere multi-row INSERTs.
func copyTable(ctx context.Context, src, dst *Store, t *table, copied func(n int)) error {
	names := make([]string, len(t.Columns))
	quoted := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i], quoted[i] = c.Name, quoteIdent(c.Name)
	}
	list := strings.Join(quoted, ", ")
	rows, err := src.query(ctx, `SELECT `+list+` FROM `+quoteIdent(t.Name))
	if err != nil {
		return fmt.Errorf("read %s: %w", t.Name, err)
	}
	defer rows.Close()
	in := newRowSource(rows, t, dst.dialect)
	if conn := dst.pgConn(); conn != nil {
		err = conn.raw(ctx, func(c *pgx.Conn) error {
			in.every, in.copied = copyMaxRows, copied
			_, err := c.CopyFrom(ctx, pgx.Identifier{t.Name}, names, in)
			return err
		})
		if in.err != nil {
			return in.err
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", t.Name, err)
		}
		if rest := in.n % copyMaxRows; rest > 0 {
			copied(rest)
		}
		return nil
	}

	per := max(1, min(copyMaxRows, copyMaxParams/len(names)))
	insert := func(n int) string {
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")"
		return `INSERT INTO ` + quoteIdent(t.Name) + ` (` + list + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	batch := make([]any, 0, per*len(names))
	flush := func() error {
		n := len(batch) / len(names)
		if n == 0 {
			return nil
		}
		var err error
		if n == per {
			if full == nil {
				if full, err = dst.prepareInTx(ctx, insert(per)); err != nil {
					return fmt.Errorf("write %s: %w", t.Name, err)
				}
			}
			_, err = full.ExecContext(ctx, batch...)
		} else {
			_, err = dst.exec(ctx, insert(n), batch...)
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", t.Name, err)
		}
		batch = batch[:0]
		copied(n)
		return nil
	}
	for in.Next() {
		batch = append(batch, in.out...)
		if len(batch) == per*len(names) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if in.err != nil {
		return in.err
	}
	return flush()
}

// rowSource reads a table's rows and converts them for the target, one
// at a time; it is also the pgx.CopyFromSource of a COPY.
type rowSource struct {
	rows   *sql.Rows
	t      *table
	to     Dialect
	idCol  int   // the column naming a row in errors, -1 if none
	vals   []any // as read
	ptrs   []any
	out    []any // as converted
	n      int   // rows read
	err    error
	every  int         // with copied: report every so many rows
	copied func(n int) // nil: no reports
}

func newRowSource(rows *sql.Rows, t *table, to Dialect) *rowSource {
	r := &rowSource{rows: rows, t: t, to: to, idCol: -1,
		vals: make([]any, len(t.Columns)), ptrs: make([]any, len(t.Columns)), out: make([]any, len(t.Columns))}
	for i, c := range t.Columns {
		r.ptrs[i] = &r.vals[i]
		if c.Name == t.Identity || (r.idCol < 0 && c.Name == "id") {
			r.idCol = i
		}
	}
	return r
}

// Next reads and converts the next row; false at the end or on an error
// (see err).
func (r *rowSource) Next() bool {
	if r.err != nil || !r.rows.Next() {
		if r.err == nil && r.rows.Err() != nil {
			r.err = fmt.Errorf("read %s: %w", r.t.Name, r.rows.Err())
		}
		return false
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.err = fmt.Errorf("read %s: %w", r.t.Name, err)
		return false
	}
	for i, c := range r.t.Columns {
		v, err := convertValue(r.vals[i], c.Kind, r.to)
		if err != nil {
			row := "a row"
			if r.idCol >= 0 {
				row = fmt.Sprintf("the row with %s %v", r.t.Columns[r.idCol].Name, r.vals[r.idCol])
			}
			r.err = fmt.Errorf("table %s, %s, column %s: %w", r.t.Name, row, c.Name, err)
			return false
		}
		r.out[i] = v
	}
	r.n++
	if r.copied != nil && r.n%r.every == 0 {
		r.copied(r.every)
	}
	return true
}

// Values returns the current row, converted.
func (r *rowSource) Values() ([]any, error) { return r.out, nil }

// Err returns what stopped Next early.
func (r *rowSource) Err() error { return r.err }

// convertValue turns a value read from one engine into what the other
// stores in a column of the given kind: SQLite keeps booleans as 0 and 1,
// PostgreSQL wants true and false; PostgreSQL text holds neither NUL
// bytes nor invalid UTF-8, which SQLite accepts.
func convertValue(v any, kind valueKind, to Dialect) (any, error) {
	if b, ok := v.([]byte); ok && kind != kindOther {
		v = string(b)
	}
	if v == nil {
		return nil, nil
	}
	switch kind {
	case kindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("%q is not a boolean", x)
			}
			return b, nil
		}
	case kindInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<62 {
				return nil, fmt.Errorf("%v is not an integer", x)
			}
			return int64(x), nil
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not an integer", x)
			}
			return n, nil
		}
	case kindText:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case int64:
			s = strconv.FormatInt(x, 10)
		case float64:
			s = strconv.FormatFloat(x, 'g', -1, 64)
		case bool:
			s = strconv.FormatBool(x)
		default:
			return nil, fmt.Errorf("a %T is not text", v)
		}
		if to == Postgres {
			if strings.IndexByte(s, 0) >= 0 {
				return nil, errors.New("the text holds a NUL byte, which PostgreSQL cannot store; remove it in the source first")
			}
			if !utf8.ValidString(s) {
				return nil, errors.New("the text is not valid UTF-8, which PostgreSQL cannot store; fix it in the source first")
			}
		}
		return s, nil
	default:
		return v, nil
	}
	return nil, fmt.Errorf("a %T cannot be stored in this column", v)
}

// idPositions returns, for each table with an auto-increment column, the
// highest id the database has issued: its sequence's position, or the
// highest id held if that is higher.
func (s *Store) idPositions(ctx context.Context, ts []*table) (map[string]int64, error) {
	seq := map[string]int64{}
	if s.dialect == SQLite {
		// sqlite_sequence exists once a table with AUTOINCREMENT does.
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			rows, err := s.query(ctx, `SELECT name, seq FROM sqlite_sequence`)
			if err != nil {
				return nil, fmt.Errorf("read sqlite_sequence: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				var (
					name string
					v    int64
				)
				if err := rows.Scan(&name, &v); err != nil {
					return nil, err
				}
				seq[name] = v
			}
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	out := map[string]int64{}
	for _, t := range ts {
		if t.Identity == "" {
			continue
		}
		top, err := s.maxID(ctx, t)
		if err != nil {
			return nil, err
		}
		if s.dialect == Postgres {
			var seqName sql.NullString
			if err := s.queryRow(ctx, `SELECT pg_get_serial_sequence(?, ?)`, quoteIdent(t.Name), t.Identity).Scan(&seqName); err != nil {
				return nil, fmt.Errorf("sequence of %s: %w", t.Name, err)
			}
			if seqName.Valid {
				var (
					last   int64
					called bool
				)
				// The name comes from the catalog, already quoted.
				if err := s.queryRow(ctx, `SELECT last_value, is_called FROM `+seqName.String).Scan(&last, &called); err != nil {
					return nil, fmt.Errorf("sequence of %s: %w", t.Name, err)
				}
				if !called {
					last--
				}
				seq[t.Name] = last
			}
		}
		out[t.Name] = max(top, seq[t.Name])
	}
	return out, nil
}

// maxID returns the highest id a table with an auto-increment column
// holds (0 when empty).
func (s *Store) maxID(ctx context.Context, t *table) (int64, error) {
	var top int64
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(`+quoteIdent(t.Identity)+`), 0) FROM `+quoteIdent(t.Name)).Scan(&top); err != nil {
		return 0, fmt.Errorf("highest id of %s: %w", t.Name, err)
	}
	return top, nil
}

// setIDPositions makes the next id of each auto-increment column come
// after positions[table] and after every id the table holds.
func (s *Store) setIDPositions(ctx context.Context, ts []*table, positions map[string]int64) error {
	for _, t := range ts {
		if t.Identity == "" {
			continue
		}
		top, err := s.maxID(ctx, t)
		if err != nil {
			return err
		}
		pos := max(top, positions[t.Name])
		switch {
		case s.dialect == Postgres && pos > 0:
			_, err = s.exec(ctx, `SELECT setval(pg_get_serial_sequence(?, ?), ?, true)`, quoteIdent(t.Name), t.Identity, pos)
		case s.dialect == Postgres:
			_, err = s.exec(ctx, `SELECT setval(pg_get_serial_sequence(?, ?), 1, false)`, quoteIdent(t.Name), t.Identity)
		default:
			// Inserting explicit ids already raised sqlite_sequence to the
			// highest; raise it further to what the source had issued.
			var res sql.Result
			res, err = s.exec(ctx, `UPDATE sqlite_sequence SET seq = ? WHERE name = ?`, pos, t.Name)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 && pos > 0 {
					_, err = s.exec(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, t.Name, pos)
				}
			}
		}
		if err != nil {
			return fmt.Errorf("set the next id of %s: %w", t.Name, err)
		}
	}
	return nil
}
