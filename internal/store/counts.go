package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// The totals of the list endpoints (the DoorFlow Total header) come from
// counts kept beside the rows (migration 0021), so that a list page costs
// the same with a thousand rows or ten million: COUNT(*) reads every
// matching row. Every insert and delete of people, credentials and events
// adds to the counts in its own transaction (addCount, countEvents), and
// the transaction adds them up just before it commits (flushPending), so
// a count is exactly the number of rows every reader sees.
//
// The counts are:
//   - per account, its people and its credentials (answering the unfiltered
//     people and credential lists);
//   - per account, UTC day and event code, its events (answering the events
//     list filtered by time and code, which is what it is by default). The
//     part of the first day after the list's start is counted from the sort
//     index, on the shorter side of that day: at most half a day of events.
//
// Lists with other filters (an email, a door, a name) count the rows that
// match, as before.

const (
	countPeople      = "people"
	countCredentials = "credentials"
)

// dayMS is one UTC day, the bucket of the event counts.
const dayMS = 86_400_000

// countShards is how many rows one count is spread over on PostgreSQL:
// each transaction adds to the row of its shard (shards.go), so that
// concurrent writers of one account (they hold the journal lock shared)
// do not wait for each other's commit on a row's lock. SQLite has one
// writer at a time and uses one row.
const countShards = 8

type acctCountKey struct {
	account int64
	kind    string
}

type dayCountKey struct {
	account, day int64
	code         int
}

// txCounts are the count changes of one transaction, not yet written.
type txCounts struct {
	acct map[acctCountKey]int64
	days map[dayCountKey]int64
}

var errUncounted = errors.New("store: a counted write outside a transaction")

// addCount records that n rows of kind were inserted for the account (or
// deleted, n < 0), to be written when the transaction commits. Counted
// writes happen in a transaction (InTx) only.
func (s *Store) addCount(accountID int64, kind string, n int64) error {
	if !s.inTx || s.counts == nil {
		return errUncounted
	}
	if n == 0 {
		return nil
	}
	if s.counts.acct == nil {
		s.counts.acct = map[acctCountKey]int64{}
	}
	s.counts.acct[acctCountKey{accountID, kind}] += n
	return nil
}

// countEvents records that the events were inserted.
func (s *Store) countEvents(events ...*domain.Event) error {
	if !s.inTx || s.counts == nil {
		return errUncounted
	}
	if s.counts.days == nil {
		s.counts.days = map[dayCountKey]int64{}
	}
	for _, e := range events {
		at := ms(e.CreatedAt)
		if at < 0 {
			continue // before 1970: never in a counted range (see eventTotal)
		}
		s.counts.days[dayCountKey{e.AccountID, at / dayMS, e.EventCode}]++
	}
	return nil
}

// flushCounts writes the transaction's count changes (SQLite; on
// PostgreSQL flushPending writes them with the journal), in one order for
// every transaction.
func (s *Store) flushCounts(ctx context.Context) error {
	c := s.counts
	if c == nil || (len(c.acct) == 0 && len(c.days) == 0) {
		return nil
	}
	for _, k := range sortedChanges(c.acct, byAcctCount) {
		if _, err := s.rawExec(ctx, `INSERT INTO account_counts (account_id, kind, shard, n) VALUES (?, ?, 0, ?)
			ON CONFLICT (account_id, kind, shard) DO UPDATE SET n = account_counts.n + excluded.n`,
			k.account, k.kind, c.acct[k]); err != nil {
			return fmt.Errorf("count %s: %w", k.kind, err)
		}
	}
	for _, k := range sortedChanges(c.days, byDayCount) {
		if _, err := s.rawExec(ctx, `INSERT INTO event_day_counts (account_id, day, event_code, shard, n) VALUES (?, ?, ?, 0, ?)
			ON CONFLICT (account_id, day, event_code, shard) DO UPDATE SET n = event_day_counts.n + excluded.n`,
			k.account, k.day, k.code, c.days[k]); err != nil {
			return fmt.Errorf("count events: %w", err)
		}
	}
	c.acct, c.days = nil, nil
	return nil
}

