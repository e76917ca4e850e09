package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A notifier sends this process's committed changes to the other processes
// on the same PostgreSQL database, with NOTIFY. A writer hands its changes
// over after its commit (add) and returns without waiting for them to be
// sent. One goroutine at a time sends what has gathered since its last
// NOTIFY, merged per account, in one transaction of its own: while one
// NOTIFY is on its way, the changes of the writers that commit meanwhile
// gather for the next. Concurrent writers so share a NOTIFY, which matters
// because PostgreSQL commits one notifying transaction of a database at a
// time, each with its own flush to disk: a NOTIFY per write made every
// write wait its turn in that queue, and cost the server a commit.
//
// A NOTIFY never leaves before the commits it announces. One that fails is
// tried again after a backoff (100 ms, doubling up to 30 s), merged with
// whatever gathered meanwhile, and the failure is passed to the reporter
// (OnAnnounceError); Close sends what is left.
type notifier struct {
	db     *sql.DB
	origin string // this process's id, first in every payload

	mu      sync.Mutex
	channel string
	pending map[int64]ChangeKind
	sending bool          // a goroutine is sending (run)
	closing chan struct{} // closed by close: a backoff ends at once, no more retries
	idle    chan struct{} // closed when the latest run returns; nil before the first
	report  func(error)
	backoff time.Duration // the first wait after a failure (notifyBackoff)
	last    time.Time     // when the last NOTIFY was sent; only run uses it

	handed, sent, failed atomic.Int64 // see AnnounceStats
}

// AnnounceStats counts what this process sent to the others on the same
// PostgreSQL database (all zero on SQLite).
type AnnounceStats struct {
	Writes   int64 // committed writes whose changes were handed over
	Notifies int64 // transactions of NOTIFYs sent: Writes / Notifies writes shared one
	Failures int64 // sends that failed (and were tried again)
}

// AnnounceStats returns the counts since the store was opened.
func (s *Store) AnnounceStats() AnnounceStats {
	n := s.ann.out
	if n == nil {
		return AnnounceStats{}
	}
	return AnnounceStats{Writes: n.handed.Load(), Notifies: n.sent.Load(), Failures: n.failed.Load()}
}

// notifyBackoff is the first wait after a NOTIFY failed.
const notifyBackoff = 100 * time.Millisecond

// notifyInterval is the least time between the starts of two NOTIFYs: a
// change handed over after a quiet moment is sent at once, and under a
// stream of writes the changes of up to this long share one NOTIFY.
const notifyInterval = 5 * time.Millisecond

// maxPayload is the longest payload sent, well below PostgreSQL's limit of
// 8000 bytes; more changes than fit go in more NOTIFYs of one transaction.
const maxPayload = 7000

func newNotifier(db *sql.DB, origin, channel string) *notifier {
	return &notifier{db: db, origin: origin, channel: channel, backoff: notifyBackoff, closing: make(chan struct{})}
}

// add hands over the changes of a committed transaction.
func (n *notifier) add(changes []Change) {
	if n == nil || len(changes) == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopping() {
		return
	}
	n.handed.Add(1)
	if n.pending == nil {
		n.pending = make(map[int64]ChangeKind, len(changes))
	}
	for _, c := range changes {
		n.pending[c.AccountID] |= c.Kinds
	}
	if !n.sending {
		n.sending = true
		n.idle = make(chan struct{})
		go n.run(n.idle)
	}
}

// run sends what is pending until nothing is, then closes idle.
func (n *notifier) run(idle chan struct{}) {
	defer close(idle)
	n.mu.Lock()
	first := n.backoff
	n.mu.Unlock()
	backoff := first
	for {
		if wait := time.Until(n.last.Add(notifyInterval)); wait > 0 {
			select {
			case <-time.After(wait):
			case <-n.closing:
			}
		}
		n.mu.Lock()
		changes, channel := n.pending, n.channel
		n.pending = nil
		if len(changes) == 0 {
			n.sending = false
			n.mu.Unlock()
			return
		}
		n.mu.Unlock()

		n.last = time.Now()
		err := n.send(channel, changes)
		if err == nil {
			n.sent.Add(1)
			backoff = first
			continue
		}
		n.failed.Add(1)
		n.mu.Lock()
		report := n.report
		if n.stopping() {
			n.sending = false
			n.mu.Unlock()
			return
		}
		if n.pending == nil {
			n.pending = changes
		} else {
			for acct, k := range changes {
				n.pending[acct] |= k
			}
		}
		n.mu.Unlock()
		if report != nil {
			report(err)
		}
		select {
		case <-time.After(backoff):
		case <-n.closing:
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// stopping reports whether close has been called.
func (n *notifier) stopping() bool {
	select {
	case <-n.closing:
		return true
	default:
		return false
	}
}

// send sends changes in one transaction, as few NOTIFYs as their payloads
// fit in.
func (n *notifier) send(channel string, changes map[int64]ChangeKind) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := n.db.ExecContext(ctx, `SELECT pg_notify($1, p) FROM unnest(CAST($2 AS text[])) AS p`,
		channel, notifyPayloads(n.origin, changes))
	return err
}

// notifyPayloads writes changes as payloads "origin account:kinds ...", in
// account order, none longer than maxPayload (parseNotification reads
// them).
func notifyPayloads(origin string, changes map[int64]ChangeKind) []string {
	accounts := make([]int64, 0, len(changes))
	for a := range changes {
		accounts = append(accounts, a)
	}
	slices.Sort(accounts)
	var out []string
	var b strings.Builder
	for _, a := range accounts {
		field := strconv.FormatInt(a, 10) + ":" + strconv.Itoa(int(changes[a]))
		if b.Len() > 0 && b.Len()+1+len(field) > maxPayload {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(origin)
		}
		b.WriteByte(' ')
		b.WriteString(field)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// close sends what is pending, waiting up to wait for it, and stops: what
// is handed over afterwards is dropped, and a NOTIFY that fails now is not
// tried again.
func (n *notifier) close(wait time.Duration) {
	if n == nil {
		return
	}
	n.mu.Lock()
	if n.stopping() {
		n.mu.Unlock()
		return
	}
	close(n.closing) // a run in its backoff sends at once
	idle := n.idle   // closed already when no run is under way
	n.mu.Unlock()
	if idle != nil {
		select {
		case <-idle:
		case <-time.After(wait):
		}
	}
}
