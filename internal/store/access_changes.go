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
// serialises journal writers of one account (the second is the account).
const journalLockClass = 0x4c6a6e6c // "Ljnl"

// noteAccessChange journals a change: personID and channelID name what
// changed; both 0 means something account-wide. The row is written when
// the transaction commits (flushJournal), with the transaction's other
// journal rows, or at once in a transaction of its own outside one.
func (s *Store) noteAccessChange(ctx context.Context, accountID, personID, channelID int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		*tx.journal = append(*tx.journal, AccessChange{AccountID: accountID, PersonID: personID, ChannelID: channelID})
		return tx.announce(ctx, accountID, ChangeAccess)
	})
}

// flushJournal writes the transaction's pending journal rows. On
// PostgreSQL it first takes a transaction-scoped lock per account (in
// account order, so two transactions never wait for each other
// crosswise), so that rows of one account commit in id order and a reader
// that has seen id N has seen every smaller id of the account. InTx runs
// it last before the commit, after the audit rows and the counts, so the
// lock is held for this one statement and the commit only; with notify
// set it also sends the transaction's NOTIFY in the same statement (one
// round trip). Reading the journal inside the transaction flushes it
// first (AccessSeq), which takes the lock early.
func (s *Store) flushJournal(ctx context.Context, notify bool) error {
	var payload string
	if notify && s.dialect == Postgres {
		payload = s.notifyPayload(*s.pending)
	}
	rows := *s.journal
	if len(rows) == 0 {
		if payload != "" {
			return s.sendNotify(ctx, payload)
		}
		return nil
	}
	*s.journal = nil
	at := ms(time.Now())
	if s.dialect != Postgres {
		for _, r := range rows {
			if _, err := s.rawExec(ctx, `INSERT INTO access_changes (account_id, person_id, channel_id, created_at) VALUES (?, ?, ?, ?)`,
				r.AccountID, nullID(r.PersonID), nullID(r.ChannelID), at); err != nil {
				return fmt.Errorf("record access change: %w", err)
			}
		}
		return nil
	}
	accts := make([]int64, 0, 1)
	acct, person, channel := make([]int64, len(rows)), make([]int64, len(rows)), make([]int64, len(rows))
	for i, r := range rows {
		acct[i], person[i], channel[i] = r.AccountID, r.PersonID, r.ChannelID
		if !slices.Contains(accts, r.AccountID) {
			accts = append(accts, r.AccountID)
		}
	}
	slices.Sort(accts)
	locks := make([]int32, len(accts))
	for i, a := range accts {
		locks[i] = int32(a)
	}
	// The lock is taken (the materialized CTE is read in full) before the
	// insert draws its first id; the rows keep the order they were noted in.
	q := `WITH l AS MATERIALIZED (SELECT count(pg_advisory_xact_lock(CAST(? AS integer), a)) AS n FROM unnest(CAST(? AS integer[])) AS a),
		j AS (INSERT INTO access_changes (account_id, person_id, channel_id, created_at)
			SELECT r.a, NULLIF(r.p, 0), NULLIF(r.c, 0), CAST(? AS bigint)
			FROM l, unnest(CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[])) WITH ORDINALITY AS r(a, p, c, o)
			ORDER BY r.o)
		SELECT pg_notify(?, ?) WHERE ? <> ''`
	if _, err := s.rawExec(ctx, q, int32(journalLockClass), locks, at, acct, person, channel, s.ann.channel, payload, payload); err != nil {
		return fmt.Errorf("record access change: %w", err)
	}
	return nil
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
// there is none): the sequence number of its access data.
func (s *Store) AccessSeq(ctx context.Context, accountID int64) (int64, error) {
	if s.inTx { // a transaction reading its own journal rows: write them first
		if err := s.flushJournal(ctx, false); err != nil {
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
// after, oldest first, at most limit of them.
func (s *Store) AccessChangesAfter(ctx context.Context, accountID, after int64, limit int) ([]AccessChange, error) {
	if s.inTx {
		if err := s.flushJournal(ctx, false); err != nil {
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
