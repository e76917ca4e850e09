package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// AccessChange is one row of the access journal (see migration 0007): a
// write that changed what the account's doors decide with.
type AccessChange struct {
	ID        int64
	AccountID int64
	PersonID  int64 // the person that changed, or 0
	ChannelID int64 // the door whose state changed, or 0
}

// Everything reports whether the change is account-wide: controllers must
// download a new snapshot.
func (c AccessChange) Everything() bool { return c.PersonID == 0 && c.ChannelID == 0 }

// journalLockClass is the first key of the PostgreSQL advisory lock that
// journal writers of an account hold shared, and a reader of its journal
// exclusive while it takes its snapshot (ReadConsistent); the second key
// is the account.
const journalLockClass = 0x4c6a6e6c // "Ljnl"

// noteAccessChange journals a change: personID and channelID name what
// changed; both 0 means something account-wide. The row is written when
// the transaction commits (flushPending), with the transaction's other
// journal rows, or at once in a transaction of its own outside one.
func (s *Store) noteAccessChange(ctx context.Context, accountID, personID, channelID int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		*tx.journal = append(*tx.journal, AccessChange{AccountID: accountID, PersonID: personID, ChannelID: channelID})
		return tx.announce(ctx, accountID, ChangeAccess)
	})
}

// flushPending writes what a transaction keeps until it ends: its access
// journal rows and its count changes (counts.go). InTx runs it last before
// the commit; reading the journal or the counts inside the transaction
// runs it first (AccessSeq, accountCount).
//
// On PostgreSQL the rows and counts are one statement: a round trip of its
// own inside the transaction, and none at its end, where it goes to the
// server with the COMMIT (execAtCommit, pgtx.go). It first takes, shared,
// a transaction-scoped lock per account whose journal or people and
// credential counts it writes (in account order), then draws the journal
// ids and writes the rows and the counts. Writers of one account do not
// wait for each other on the lock, so their journal rows may commit out
// of id order; a reader that must not pass a row still committing reads in
// ReadConsistent, which takes the lock exclusively for the moment its
// snapshot is taken: no writer then holds a journal id it has not
// committed. The lock is held for this statement and the commit only.
// Event day counts of a transaction without journal rows (a controller's
// upload) take no lock; a transaction holding day counts never waits for
// the lock afterwards (only a reader queued for it could make it wait),
// unless it read its event totals before journaling, which no write does.
func (s *Store) flushPending(ctx context.Context) error {
	if s.journal == nil { // not in a transaction: nothing is kept
		return nil
	}
	if s.dialect != Postgres {
		if err := s.flushCounts(ctx); err != nil {
			return err
		}
		return s.flushJournalRows(ctx)
	}
	rows, c := *s.journal, s.counts
	if len(rows) == 0 && (c == nil || (len(c.acct) == 0 && len(c.days) == 0)) {
		return nil
	}
	var locks []int32
	lock := func(a int64) {
		if !slices.Contains(locks, int32(a)) {
			locks = append(locks, int32(a))
		}
	}
	for _, r := range rows {
		lock(r.AccountID)
	}
	var (
		ca, cn         []int64
		ck             []string
		da, dd, de, dn []int64
	)
	if c != nil {
		for _, k := range sortedChanges(c.acct, byAcctCount) {
			ca, ck, cn = append(ca, k.account), append(ck, k.kind), append(cn, c.acct[k])
			lock(k.account)
		}
		for _, k := range sortedChanges(c.days, byDayCount) {
			da, dd, de, dn = append(da, k.account), append(dd, k.day), append(de, int64(k.code)), append(dn, c.days[k])
		}
	}
	slices.Sort(locks)
	q, args := journalStatement(locks, rows, ca, ck, cn, da, dd, de, dn, s.pgConn().shard, ms(time.Now()))
	if err := s.execAtCommit(ctx, q, args...); err != nil {
		return fmt.Errorf("record access changes and counts: %w", err)
	}
	*s.journal = nil
	if c != nil {
		c.acct, c.days = nil, nil
	}
	return nil
}

