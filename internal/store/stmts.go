package store

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
)

// stmtCacheSize bounds how many distinct statements a SQLite store keeps
// prepared. The queries the API runs on every request have fixed text
// (id sets are one parameter, see inIDs), so they fit; text built from
// user input beyond the bound is simply run unprepared.
const stmtCacheSize = 512

// queryCache holds statements prepared on the pool, by their text. SQLite
// (modernc) parses a query again on every call otherwise; pgx caches
// prepared statements per connection by itself, so PostgreSQL stores do
// not use this.
type queryCache struct {
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// stmt returns the statement prepared for query, preparing it on first
// use. It returns nil when the cache is full or the preparation failed
// (the caller then runs the query unprepared and sees the error there).
func (s *Store) stmt(ctx context.Context, query string) *sql.Stmt {
	c := s.stmts
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st := c.m[query]
	n := len(c.m)
	c.mu.RUnlock()
	if st != nil || n >= stmtCacheSize {
		return st
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[query]; old != nil {
		st.Close()
		return old
	}
	if len(c.m) >= stmtCacheSize {
		st.Close()
		return nil
	}
	c.m[query] = st
	return st
}

// closeStmts closes the cached statements.
func (c *queryCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, st := range c.m {
		st.Close()
		delete(c.m, k)
	}
}

// txStmtLimit is how many cached statements one transaction binds: a
// transaction keeps each until it ends, so a long bulk transaction runs
// its later statements unprepared rather than piling them up.
const txStmtLimit = 256

// bindStmt returns the cached statement for query bound to the store's
// transaction when it has one, or nil.
func (s *Store) bindStmt(ctx context.Context, query string) *sql.Stmt {
	if s.stmts == nil {
		return nil
	}
	tx, inTx := s.q.(*sql.Tx)
	if s.inTx && (!inTx || s.txStmts == nil || *s.txStmts >= txStmtLimit) {
		// Bound to a connection (not a transaction) the pool's
		// statements would run elsewhere.
		return nil
	}
	st := s.stmt(ctx, query)
	if st == nil {
		return nil
	}
	if inTx {
		*s.txStmts++
		return tx.StmtContext(ctx, st)
	}
	return st
}

// inIDs returns the condition "col is one of ids" and the one argument
// it takes, whatever their number: the query text stays the same (and so
// stays prepared), and no statement outgrows the engines' limits on
// parameters. SQLite reads a JSON array; PostgreSQL a bigint array, as
// "= ANY", which it answers by index lookups (an IN over the unnested
// array was planned as a hash join over every row of the account).
func (s *Store) inIDs(col string, ids []int64) (string, any) {
	if s.dialect == Postgres {
		if ids == nil {
			ids = []int64{}
		}
		return col + ` = ANY(CAST(? AS bigint[]))`, ids
	}
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	b = append(b, ']')
	return col + ` IN (SELECT value FROM json_each(?))`, string(b)
}

// inPage returns the condition "col is one of the ids sub selects", for
// a page chosen on an index and then read: on PostgreSQL as "= ANY" of
// the array of them, so that the page's rows are read by index lookups
// (an IN over the subquery was planned as a hash join over every row of
// the account); on SQLite as IN, which it already answers so.
func (s *Store) inPage(col, sub string) string {
	if s.dialect == Postgres {
		return col + ` = ANY(ARRAY(` + sub + `))`
	}
	return col + ` IN (` + sub + `)`
}
