package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL engine behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// querier is what *sql.DB, *sql.Tx and a PostgreSQL transaction's
// connection (txConn) have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store is the database. A Store returned by InTx is bound to a transaction.
type Store struct {
	db *sql.DB
	// writers, on SQLite, lets one transaction at a time take a
	// connection: SQLite runs one writer at a time, and transactions
	// waiting for its write lock would hold the connections reads need.
	writers chan struct{}
	// group, on SQLite, runs the write transactions that queue up in one
	// transaction with one commit (group.go); nil runs each on its own.
	group *groupCommit
	// detached: bound to a grouped transaction, whose statements run
	// without their context's cancellation (see live).
	detached bool
	q        querier
	dialect  Dialect
	inTx     bool
	dsn      string          // the PostgreSQL URL, for the LISTEN connection
	ann      *announcer      // shared with every Store derived from this one
	shards   *shardSlots     // PostgreSQL: hands each transaction its shard of the count rows (shards.go)
	pending  *[]Change       // in a transaction: announced at commit
	stmts    *queryCache     // SQLite: prepared statements, shared with derived stores
	txStmts  *int            // in a transaction: cached statements bound to it so far
	writes   *[]*txWrite     // in a transaction: the audited writes (see WithActor)
	journal  *[]AccessChange // in a transaction: access journal rows written at commit (flushPending)
	counts   *txCounts       // in a transaction: count changes written at commit (see counts.go)
	// atCommit, set while a PostgreSQL transaction ends, collects the
	// statements sent together with its COMMIT (pgtx.go) instead of
	// running them.
	atCommit *commitPipeline
}

// IsPostgresURL reports whether dsn selects PostgreSQL.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqliteGroupCommit turns group commit on for SQLite stores opened
// afterwards. Benchmarks turn it off to measure what it gains.
var sqliteGroupCommit = true

// sqliteSynchronous is SQLite's synchronous setting for every connection.
// Benchmarks set NORMAL to measure what FULL costs.
var sqliteSynchronous = "FULL"

// Open connects to dsn: a postgres:// URL, or else the path of a SQLite file
// (created with its directory if missing). It does not migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	var (
		db      *sql.DB
		err     error
		dialect Dialect
	)
	if IsPostgresURL(dsn) {
		dialect = Postgres
		db, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		db.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		dialect = SQLite
		path := strings.TrimPrefix(dsn, "sqlite://")
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create data directory %s: %w", dir, err)
			}
		}
		// The database holds digests and webhook signing secrets: create
		// it readable by its owner only (SQLite would follow the umask).
		if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			f.Close()
		} else if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("create database %s: %w", path, err)
		}
		v := url.Values{}
		v.Add("_pragma", "busy_timeout(10000)")
		v.Add("_pragma", "journal_mode(WAL)")
		v.Add("_pragma", "foreign_keys(1)")
		// FULL: a commit is on disk when it returns, so a revoked card
		// never comes back after a power cut (NORMAL in WAL mode may lose
		// the last commits). See docs/scaling.md for the cost.
		v.Add("_pragma", "synchronous("+sqliteSynchronous+")")
		// Keep hot pages in memory: the default 2 MB cache per connection
		// turns every insert into the events indexes into reads from the
		// file once the table outgrows it.
		v.Add("_pragma", "cache_size(-32768)")
		v.Add("_pragma", "mmap_size(268435456)")
		// Statement journals (one per INSERT ... RETURNING inside a
		// transaction) in memory, not in temporary files.
		v.Add("_pragma", "temp_store(MEMORY)")
		v.Set("_txlock", "immediate")
		db, err = sql.Open("sqlite", "file:"+path+"?"+v.Encode())
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	st := &Store{db: db, q: db, dialect: dialect, ann: newAnnouncer()}
	if dialect == Postgres {
		st.dsn = dsn
		var schema string
		if err := db.QueryRowContext(pctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			db.Close()
			return nil, fmt.Errorf("read the current schema: %w", err)
		}
		st.ann.channel = notifyChannel(schema)
		st.ann.out = newNotifier(db, st.ann.origin, st.ann.channel)
		st.shards = newShardSlots()
	}
	if dialect == SQLite {
		st.writers = make(chan struct{}, 1)
		st.stmts = &queryCache{m: map[string]*sql.Stmt{}}
		if sqliteGroupCommit {
			st.group = &groupCommit{}
		}
	}
	return st, nil
}