// sortedChanges returns the keys of the count changes that are not zero,
// in one order (by) for every transaction.
func sortedChanges[K comparable](m map[K]int64, by func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k, n := range m {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, by)
	return keys
}

func byAcctCount(a, b acctCountKey) int {
	return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.kind, b.kind))
}

func byDayCount(a, b dayCountKey) int {
	return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.day, b.day), cmp.Compare(a.code, b.code))
}

// rawExec runs a statement as exec does, but never audits it: the counts
// are bookkeeping of the write that is audited.
func (s *Store) rawExec(ctx context.Context, query string, args ...any) (any, error) {
	query = s.rebind(query)
	if st := s.bindStmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.q.ExecContext(ctx, query, args...)
}

// accountCount returns how many rows of kind the account holds.
func (s *Store) accountCount(ctx context.Context, accountID int64, kind string) (int, error) {
	// A transaction reading its own writes: write its counts first.
	if err := s.flushPending(ctx); err != nil {
		return 0, err
	}
	var n int64
	if err := s.queryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM account_counts WHERE account_id = ? AND kind = ?`,
		accountID, kind).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", kind, err)
	}
	return int(n), nil
}

// daySum is how many events (of the codes asked for) one UTC day holds.
type daySum struct{ day, n int64 }

// eventTotal returns how many events of the account with one of codes
// (any code when empty) were created at or after since, from the day
// counts; ok is false when since is too close to 1970 for them (the
// caller then counts rows). With later not nil, it also sets it to the
// events of each day after since's, oldest first, read in the same query
// (for eventSeek).
func (s *Store) eventTotal(ctx context.Context, accountID int64, since time.Time, codes []int, later *[]daySum) (total int, ok bool, err error) {
	from := ms(since)
	if from < dayMS {
		return 0, false, nil
	}
	if err := s.flushPending(ctx); err != nil {
		return 0, false, err
	}
	day := from / dayMS
	start, end := day*dayMS, (day+1)*dayMS
	codeSQL := ""
	args := []any{accountID, day}
	if len(codes) > 0 {
		codeSQL = ` AND event_code IN (` + placeholders(len(codes)) + `)`
		for _, c := range codes {
			args = append(args, c)
		}
	}
	// The first day counts whole when the start is nearer its beginning,
	// less the events before the start; otherwise only its events after
	// the start are counted. Either way, at most half a day of index.
	whole := from-start < end-from
	op := ` > ?`
	if whole {
		op = ` >= ?`
	}
	var days int64
	if later != nil {
		if days, err = s.eventDays(ctx, day, whole, codeSQL, args, later); err != nil {
			return 0, false, err
		}
	} else if err := s.queryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM event_day_counts WHERE account_id = ? AND day`+op+codeSQL,
		args...).Scan(&days); err != nil {
		return 0, false, fmt.Errorf("count events: %w", err)
	}
	lo, hi := from, end
	if whole {
		lo, hi = start, from
	}
	var part int64
	if lo < hi {
		pargs := append([]any{accountID, lo, hi}, args[2:]...)
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM events WHERE account_id = ? AND created_at >= ? AND created_at < ?`+codeSQL,
			pargs...).Scan(&part); err != nil {
			return 0, false, fmt.Errorf("count events: %w", err)
		}
	}
	if whole {
		part = -part
	}
	return int(days + part), true, nil
}

// eventDays reads the events of each day from day on, by day, for
// eventTotal: it returns their sum (with day's own when whole) and sets
// later to the days after day, oldest first.
func (s *Store) eventDays(ctx context.Context, day int64, whole bool, codeSQL string, args []any, later *[]daySum) (int64, error) {
	rows, err := s.query(ctx, `SELECT day, SUM(n) FROM event_day_counts WHERE account_id = ? AND day >= ?`+codeSQL+
		` GROUP BY day ORDER BY day`, args...)
	if err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	defer rows.Close()
	var sum int64
	*later = (*later)[:0]
	for rows.Next() {
		var d daySum
		if err := rows.Scan(&d.day, &d.n); err != nil {
			return 0, fmt.Errorf("count events: %w", err)
		}
		if d.day > day {
			*later = append(*later, d)
		}
		if d.day > day || whole {
			sum += d.n
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return sum, nil
}
