package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Group commit (SQLite). SQLite runs one writing transaction at a time,
// and with synchronous=FULL each commit waits for the disk. Write
// transactions that arrive while one is running therefore queue, and the
// next transaction runs all of them at once (up to maxGroup): each in a
// savepoint of its own, so that one that fails rolls back alone, then one
// commit for all. A caller returns only after that commit, so a write it
// was told succeeded is on disk, as without grouping; its changes are
// announced and its audit rows marked after that commit, in queue order.
//
// The first waiter leads: it runs the batch its own write is in, then
// hands the lead to the first write still queued, so no caller runs more
// than the one batch its own write is in. Every batch runs on one
// connection kept for the purpose, whose page cache the other
// connections' commits never invalidate.
//
// A statement interrupted by its context ending would make SQLite roll
// back the whole transaction, other callers' writes included, so in a
// group the statements run without their context's cancellation (a
// waiter whose context ends before its turn is not run). Should the
// transaction be lost anyway (a savepoint gone), nothing is committed:
// the writes that ran are answered ErrGroupAborted and the ones that did
// not run are queued again.

// maxGroup is the most writes one grouped transaction holds.
const maxGroup = 64

// ErrGroupAborted answers a write whose grouped transaction was lost
// through no fault of its own: nothing of it was committed, and running
// it again is safe.
var ErrGroupAborted = errors.New("the write was rolled back with the transaction it shared; nothing was saved, try again")

// groupCommit is the queue of write transactions waiting for their turn.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupWrite
	leading bool
	// conn is the connection every grouped transaction runs on, held
	// from the first one on (under connMu). SQLite drops a connection's page
	// cache when another connection has written since its last
	// transaction; as the one writer, this connection keeps its cache, so
	// the pages a write reads and the index pages it touches are at hand.
	connMu sync.Mutex
	conn   *sql.Conn
}

// groupWrite is one caller's transaction in a group.
type groupWrite struct {
	ctx  context.Context
	fn   func(tx *Store) error
	wake chan bool // true: lead the next batch; false: done
	err  error
	pan  any    // a panic of fn, raised again in the caller
	ts   *Store // the store fn ran on, until the commit
	lost int    // how many grouped transactions were lost before it ran
	// again: queued again, unanswered, by the lead that ran its batch
	// (only the lead touches it).
	again bool
}

// inGroup runs fn as one write of a grouped transaction.
func (s *Store) inGroup(ctx context.Context, fn func(tx *Store) error) error {
	w := &groupWrite{ctx: ctx, fn: fn, wake: make(chan bool, 1)}
	g := s.group
	g.mu.Lock()
	g.queue = append(g.queue, w)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		lead = <-w.wake // answered (false), or first in the queue (true)
	}
	for lead {
		s.runGroup(g.take()) // holds this write, first in the queue
		lead = <-w.wake      // answered, or queued again and first
	}
	if w.pan != nil {
		panic(w.pan)
	}
	return w.err
}

// take removes the next batch from the queue.
func (g *groupCommit) take() []*groupWrite {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := min(len(g.queue), maxGroup)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	return batch
}

// handOff answers the batch's writes and passes the lead to the first
// write still queued, or gives it up. again are writes of the batch that
// did not run and go back to the front of the queue.
func (g *groupCommit) handOff(batch, again []*groupWrite) {
	for _, w := range again {
		w.again = true
	}
	g.mu.Lock()
	if len(again) > 0 {
		g.queue = append(again[:len(again):len(again)], g.queue...)
	}
	var next *groupWrite
	if len(g.queue) > 0 {
		next = g.queue[0]
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	for _, w := range batch {
		switch {
		case w.again:
			w.again = false // it waits for its turn in the queue
		case w != next:
			w.wake <- false
		}
	}
	if next != nil {
		next.wake <- true
	}
}

// maxLost is how many lost transactions a write waits through before it
// is answered ErrGroupAborted without having run (a database that keeps
// failing must not keep its writers waiting).
const maxLost = 3

// runGroup runs a batch of writes in one transaction and commits it.
func (s *Store) runGroup(batch []*groupWrite) {
	var again []*groupWrite
	defer func() {
		var keep []*groupWrite
		for _, w := range again {
			if w.lost++; w.lost < maxLost {
				keep = append(keep, w)
			} else if w.err == nil {
				w.err = ErrGroupAborted
			}
		}
		s.group.handOff(batch, keep)
	}()
	if len(batch) == 0 {
		return
	}
	bg := context.Background()
	tx, err := s.group.begin(bg, s.db)
	if err != nil {
		for _, w := range batch {
			w.err = fmt.Errorf("begin: %w", err)
		}
		return
	}
	var ran []*groupWrite
	lost := false
	for i, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.err = fmt.Errorf("begin: %w", err)
			continue
		}
		if _, err := tx.ExecContext(bg, `SAVEPOINT grouped`); err != nil {
			again, lost = batch[i:], true
			break
		}
		ts := s.bound(tx)
		ts.detached = true
		if err := runWrite(w, ts); err != nil {
			w.err = err
			_, err1 := tx.ExecContext(bg, `ROLLBACK TO grouped`)
			_, err2 := tx.ExecContext(bg, `RELEASE grouped`)
			if err1 != nil || err2 != nil {
				lost = true
				again = batch[i+1:]
				break
			}
			continue
		}
		if _, err := tx.ExecContext(bg, `RELEASE grouped`); err != nil {
			ran, lost = append(ran, w), true
			again = batch[i+1:]
			break
		}
		w.ts = ts
		ran = append(ran, w)
	}
	if lost {
		_ = tx.Rollback()
		for _, w := range ran {
			w.err, w.ts = ErrGroupAborted, nil
		}
		return
	}
	if len(ran) == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for _, w := range ran {
			w.err, w.ts = fmt.Errorf("commit: %w", err), nil
		}
		return
	}
	for _, w := range ran {
		w.ts.auditCommitted()
		s.ann.committed(*w.ts.pending)
		w.ts = nil
	}
}

// begin starts a grouped transaction on the group's connection, taken
// from the pool the first time and again after it failed.
func (g *groupCommit) begin(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	g.connMu.Lock()
	defer g.connMu.Unlock()
	if g.conn == nil {
		c, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		g.conn = c
	}
	tx, err := g.conn.BeginTx(ctx, nil)
	if err != nil {
		g.conn.Close()
		g.conn = nil
	}
	return tx, err
}

// close gives the group's connection back to the pool (Store.Close), once
// the transaction running on it, if any, has ended.
func (g *groupCommit) close() {
	g.connMu.Lock()
	c := g.conn
	g.conn = nil
	g.connMu.Unlock()
	if c != nil {
		c.Close()
	}
}

// runWrite runs one write's function and what InTx adds before a commit
// (its audit rows and count changes), catching a panic to raise it again
// in the caller.
func runWrite(w *groupWrite, ts *Store) (err error) {
	defer func() {
		if v := recover(); v != nil {
			w.pan = v
			err = fmt.Errorf("panic in a write: %v", v)
		}
	}()
	ctx := context.WithoutCancel(w.ctx)
	if err := w.fn(ts); err != nil {
		return err
	}
	if err := ts.recordAudit(ctx); err != nil {
		return err
	}
	return ts.flushPending(ctx)
}

// live is the context a statement of this store runs with: in a grouped
// transaction, ctx without its cancellation (see group.go).
func (s *Store) live(ctx context.Context) context.Context {
	if s.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}
