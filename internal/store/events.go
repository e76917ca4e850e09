package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const eventCols = `id, account_id, event_code, event_label, channel_id, channel_name, person_id, person_name,
	person_first_name, person_last_name, credentials_number, client_event_id, created_at, updated_at`

func scanEvent(sc scanner) (*domain.Event, error) {
	var (
		e                                        domain.Event
		channel, person                          sql.NullInt64
		chName, pName, first, last, cred, client sql.NullString
		created, updated                         int64
	)
	if err := sc.Scan(&e.ID, &e.AccountID, &e.EventCode, &e.EventLabel, &channel, &chName, &person, &pName,
		&first, &last, &cred, &client, &created, &updated); err != nil {
		return nil, err
	}
	e.ChannelID, e.PersonID = int64Ptr(channel), int64Ptr(person)
	e.ChannelName, e.PersonName, e.PersonFirstName, e.PersonLastName = strPtr(chName), strPtr(pName), strPtr(first), strPtr(last)
	e.CredentialsNumber, e.ClientEventID = strPtr(cred), strPtr(client)
	e.CreatedAt, e.UpdatedAt = fromMS(created), fromMS(updated)
	return &e, nil
}

// CreateEvent appends an event, assigning ID (UpdatedAt defaults to
// CreatedAt, which defaults to now). A repeated ClientEventID on the account
// gives ECONFLICT.
func (s *Store) CreateEvent(ctx context.Context, e *domain.Event) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = e.CreatedAt
	}
	// In a transaction with the event's count (see counts.go).
	return s.InTx(ctx, func(tx *Store) error {
		id, err := tx.insert(ctx, `INSERT INTO events (account_id, event_code, event_label, channel_id, channel_name, person_id, person_name,
			person_first_name, person_last_name, credentials_number, client_event_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.AccountID, e.EventCode, e.EventLabel, nullInt(e.ChannelID), nullStr(e.ChannelName), nullInt(e.PersonID), nullStr(e.PersonName),
			nullStr(e.PersonFirstName), nullStr(e.PersonLastName), nullStr(e.CredentialsNumber), nullStr(e.ClientEventID),
			ms(e.CreatedAt), ms(e.UpdatedAt))
		if isUniqueViolation(err) {
			return domain.Errorf(domain.ECONFLICT, "an event with that client id was already recorded")
		}
		if err != nil {
			return fmt.Errorf("create event: %w", err)
		}
		e.ID = id
		if err := tx.countEvents(e); err != nil {
			return err
		}
		return tx.announce(ctx, e.AccountID, ChangeEvents)
	})
}

// GetEvent returns an event of the account, or ENOTFOUND.
func (s *Store) GetEvent(ctx context.Context, accountID, id int64) (*domain.Event, error) {
	e, err := scanEvent(s.queryRow(ctx, `SELECT `+eventCols+` FROM events WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("event")
	}
	if err != nil {
		return nil, fmt.Errorf("get event %d: %w", id, err)
	}
	return e, nil
}

// EventFilter narrows ListEvents.
type EventFilter struct {
	Codes      []int     // empty = any code
	FirstName  string    // case-insensitive exact match
	LastName   string    // case-insensitive exact match
	ChannelIDs []int64   // empty = any door
	Since      time.Time // created at or after (zero = no bound)
	Ascending  bool      // oldest first; default newest first
	Page       Page
}

// ListEvents returns a page of the account's events and how many match.
func (s *Store) ListEvents(ctx context.Context, accountID int64, f EventFilter) ([]*domain.Event, int, error) {
	var where strings.Builder
	where.WriteString(` WHERE account_id = ?`)
	args := []any{accountID}
	if !f.Since.IsZero() {
		where.WriteString(` AND created_at >= ?`)
		args = append(args, ms(f.Since))
	}
	if len(f.Codes) > 0 {
		where.WriteString(` AND event_code IN (` + placeholders(len(f.Codes)) + `)`)
		for _, c := range f.Codes {
			args = append(args, c)
		}
	}
	if len(f.ChannelIDs) > 0 {
		where.WriteString(` AND channel_id IN (` + placeholders(len(f.ChannelIDs)) + `)`)
		args = idArgs(f.ChannelIDs, args...)
	}
	if f.FirstName != "" {
		where.WriteString(` AND lower(person_first_name) = ?`)
		args = append(args, strings.ToLower(f.FirstName))
	}
	if f.LastName != "" {
		where.WriteString(` AND lower(person_last_name) = ?`)
		args = append(args, strings.ToLower(f.LastName))
	}
	// Filtered by time and code only (the API's default), the total comes
	// from the day counts (see counts.go); otherwise the rows are counted.
	var (
		total, counted = 0, false
		later          []daySum // with a deep page: the events of each day after the first
	)
	if len(f.ChannelIDs) == 0 && f.FirstName == "" && f.LastName == "" && !f.Since.IsZero() {
		var (
			err  error
			days *[]daySum
		)
		if f.Page.Offset >= seekOffset {
			days = &later
		}
		if total, counted, err = s.eventTotal(ctx, accountID, f.Since, f.Codes, days); err != nil {
			return nil, 0, err
		}
	}
	if !counted {
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM events`+where.String(), args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count events: %w", err)
		}
	}
	if total == 0 || f.Page.Offset >= total {
		return []*domain.Event{}, total, nil
	}
	order := ` ORDER BY created_at DESC, id DESC`
	if f.Ascending {
		order = ` ORDER BY created_at, id`
	}
	page := f.Page
	if counted && page.Offset >= seekOffset {
		// A deep page starts from the day its first event falls in,
		// found from the day counts, not by skipping every newer event.
		bound, skip := eventSeek(f, total, later)
		where.WriteString(bound.sql)
		args = append(args, bound.arg)
		page.Offset = skip
	}
	// The page is chosen on the sort index alone, which holds every
	// column the default filter reads (an index-only scan on PostgreSQL),
	// then only its rows are read.
	rows, err := s.query(ctx, `SELECT `+eventCols+` FROM events WHERE `+s.inPage("id", `SELECT id FROM events`+where.String()+order+page.sql())+order,
		page.bind(args...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	out := []*domain.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// seekOffset is the OFFSET from which ListEvents seeks its page through
// the day counts: below it, skipping rows on the index costs less.
const seekOffset = 1000

// dayBound is a condition on created_at and its argument.
type dayBound struct {
	sql string
	arg int64
}

// eventSeek finds where the page of f (filtered by time and code only,
// total events in all; later, the events of each day after the first,
// oldest first) starts without skipping f.Page.Offset rows: the day its
// first event falls in. It returns a bound on created_at starting at that
// day (newest first: events before its end; oldest first: events from
// its start) and the number of rows to skip from there, less than one day
// of events.
func eventSeek(f EventFilter, total int, later []daySum) (dayBound, int) {
	from := ms(f.Since)
	first := from / dayMS
	var sum int64
	for _, d := range later {
		sum += d.n
	}
	// The first day holds the rest, from the list's start on.
	days := make([]daySum, 0, len(later)+1)
	if f.Ascending {
		days = append(append(days, daySum{first, int64(total) - sum}), later...)
	} else {
		for i := len(later) - 1; i >= 0; i-- {
			days = append(days, later[i])
		}
		days = append(days, daySum{first, int64(total) - sum})
	}
	off := int64(f.Page.Offset)
	var before int64 // events ahead of the day in the list's order
	for i, d := range days {
		if off < before+d.n || i == len(days)-1 {
			if f.Ascending {
				return dayBound{` AND created_at >= ?`, max(d.day*dayMS, from)}, int(off - before)
			}
			return dayBound{` AND created_at < ?`, (d.day + 1) * dayMS}, int(off - before)
		}
		before += d.n
	}
	return dayBound{` AND created_at >= ?`, from}, f.Page.Offset
}
