package store

import (
	"context"
	"fmt"
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

// noteAccessChange appends a row to the access journal: personID and
// channelID name what changed; both 0 means something account-wide. It runs
// in the caller's transaction (or its own), and on PostgreSQL takes a
// transaction-scoped lock per account first, so rows of one account commit
// in id order and a reader never sees id N before a smaller id of the same
// account. Call it last in the transaction: the lock is held until commit.
func (s *Store) noteAccessChange(ctx context.Context, accountID, personID, channelID int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		if tx.dialect == Postgres {
			if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?, ?)`, int32(journalLockClass), int32(accountID)); err != nil {
				return fmt.Errorf("lock access journal: %w", err)
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO access_changes (account_id, person_id, channel_id, created_at) VALUES (?, ?, ?, ?)`,
			accountID, nullID(personID), nullID(channelID), ms(time.Now())); err != nil {
			return fmt.Errorf("record access change: %w", err)
		}
		return tx.announce(ctx, accountID, ChangeAccess)
	})
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