// journalStatement is flushPending's statement on PostgreSQL: it takes the
// journal locks of the accounts (sorted), shared, then writes the journal
// rows in the order they were noted, the account counts (ca, ck, cn) and
// the day counts (da, dd, de, dn) on the transaction's shard. Every part
// reads l, so the locks are all taken (the materialized CTE is read in
// full) before the first journal id is drawn or count row written.
//
// Most writes (a person's create, change or delete) lock one account and
// write at most one journal row and one count: for them the statement
// takes single values, which PostgreSQL starts and runs in a fraction of
// the time the general statement's arrays, unnest and ordering cost it.
func journalStatement(locks []int32, rows []AccessChange, ca []int64, ck []string, cn []int64, da, dd, de, dn []int64, shard int, now int64) (string, []any) {
	if len(locks) == 1 && len(rows) <= 1 && len(ca) <= 1 && len(da) == 0 {
		q := `WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(CAST(? AS integer), CAST(? AS integer)) AS n)`
		args := []any{int32(journalLockClass), locks[0]}
		if len(rows) == 1 {
			r := rows[0]
			q += `, j AS (INSERT INTO access_changes (account_id, person_id, channel_id, created_at)
				SELECT CAST(? AS bigint), NULLIF(CAST(? AS bigint), 0), NULLIF(CAST(? AS bigint), 0), CAST(? AS bigint) FROM l)`
			args = append(args, r.AccountID, r.PersonID, r.ChannelID, now)
		}
		if len(ca) == 1 {
			q += `, c AS (INSERT INTO account_counts AS x (account_id, kind, shard, n)
				SELECT CAST(? AS bigint), CAST(? AS text), CAST(? AS integer), CAST(? AS bigint) FROM l
				ON CONFLICT (account_id, kind, shard) DO UPDATE SET n = x.n + excluded.n)`
			args = append(args, ca[0], ck[0], shard, cn[0])
		}
		return q + ` SELECT 1 FROM l`, args
	}
	ja, jp, jc := make([]int64, len(rows)), make([]int64, len(rows)), make([]int64, len(rows))
	for i, r := range rows {
		ja[i], jp[i], jc[i] = r.AccountID, r.PersonID, r.ChannelID
	}
	q := `WITH l AS MATERIALIZED (SELECT count(pg_advisory_xact_lock_shared(CAST(? AS integer), a)) AS n FROM unnest(CAST(? AS integer[])) AS a),
		j AS (INSERT INTO access_changes (account_id, person_id, channel_id, created_at)
			SELECT r.a, NULLIF(r.p, 0), NULLIF(r.c, 0), CAST(? AS bigint)
			FROM l, unnest(CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[])) WITH ORDINALITY AS r(a, p, c, o)
			ORDER BY r.o),
		c AS (INSERT INTO account_counts AS x (account_id, kind, shard, n)
			SELECT u.a, u.k, CAST(? AS integer), u.n FROM l, unnest(CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS bigint[])) WITH ORDINALITY AS u(a, k, n, o)
			ORDER BY u.o
			ON CONFLICT (account_id, kind, shard) DO UPDATE SET n = x.n + excluded.n),
		d AS (INSERT INTO event_day_counts AS y (account_id, day, event_code, shard, n)
			SELECT u.a, u.d, u.e, CAST(? AS integer), u.n FROM l, unnest(CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[])) WITH ORDINALITY AS u(a, d, e, n, o)
			ORDER BY u.o
			ON CONFLICT (account_id, day, event_code, shard) DO UPDATE SET n = y.n + excluded.n)
		SELECT n FROM l`
	return q, []any{int32(journalLockClass), emptyIfNil(locks), now, ja, jp, jc,
		shard, emptyIfNil(ca), emptyIfNil(ck), emptyIfNil(cn), shard, emptyIfNil(da), emptyIfNil(dd), emptyIfNil(de), emptyIfNil(dn)}
}

