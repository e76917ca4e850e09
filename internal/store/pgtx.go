package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A PostgreSQL transaction runs on a connection of its own (so that bulk
// writes can COPY on it, insertMany), begun and ended with plain BEGIN and
// COMMIT statements rather than through database/sql's Tx. What InTx
// writes after fn, the audit rows and the journal with the counts, needs
// no answer, so it is sent in one pipeline with the COMMIT: one round trip
// for the three, and the lock that orders the journal (flushPending) is
// held from its statement to the commit with no round trip in between.
//
// A connection handed back to the pool inside a transaction (it could not
// be rolled back) is discarded by the driver, never reused.

// pipelined is a statement kept for the pipeline with the COMMIT.
type pipelined struct {
	query string
	args  []any
}

// inPostgresTx is InTx on PostgreSQL.
func (s *Store) inPostgresTx(ctx context.Context, fn func(tx *Store) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	ended := false
	defer func() {
		if !ended { // fn failed or panicked, or the commit did not happen
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	ts := s.bound(conn)
	ts.conn = conn
	if err := fn(ts); err != nil {
		return err
	}
	ts.atCommit = &[]pipelined{}
	if err := ts.recordAudit(ctx); err != nil {
		return err
	}
	if err := ts.flushPending(ctx, true); err != nil {
		return err
	}
	if err := ts.commitWith(ctx, *ts.atCommit); err != nil {
		return err
	}
	ended = true
	ts.auditCommitted()
	s.ann.publish(*ts.pending)
	return nil
}

// commitWith sends the statements and the COMMIT in one pipeline. The
// server runs none after one that fails, and the caller rolls back. As
// with database/sql's Tx.Commit, a context already done refuses to
// commit, and one that ends while the pipeline runs does not interrupt it:
// the caller must be able to tell whether its write was kept.
func (s *Store) commitWith(ctx context.Context, stmts []pipelined) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	ctx = context.WithoutCancel(ctx)
	var b pgx.Batch
	for _, q := range stmts {
		b.Queue(q.query, q.args...)
	}
	b.Queue("COMMIT")
	err := withPgx(s.conn, func(c *pgx.Conn) error { return c.SendBatch(ctx, &b).Close() })
	if err != nil {
		if len(stmts) > 0 {
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
		*s.atCommit = append(*s.atCommit, pipelined{s.rebind(query), args})
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

var _ querier = (*sql.Conn)(nil)
