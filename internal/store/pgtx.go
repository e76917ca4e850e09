package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A PostgreSQL transaction runs on a connection of its own (so that bulk
// writes can COPY on it, insertMany), begun and ended with plain BEGIN and
// COMMIT statements rather than through database/sql's Tx. The BEGIN
// goes with the setting that gives the transaction its shard of the count
// rows (shards.go), and it waits for the transaction's first statement and
// goes in one pipeline with it when that is a statement whose answer pgx
// can read back for the caller (an exec, an insert's new id, or a row read
// through pqueryRow), and without it just before any other. What InTx writes
// after fn, the audit rows and the journal with the counts, needs no
// answer, so it is sent in one pipeline with the COMMIT (commitWith): a
// create makes two round trips for its transaction where plain BEGIN,
// INSERT, audit, journal and COMMIT would make five, and the journal lock
// (flushPending) is held from its statement to the commit with no round
// trip in between. A transaction that sent nothing ends without a word to
// the server. The NOTIFY that tells other processes follows from the
// notifier (notifier.go), not in the writer's round trips.
//
// A connection handed back to the pool inside a transaction (it could not
// be rolled back) is discarded by the driver, never reused.

// pipelined is a statement kept for the pipeline with the COMMIT.
type pipelined struct {
	query string
	args  []any
}

// commitPipeline is what goes to the server with a transaction's COMMIT:
// the statements before it.
type commitPipeline struct {
	stmts []pipelined
}

// inPostgresTx is InTx on PostgreSQL.
func (s *Store) inPostgresTx(ctx context.Context, fn func(tx *Store) error) error {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer c.Close()
	conn := &txConn{c: c, shard: s.shards.take()}
	defer s.shards.put(conn.shard)
	ended := false
	defer func() {
		if !ended && conn.begun { // fn failed or panicked, or the commit did not happen
			_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	ts := s.bound(conn)
	if err := fn(ts); err != nil {
		return err
	}
	ts.atCommit = &commitPipeline{}
	if err := ts.recordAudit(ctx); err != nil {
		return err
	}
	if err := ts.flushPending(ctx); err != nil {
		return err
	}
	if err := conn.commitWith(ctx, ts.atCommit); err != nil {
		return err
	}
	ended = true
	ts.auditCommitted()
	s.ann.committed(*ts.pending)
	return nil
}

// txConn is a PostgreSQL transaction's connection, the querier of a Store
// bound to it. Until begun, its BEGIN has not been sent.
type txConn struct {
	c     *sql.Conn
	shard int // the transaction's shard of the count rows (shards.go)
	begun bool
	err   error // the BEGIN failed: every later statement and the commit fail
}

// queueBegin queues the BEGIN and the setting that names the
// transaction's shard to the triggers (migration 0033).
func (t *txConn) queueBegin(b *pgx.Batch) {
	b.Queue("BEGIN")
	b.Queue("SELECT set_config('lintel.shard', $1, true)", strconv.Itoa(t.shard))
}

// beginStatements is how many statements queueBegin queues.
const beginStatements = 2

// begin sends the BEGIN (with its setting, queueBegin) ahead of a
// statement that cannot go in one pipeline with it.
func (t *txConn) begin(ctx context.Context) error {
	if t.err != nil || t.begun {
		return t.err
	}
	var b pgx.Batch
	t.queueBegin(&b)
	err := withPgx(t.c, func(c *pgx.Conn) error {
		br := c.SendBatch(ctx, &b)
		defer br.Close()
		t.begun = true // the server may have begun even if what follows fails
		for range beginStatements {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.err = fmt.Errorf("begin: %w", err)
	}
	return t.err
}

// first runs the transaction's first statement in one pipeline with its
// BEGIN; read takes the statement's answer.
func (t *txConn) first(ctx context.Context, query string, args []any, read func(pgx.BatchResults) error) error {
	if t.err != nil {
		return t.err
	}
	var b pgx.Batch
	t.queueBegin(&b)
	b.Queue(query, args...)
	return withPgx(t.c, func(c *pgx.Conn) error {
		br := c.SendBatch(ctx, &b)
		t.begun = true // the server may have begun even if what follows fails
		for range beginStatements {
			if _, err := br.Exec(); err != nil {
				br.Close()
				t.err = fmt.Errorf("begin: %w", err)
				return t.err
			}
		}
		err := read(br)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

func (t *txConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.begun {
		return t.c.ExecContext(ctx, query, args...)
	}
	var n int64
	err := t.first(ctx, query, args, func(br pgx.BatchResults) error {
		tag, err := br.Exec()
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(n), nil
}

// row reads one row. As the transaction's first statement it goes to the
// server with the BEGIN when the row is scanned, and pgx scans it.
func (t *txConn) row(ctx context.Context, query string, args ...any) rowScanner {
	return txRow{t: t, ctx: ctx, query: query, args: args}
}

// txRow is a row of txConn.row, read when it is scanned.
type txRow struct {
	t     *txConn
	ctx   context.Context
	query string
	args  []any
}

func (r txRow) Scan(dest ...any) error {
	if r.t.err != nil {
		return r.t.err
	}
	if r.t.begun {
		return r.t.c.QueryRowContext(r.ctx, r.query, r.args...).Scan(dest...)
	}
	return r.t.first(r.ctx, r.query, r.args, func(br pgx.BatchResults) error { return br.QueryRow().Scan(dest...) })
}

func (t *txConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.c.QueryContext(ctx, query, args...)
}

func (t *txConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if t.begin(ctx) != nil {
		// A Row carries no error of ours: it fails on a done context,
		// and the commit fails with the BEGIN's error.
		done, cancel := context.WithCancel(ctx)
		cancel()
		return t.c.QueryRowContext(done, query, args...)
	}
	return t.c.QueryRowContext(ctx, query, args...)
}

func (t *txConn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.c.PrepareContext(ctx, query)
}

// pgConn returns the store's PostgreSQL transaction connection, or nil
// outside one.
func (s *Store) pgConn() *txConn {
	t, _ := s.q.(*txConn)
	return t
}

// raw runs fn with the driver's own connection, begun, for what
// database/sql cannot send (COPY).
func (t *txConn) raw(ctx context.Context, fn func(*pgx.Conn) error) error {
	if err := t.begin(ctx); err != nil {
		return err
	}
	return withPgx(t.c, fn)
}

// commitWith sends the pipeline's statements and the COMMIT in one
// pipeline, with the BEGIN ahead of them if it has not been sent; a
// transaction that sent nothing and has nothing to send ends here. The
// server runs none of the statements after one that fails, and the caller
// rolls back. As with database/sql's Tx.Commit, a context already done
// refuses to commit, and one that ends while the pipeline runs does not
// interrupt it: the caller must be able to tell whether its write was
// kept.
//
// The NOTIFY that tells other processes of the write is not part of the
// transaction: PostgreSQL holds a lock over every notifying transaction
// of the database from its commit's start until the commit is on disk, so
// a NOTIFY inside would make every write of every account wait for the
// one before it to reach the disk. The notifier (notifier.go) sends it
// after the commit, shared with the writes that commit meanwhile.
func (t *txConn) commitWith(ctx context.Context, p *commitPipeline) error {
	if t.err != nil {
		return t.err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if !t.begun && len(p.stmts) == 0 {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	var b pgx.Batch
	if !t.begun {
		t.queueBegin(&b)
		t.begun = true
	}
	for _, q := range p.stmts {
		b.Queue(q.query, q.args...)
	}
	b.Queue("COMMIT")
	err := withPgx(t.c, func(c *pgx.Conn) error {
		br := c.SendBatch(ctx, &b)
		defer br.Close()
		for range b.Len() {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if len(p.stmts) > 0 {
			return fmt.Errorf("record audit rows, access changes and counts, and commit: %w", err)
		}
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// execAtCommit runs a statement whose answer is not needed, or, while a
// PostgreSQL transaction ends, keeps it for the pipeline with the COMMIT.
func (s *Store) execAtCommit(ctx context.Context, query string, args ...any) error {
	if s.atCommit != nil {
		s.atCommit.stmts = append(s.atCommit.stmts, pipelined{s.rebind(query), args})
		return nil
	}
	_, err := s.rawExec(ctx, query, args...)
	return err
}

// withPgx runs fn with the driver's own connection under conn (a
// PostgreSQL transaction's), for what database/sql cannot send: COPY and
// pipelines.
func withPgx(conn *sql.Conn, fn func(*pgx.Conn) error) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		return fn(c.Conn())
	})
}

var _ querier = (*txConn)(nil)