// flushJournalRows writes the pending journal rows on SQLite, where one
// writer at a time needs no lock.
func (s *Store) flushJournalRows(ctx context.Context) error {
	rows := *s.journal
	*s.journal = nil
	at := ms(time.Now())
	for _, r := range rows {
		if _, err := s.rawExec(ctx, `INSERT INTO access_changes (account_id, person_id, channel_id, created_at) VALUES (?, ?, ?, ?)`,
			r.AccountID, nullID(r.PersonID), nullID(r.ChannelID), at); err != nil {
			return fmt.Errorf("record access change: %w", err)
		}
	}
	return nil
}

// emptyIfNil returns s, or an empty slice for nil (an empty array, not NULL).
func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// notePeopleChanged journals a change of each of the people.
func (s *Store) notePeopleChanged(ctx context.Context, accountID int64, people ...int64) error {
	for _, id := range people {
		if err := s.noteAccessChange(ctx, accountID, id, 0); err != nil {
			return err
		}
	}
	return nil
}

// noteEverythingChanged journals an account-wide change.
func (s *Store) noteEverythingChanged(ctx context.Context, accountID int64) error {
	return s.noteAccessChange(ctx, accountID, 0, 0)
}

// AccessSeq returns the id of the account's newest journal row (0 when
// there is none): the sequence number of its access data. Outside
// ReadConsistent, on PostgreSQL, rows below it may still be committing:
// it tells whether there is something new, not that all is there.
func (s *Store) AccessSeq(ctx context.Context, accountID int64) (int64, error) {
	if s.inTx { // a transaction reading its own journal rows: write them first
		if err := s.flushPending(ctx); err != nil {
			return 0, err
		}
	}
	var seq *int64
	if err := s.queryRow(ctx, `SELECT MAX(id) FROM access_changes WHERE account_id = ?`, accountID).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read access sequence: %w", err)
	}
	if seq == nil {
		return 0, nil
	}
	return *seq, nil
}

// AccessChangesAfter returns the account's journal rows with an id above
// after, oldest first, at most limit of them. A reader following the
// journal (the next read starts after the last row of this one) reads in
// ReadConsistent: on PostgreSQL, outside it, a row may commit behind one
// already read.
func (s *Store) AccessChangesAfter(ctx context.Context, accountID, after int64, limit int) ([]AccessChange, error) {
	if s.inTx {
		if err := s.flushPending(ctx); err != nil {
			return nil, err
		}
	}
	rows, err := s.query(ctx, `SELECT id, person_id, channel_id FROM access_changes
		WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?`, accountID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read access changes: %w", err)
	}
	defer rows.Close()
	var out []AccessChange
	for rows.Next() {
		c := AccessChange{AccountID: accountID}
		var person, channel *int64
		if err := rows.Scan(&c.ID, &person, &channel); err != nil {
			return nil, fmt.Errorf("read access changes: %w", err)
		}
		if person != nil {
			c.PersonID = *person
		}
		if channel != nil {
			c.ChannelID = *channel
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AccessSeqsAfter returns, for every account with journal rows above
// after, the id of its newest row: how a server notices writes made by
// another process.
func (s *Store) AccessSeqsAfter(ctx context.Context, after int64) (map[int64]int64, error) {
	rows, err := s.query(ctx, `SELECT account_id, MAX(id) FROM access_changes WHERE id > ? GROUP BY account_id`, after)
	if err != nil {
		return nil, fmt.Errorf("read access sequences: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var acct, seq int64
		if err := rows.Scan(&acct, &seq); err != nil {
			return nil, fmt.Errorf("read access sequences: %w", err)
		}
		out[acct] = seq
	}
	return out, rows.Err()
}

// PurgeAccessChanges deletes journal rows written before cutoff, keeping
// each account's newest row (it holds the account's sequence). It returns
// how many it deleted.
func (s *Store) PurgeAccessChanges(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM access_changes WHERE created_at < ?
		AND id < (SELECT MAX(n.id) FROM access_changes n WHERE n.account_id = access_changes.account_id)`, ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("purge access changes: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
