package store

import (
	"context"
	"database/sql"
	"sync"
)

// The OAuth queries run on every API call (token lookup) and every token
// issuance. SQLite re-parses a statement each time it is run unprepared,
// which costs about a fifth of a token refresh, so these queries are
// prepared once per pool and reused (inside transactions through
// Tx.StmtContext, which database/sql prepares once per connection).

// stmtCache maps a query's text to its prepared statement for one pool.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmtCaches holds one stmtCache per *sql.DB. A closed pool's entry is a
// handful of dead statements; pools are few and long-lived.
var stmtCaches sync.Map

// prepared returns the prepared form of query for this store, bound to
// the store's transaction when it has one, or nil in a PostgreSQL
// transaction, where the caller runs the query on it as it is. The caller
// must Close the returned statement only when it is bound to a
// transaction (closeTx).
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, bool, error) {
	if s.pgConn() != nil {
		// A PostgreSQL transaction (pgtx.go): a statement of the pool
		// would run on another connection. The driver keeps its own
		// prepared statements per connection.
		return nil, false, nil
	}
	q := s.rebind(query)
	v, _ := stmtCaches.LoadOrStore(s.db, &stmtCache{m: map[string]*sql.Stmt{}})
	c := v.(*stmtCache)
	c.mu.Lock()
	stmt, ok := c.m[q]
	if !ok {
		var err error
		stmt, err = s.db.PrepareContext(context.WithoutCancel(ctx), q)
		if err != nil {
			c.mu.Unlock()
			return nil, false, err
		}
		c.m[q] = stmt
	}
	c.mu.Unlock()
	if tx, ok := s.q.(*sql.Tx); ok {
		return tx.StmtContext(ctx, stmt), true, nil
	}
	return stmt, false, nil
}

// pexec is exec through a prepared statement.
func (s *Store) pexec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = s.live(ctx)
	if st, verb, table, ok := auditWrite(ctx, query); ok {
		if !s.inTx {
			var res sql.Result
			err := s.InTx(ctx, func(tx *Store) error {
				var err error
				res, err = tx.pexec(ctx, query, args...)
				return err
			})
			return res, err
		}
		s.noteWrite(st, verb, table, 0)
	}
	stmt, inTx, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	if stmt == nil {
		return s.q.ExecContext(ctx, s.rebind(query), args...)
	}
	if inTx {
		defer stmt.Close()
	}
	return stmt.ExecContext(ctx, args...)
}

// pqueryRow is queryRow through a prepared statement. Scan errors carry
// any preparation error.
func (s *Store) pqueryRow(ctx context.Context, query string, args ...any) rowScanner {
	ctx = s.live(ctx)
	if st, verb, table, ok := auditWrite(ctx, query); ok {
		s.noteWrite(st, verb, table, 0)
	}
	stmt, inTx, err := s.prepared(ctx, query)
	if err != nil {
		return errRow{err}
	}
	if stmt == nil {
		if t := s.pgConn(); t != nil {
			return t.row(ctx, s.rebind(query), args...)
		}
		return s.q.QueryRowContext(ctx, s.rebind(query), args...)
	}
	row := stmt.QueryRowContext(ctx, args...)
	if inTx {
		return closingRow{row: row, stmt: stmt}
	}
	return row
}

// pquery is query through a prepared statement; closing the rows closes
// a transaction-bound statement too.
func (s *Store) pquery(ctx context.Context, query string, args ...any) (*sql.Rows, func(), error) {
	ctx = s.live(ctx)
	stmt, inTx, err := s.prepared(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	if stmt == nil {
		rows, err := s.q.QueryContext(ctx, s.rebind(query), args...)
		if err != nil {
			return nil, nil, err
		}
		return rows, func() { rows.Close() }, nil
	}
	rows, err := stmt.QueryContext(ctx, args...)
	done := func() {
		if rows != nil {
			rows.Close()
		}
		if inTx {
			stmt.Close()
		}
	}
	if err != nil {
		done()
		return nil, nil, err
	}
	return rows, done, nil
}

type rowScanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// closingRow scans a row and then closes its transaction-bound statement.
type closingRow struct {
	row  *sql.Row
	stmt *sql.Stmt
}

func (r closingRow) Scan(dest ...any) error {
	defer r.stmt.Close()
	return r.row.Scan(dest...)
}