// Dialect returns the engine behind the store.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB returns the underlying pool (for health checks and metrics).
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the pool. On PostgreSQL it first sends the changes still
// waiting for their NOTIFY (up to 5 seconds).
func (s *Store) Close() error {
	if s.group != nil {
		s.group.close()
	}
	s.ann.out.close(5 * time.Second)
	s.stmts.close()
	return s.db.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// InWriter runs fn, which reads and then writes, where that costs least:
// on SQLite as a write transaction (InTx), so that its reads are made by
// the one writer, from its own page cache, and are never stale; on
// PostgreSQL on s as it is, outside any transaction, so that its reads
// hold no transaction open and its writers run side by side. fn must
// therefore be correct either way: each of its writes atomic on its own
// (a statement, or a method that takes its own transaction), and guarded
// by a condition that refuses it when what fn read has changed since.
func (s *Store) InWriter(ctx context.Context, fn func(st *Store) error) error {
	if s.dialect == Postgres {
		return fn(s)
	}
	return s.InTx(ctx, fn)
}

// InTx runs fn in a transaction, passing a Store bound to it. It commits
// when fn returns nil and rolls back otherwise. Nested calls reuse the
// outer transaction. The changes the transaction announced are published
// to subscribers after the commit (see Subscribe), never on rollback. On
// SQLite, transactions that wait for their turn share one commit (group
// commit, group.go); each still succeeds or fails alone, and returns
// after its commit. On PostgreSQL the transaction's audit rows and
// journal are sent with its COMMIT in one round trip (pgtx.go).
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx {
		return fn(s)
	}
	if s.group != nil {
		return s.inGroup(ctx, fn)
	}
	if s.writers != nil {
		select {
		case s.writers <- struct{}{}:
			defer func() { <-s.writers }()
		case <-ctx.Done():
			return fmt.Errorf("begin: %w", ctx.Err())
		}
	}
	if s.dialect == Postgres {
		return s.inPostgresTx(ctx, fn)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // after a commit, does nothing
	ts := s.bound(tx)
	if err := fn(ts); err != nil {
		return err
	}
	if err := ts.recordAudit(ctx); err != nil {
		return err
	}
	if err := ts.flushPending(ctx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	ts.auditCommitted()
	s.ann.committed(*ts.pending)
	return nil
}

// bound returns a Store running its queries on q, a transaction.
func (s *Store) bound(q querier) *Store {
	return &Store{db: s.db, writers: s.writers, q: q, dialect: s.dialect, inTx: true, dsn: s.dsn, ann: s.ann, pending: new([]Change),
		stmts: s.stmts, txStmts: new(int), writes: new([]*txWrite), counts: &txCounts{}, journal: new([]AccessChange)}
}

// prepareInTx prepares a statement on the store's transaction, for a
// query run many times in it; the caller closes it. Outside a transaction
// it prepares on the pool.
func (s *Store) prepareInTx(ctx context.Context, query string) (*sql.Stmt, error) {
	ctx = s.live(ctx)
	if st, verb, table, ok := auditWrite(ctx, query); ok {
		s.noteWrite(st, verb, table, 0)
	}
	switch q := s.q.(type) {
	case *sql.Tx:
		return q.PrepareContext(ctx, s.rebind(query))
	case *txConn:
		return q.PrepareContext(ctx, s.rebind(query))
	}
	return s.db.PrepareContext(ctx, s.rebind(query))
}

// rebind turns '?' placeholders into '$n' for PostgreSQL. Question marks
// inside single-quoted literals are left alone. The first rebound queries
// are kept (rebound), so the statements every request runs are rewritten
// once per process.
func (s *Store) rebind(query string) string {
	if s.dialect != Postgres || !strings.Contains(query, "?") {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	q := renumber(query)
	if reboundN.Load() < maxRebound {
		if _, loaded := rebound.LoadOrStore(query, q); !loaded {
			reboundN.Add(1)
		}
	}
	return q
}

// rebound maps queries to their PostgreSQL form, up to maxRebound of
// them: the store's queries are constants, but for lists of placeholders
// that vary in length, which should not grow it without bound.
var (
	rebound  sync.Map
	reboundN atomic.Int64
)

const maxRebound = 2048

// renumber is rebind's rewriting.
func renumber(query string) string {
	b := make([]byte, 0, len(query)+16)
	n, inQuote := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b = append(b, c)
		case c == '?' && !inQuote:
			n++
			b = strconv.AppendInt(append(b, '$'), int64(n), 10)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// exec, query and queryRow run a statement, prepared once and kept on
// SQLite (see queryCache). A write made with a context carrying an actor
// (WithActor) runs in a transaction that records it in the audit log.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = s.live(ctx)
	if st, verb, table, ok := auditWrite(ctx, query); ok {
		if !s.inTx {
			var res sql.Result
			err := s.InTx(ctx, func(tx *Store) error {
				var err error
				res, err = tx.exec(ctx, query, args...)
				return err
			})
			return res, err
		}
		s.noteWrite(st, verb, table, 0)
	}
	query = s.rebind(query)
	if st := s.bindStmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.q.ExecContext(ctx, query, args...)
}

// query runs a query; a write (UPDATE ... RETURNING) is audited in a
// transaction as by exec, but only inside one (see InTx).
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = s.live(ctx)
	if st, verb, table, ok := auditWrite(ctx, query); ok {
		s.noteWrite(st, verb, table, 0)
	}
	query = s.rebind(query)
	if st := s.bindStmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.q.QueryContext(ctx, query, args...)
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = s.live(ctx)
	if st, verb, table, ok := auditWrite(ctx, query); ok {
		s.noteWrite(st, verb, table, 0)
	}
	query = s.rebind(query)
	if st := s.bindStmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.q.QueryRowContext(ctx, query, args...)
}

// insert runs an INSERT ... RETURNING id and returns the new id. With an
// actor in ctx it is audited as by exec.
func (s *Store) insert(ctx context.Context, query string, args ...any) (int64, error) {
	ctx = s.live(ctx)
	st, verb, table, audited := auditWrite(ctx, query)
	if audited && !s.inTx {
		var id int64
		err := s.InTx(ctx, func(tx *Store) error {
			var err error
			id, err = tx.insert(ctx, query, args...)
			return err
		})
		return id, err
	}
	q := s.rebind(query + " RETURNING id")
	var row rowScanner
	if t := s.pgConn(); t != nil { // in one pipeline with the BEGIN if it is the first statement
		row = t.row(ctx, q, args...)
	} else {
		row = s.q.QueryRowContext(ctx, q, args...)
	}
	var id int64
	if err := row.Scan(&id); err != nil {
		return 0, err
	}
	if audited {
		s.noteWrite(st, verb, table, id)
	}
	return id, nil
}

// isUniqueViolation reports whether err is a unique-constraint violation.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		code := sqErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key violation.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
