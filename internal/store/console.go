package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// The queries of the operator console. They page by key (the last row
// seen) rather than by offset and count nothing they do not show, so a
// page costs the same on the first and the thousandth page of a large
// account.

// SearchPeople returns up to limit people of the account with an id above
// afterID, in id order, with their group and role memberships. A
// non-empty q (case-insensitive) matches the start of a first name, a last
// name or an email; "first last" matches the start of both names. Every
// match is found through an index, so a search costs about the same on a
// large account as on a small one.
func (s *Store) SearchPeople(ctx context.Context, accountID int64, q string, afterID int64, limit int) ([]*domain.Person, error) {
	where := ` WHERE account_id = ? AND id > ?`
	args := []any{accountID, afterID}
	if q = strings.ToLower(strings.Join(strings.Fields(q), " ")); q != "" {
		// Each branch walks one index over the matching range only; the
		// union of their ids is sorted and cut to the page before any row
		// is read.
		lo, hi := prefixRange(q)
		// UNION ALL, deduplicated outside: a plain UNION is merged in id
		// order, and SQLite then walks each branch by the id index over
		// the whole account instead of by its name index.
		match := `SELECT id FROM people WHERE account_id = ? AND lower(first_name) >= ? AND lower(first_name) < ? AND id > ?
			UNION ALL SELECT id FROM people WHERE account_id = ? AND lower(last_name) >= ? AND lower(last_name) < ? AND id > ?
			UNION ALL SELECT id FROM people WHERE account_id = ? AND email_lower >= ? AND email_lower < ? AND id > ?`
		margs := []any{accountID, lo, hi, afterID, accountID, lo, hi, afterID, accountID, lo, hi, afterID}
		if first, last, ok := strings.Cut(q, " "); ok {
			flo, fhi := prefixRange(first)
			llo, lhi := prefixRange(last)
			match += ` UNION ALL SELECT id FROM people WHERE account_id = ? AND lower(first_name) >= ? AND lower(first_name) < ?
				AND lower(last_name) >= ? AND lower(last_name) < ? AND id > ?`
			margs = append(margs, accountID, flo, fhi, llo, lhi, afterID)
		}
		where += ` AND id IN (SELECT DISTINCT id FROM (` + match + `) m ORDER BY id LIMIT ?)`
		args = append(args, margs...)
		args = append(args, limit)
	}
	args = append(args, limit)
	out, err := s.readPeople(ctx, accountID, `SELECT `+personCols+` FROM people`+where+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("search people: %w", err)
	}
	return out, nil
}

// prefixRange returns the bounds [lo, hi) of the strings that start with
// prefix, in byte order: hi is prefix with its last byte increased (bytes
// of 0xff are dropped first).
func prefixRange(prefix string) (string, string) {
	b := []byte(prefix)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return prefix, "\U0010ffff"
	}
	b[len(b)-1]++
	return prefix, string(b)
}

// PeopleByEmail returns the account's people with the given emails
// (compared case-insensitively), keyed by lower-cased email.
func (s *Store) PeopleByEmail(ctx context.Context, accountID int64, emails []string) (map[string]*domain.Person, error) {
	out := map[string]*domain.Person{}
	for start := 0; start < len(emails); start += bulkRows {
		chunk := emails[start:min(start+bulkRows, len(emails))]
		args := []any{accountID}
		for _, e := range chunk {
			args = append(args, strings.ToLower(e))
		}
		found, err := s.readPeople(ctx, accountID, `SELECT `+personCols+` FROM people WHERE account_id = ? AND email_lower IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("find people by email: %w", err)
		}
		for _, p := range found {
			if p.Email != nil {
				out[strings.ToLower(*p.Email)] = p
			}
		}
	}
	return out, nil
}

// EventCursor marks a position in the event log, newest first: the event
// with this time and id, and everything after it, are behind the cursor.
type EventCursor struct {
	CreatedAt time.Time
	ID        int64
}

// LogFilter narrows EventLog. Zero values do not filter.
type LogFilter struct {
	ChannelID int64
	PersonID  int64
	Codes     []int
	From, To  time.Time // created at or after From, before To
	Before    *EventCursor
	Limit     int
}

// EventLog returns up to f.Limit events of the account, newest first
// (by time, then id), older than f.Before when set.
func (s *Store) EventLog(ctx context.Context, accountID int64, f LogFilter) ([]*domain.Event, error) {
	var where strings.Builder
	where.WriteString(` WHERE account_id = ?`)
	args := []any{accountID}
	if f.ChannelID != 0 {
		where.WriteString(` AND channel_id = ?`)
		args = append(args, f.ChannelID)
	}
	if f.PersonID != 0 {
		where.WriteString(` AND person_id = ?`)
		args = append(args, f.PersonID)
	}
	if len(f.Codes) > 0 {
		where.WriteString(` AND event_code IN (` + placeholders(len(f.Codes)) + `)`)
		for _, c := range f.Codes {
			args = append(args, c)
		}
	}
	if !f.From.IsZero() {
		where.WriteString(` AND created_at >= ?`)
		args = append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where.WriteString(` AND created_at < ?`)
		args = append(args, ms(f.To))
	}
	if c := f.Before; c != nil {
		// The first bound lets the index on created_at start at the cursor.
		where.WriteString(` AND created_at <= ? AND (created_at < ? OR id < ?)`)
		args = append(args, ms(c.CreatedAt), ms(c.CreatedAt), c.ID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	args = append(args, limit)
	rows, err := s.query(ctx, `SELECT `+eventCols+` FROM events`+where.String()+` ORDER BY created_at DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("event log: %w", err)
	}
	defer rows.Close()
	out := []*domain.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountEventsByCode returns how many of the account's events since the
// given time carry each code. It reads the codes in time order and counts
// them here: grouped in SQL, the engines prefer the index on the code and
// read the account's whole log.
func (s *Store) CountEventsByCode(ctx context.Context, accountID int64, since time.Time) (map[int]int, error) {
	rows, err := s.query(ctx, `SELECT event_code FROM events WHERE account_id = ? AND created_at >= ? ORDER BY created_at`,
		accountID, ms(since))
	if err != nil {
		return nil, fmt.Errorf("count events: %w", err)
	}
	defer rows.Close()
	out := map[int]int{}
	for rows.Next() {
		var code int
		if err := rows.Scan(&code); err != nil {
			return nil, err
		}
		out[code]++
	}
	return out, rows.Err()
}

// UniquePIN returns a random PIN not yet used with the credential type on
// the account, for a PIN credential given as domain.AutoPIN: six digits,
// or eight if six-digit PINs keep colliding.
func (s *Store) UniquePIN(ctx context.Context, accountID, typeID int64) (string, error) {
	for attempt := 0; attempt < 40; attempt++ {
		digits, limit := 6, int64(1_000_000)
		if attempt >= 20 {
			digits, limit = 8, 100_000_000
		}
		n, err := rand.Int(rand.Reader, big.NewInt(limit))
		if err != nil {
			return "", err
		}
		pin := fmt.Sprintf("%0*d", digits, n.Int64())
		used, err := s.CredentialValueInUse(ctx, accountID, typeID, pin, 0)
		if err != nil {
			return "", err
		}
		if !used {
			return pin, nil
		}
	}
	return "", errors.New("could not find a free PIN")
}
