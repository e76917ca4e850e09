package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// What a Change says changed. Several kinds may be set at once.
type ChangeKind uint8

const (
	// ChangeAccess: what the account's doors decide with (a row of the
	// access journal): people, credentials, reservations, doors' state,
	// roles, shifts...
	ChangeAccess ChangeKind = 1 << iota
	// ChangeEvents: events were recorded.
	ChangeEvents
	// ChangeCredentials: PersonCredential changes were recorded for
	// webhook subscribers.
	ChangeCredentials
	// ChangeCommands: a command was queued for one of the account's doors.
	ChangeCommands
	// ChangeDoorStatus: doors came online or went offline.
	ChangeDoorStatus
	// ChangeRules: notification rules were created, changed or deleted.
	ChangeRules
)

// ChangeAll is every kind: something may have changed that was not
// announced (a notification connection was lost), so subscribers should
// look again at everything they follow.
const ChangeAll = ChangeAccess | ChangeEvents | ChangeCredentials | ChangeCommands | ChangeDoorStatus | ChangeRules

// Change is an announcement that writes to one account were committed.
// AccountID 0 (with ChangeAll) means any account.
type Change struct {
	AccountID int64
	Kinds     ChangeKind
	// Remote is true when the write was made by another process and
	// reached this one through the database (PostgreSQL NOTIFY).
	Remote bool
}

// Has reports whether the change includes kind k.
func (c Change) Has(k ChangeKind) bool { return c.Kinds&k != 0 }

// notifyChannel names the PostgreSQL channel changes are announced on:
// "lintel_" and the schema the store works in, since notifications reach
// every listener of the database, whatever its schema.
func notifyChannel(schema string) string {
	name := "lintel_" + schema
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// announcer delivers changes to subscribers after commit. One is shared by
// a Store and every transaction-bound Store derived from it.
type announcer struct {
	origin  string    // this process's id in NOTIFY payloads, to skip its own
	channel string    // the channel Listen follows (PostgreSQL)
	out     *notifier // sends this process's changes to the others (PostgreSQL); nil on SQLite

	mu   sync.RWMutex
	subs []func(Change)
}

func newAnnouncer() *announcer {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &announcer{origin: hex.EncodeToString(b)}
}

// Subscribe registers fn to be called with every change committed by this
// Store (and, once Listen runs, by other processes on the same PostgreSQL
// database), after the commit. fn runs on the writer's goroutine and must
// not block: hand the work to a goroutine of your own (the hub and the
// webhook worker only wake theirs).
func (s *Store) Subscribe(fn func(Change)) {
	s.ann.mu.Lock()
	s.ann.subs = append(s.ann.subs, fn)
	s.ann.mu.Unlock()
}

func (a *announcer) publish(changes []Change) {
	if len(changes) == 0 {
		return
	}
	a.mu.RLock()
	subs := a.subs
	a.mu.RUnlock()
	for _, c := range changes {
		for _, fn := range subs {
			fn(c)
		}
	}
}

// announce records that this write changed kinds of the account. Inside a
// transaction the change is held until commit (and dropped on rollback);
// outside one the statement has committed, so it is published at once.
// On PostgreSQL it then goes to other processes too, with NOTIFY
// (notifier.go).
func (s *Store) announce(ctx context.Context, accountID int64, kinds ChangeKind) error {
	if s.inTx {
		for i := range *s.pending {
			if (*s.pending)[i].AccountID == accountID {
				(*s.pending)[i].Kinds |= kinds
				return nil
			}
		}
		*s.pending = append(*s.pending, Change{AccountID: accountID, Kinds: kinds})
		return nil
	}
	s.ann.committed([]Change{{AccountID: accountID, Kinds: kinds}})
	return nil
}

// announceEach announces kinds for each account listed (repeats allowed).
func (s *Store) announceEach(ctx context.Context, accounts []int64, kinds ChangeKind) error {
	for _, id := range accounts {
		if err := s.announce(ctx, id, kinds); err != nil {
			return err
		}
	}
	return nil
}

// committed publishes the changes of a committed write to this process's
// subscribers and, on PostgreSQL, hands them to the notifier, which sends
// them to the other processes.
func (a *announcer) committed(changes []Change) {
	a.publish(changes)
	a.out.add(changes)
}

// OnAnnounceError sets fn to be called when sending this process's changes
// to the other processes on the same PostgreSQL database fails (they are
// sent again after a backoff). fn must not block.
func (s *Store) OnAnnounceError(fn func(error)) {
	if n := s.ann.out; n != nil {
		n.mu.Lock()
		n.report = fn
		n.mu.Unlock()
	}
}

// parseNotification reads a NOTIFY payload. It reports false for the
// process's own notifications and for payloads it cannot read.
func (a *announcer) parseNotification(payload string) ([]Change, bool) {
	origin, rest, _ := strings.Cut(payload, " ")
	if origin == a.origin || rest == "" {
		return nil, false
	}
	var out []Change
	for _, f := range strings.Fields(rest) {
		acct, kinds, ok := strings.Cut(f, ":")
		id, err1 := strconv.ParseInt(acct, 10, 64)
		k, err2 := strconv.Atoi(kinds)
		if !ok || err1 != nil || err2 != nil || k <= 0 || k > int(ChangeAll) {
			return nil, false
		}
		c := Change{AccountID: id, Kinds: ChangeKind(k), Remote: true}
		if id == 0 {
			c.Kinds = ChangeAll
		}
		out = append(out, c)
	}
	return out, len(out) > 0
}

// Listen follows the changes other processes announce on the same
// PostgreSQL database and publishes them to this Store's subscribers,
// until ctx ends. Each time its connection is (re)established it also
// publishes ChangeAll for account 0, so that subscribers look again at
// whatever they follow: nothing announced while it was away is lost. On
// SQLite it returns at once: there, subscribers rely on their own polls for
// writes made by other processes (the CLI). Connection failures are passed
// to report and retried with a backoff of up to 30 seconds.
func (s *Store) Listen(ctx context.Context, report func(error)) {
	if s.dialect != Postgres {
		return
	}
	backoff := 500 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, func() { backoff = 500 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		if report != nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// listenOnce holds one LISTEN connection until it fails or ctx ends.
func (s *Store) listenOnce(ctx context.Context, connected func()) error {
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return fmt.Errorf("connect for change notifications: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.ann.channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen for change notifications: %w", err)
	}
	connected()
	s.ann.publish([]Change{{Kinds: ChangeAll, Remote: true}})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for change notifications: %w", err)
		}
		if changes, ok := s.ann.parseNotification(n.Payload); ok {
			s.ann.publish(changes)
		}
	}
}
