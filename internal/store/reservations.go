package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const reservationCols = `id, account_id, person_id, start_time, end_time, created_at, updated_at`

func scanReservation(sc scanner) (*domain.Reservation, error) {
	var (
		r                            domain.Reservation
		start, end, created, updated int64
	)
	if err := sc.Scan(&r.ID, &r.AccountID, &r.PersonID, &start, &end, &created, &updated); err != nil {
		return nil, err
	}
	r.StartTime, r.EndTime, r.CreatedAt, r.UpdatedAt = fromMS(start), fromMS(end), fromMS(created), fromMS(updated)
	r.ChannelIDs = []int64{}
	return &r, nil
}

// CreateReservation inserts a reservation with its doors, assigning ID,
// after checking it with Reservation.Validate in the doors' time zone
// (DoorsLocation). Errors: EINVALID (channel_ids, end_time) for a
// reservation the rule refuses; EINVALID (person_id, channel_ids) when the
// person or a door is not the account's.
func (s *Store) CreateReservation(ctx context.Context, r *domain.Reservation) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	r.UpdatedAt = r.CreatedAt
	r.ChannelIDs = uniqueIDs(r.ChannelIDs)
	return s.InTx(ctx, func(tx *Store) error {
		loc, err := tx.DoorsLocation(ctx, r.AccountID, r.ChannelIDs)
		if err != nil {
			return err
		}
		if err := r.Validate(loc); err != nil {
			return err
		}
		if m, err := tx.missingIDs(ctx, "people", r.AccountID, []int64{r.PersonID}); err != nil {
			return err
		} else if len(m) > 0 {
			return invalidIDs("person_id", "person", m)
		}
		if m, err := tx.missingIDs(ctx, "channels", r.AccountID, r.ChannelIDs); err != nil {
			return err
		} else if len(m) > 0 {
			return invalidIDs("channel_ids", "channel", m)
		}
		id, err := tx.insert(ctx, `INSERT INTO reservations (account_id, person_id, start_time, end_time, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			r.AccountID, r.PersonID, ms(r.StartTime), ms(r.EndTime), ms(r.CreatedAt), ms(r.UpdatedAt))
		if err != nil {
			return fmt.Errorf("create reservation: %w", err)
		}
		r.ID = id
		for _, c := range r.ChannelIDs {
			if _, err := tx.exec(ctx, `INSERT INTO reservation_channels (account_id, reservation_id, channel_id) VALUES (?, ?, ?)`, r.AccountID, id, c); err != nil {
				return fmt.Errorf("link reservation channel: %w", err)
			}
		}
		return tx.notePeopleChanged(ctx, r.AccountID, r.PersonID)
	})
}

// ReservationFilter narrows ListReservations.
type ReservationFilter struct {
	EndsAfter    time.Time  // only reservations not yet over at this instant
	UpdatedSince *time.Time // updated at or after
	PersonID     int64      // only this person's (0: everyone's)
	Page         Page
}

// ListReservations returns a page of the account's reservations by id, with
// their doors, and how many match.
func (s *Store) ListReservations(ctx context.Context, accountID int64, f ReservationFilter) ([]*domain.Reservation, int, error) {
	where := ` WHERE account_id = ? AND end_time > ?`
	args := []any{accountID, ms(f.EndsAfter)}
	if f.UpdatedSince != nil {
		where += ` AND updated_at >= ?`
		args = append(args, ms(*f.UpdatedSince))
	}
	if f.PersonID != 0 {
		where += ` AND person_id = ?`
		args = append(args, f.PersonID)
	}
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM reservations`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count reservations: %w", err)
	}
	if total == 0 || f.Page.Offset >= total {
		return []*domain.Reservation{}, total, nil
	}
	rows, err := s.query(ctx, `SELECT `+reservationCols+` FROM reservations`+where+` ORDER BY id`+f.Page.sql(), f.Page.bind(args...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list reservations: %w", err)
	}
	defer rows.Close()
	out := []*domain.Reservation{}
	byID := map[int64]*domain.Reservation{}
	var ids []int64
	for rows.Next() {
		r, err := scanReservation(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
		byID[r.ID] = r
		ids = append(ids, r.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	err = s.eachLink(ctx, `SELECT reservation_id, channel_id FROM reservation_channels WHERE account_id = ? AND reservation_id IN (`+placeholders(len(ids))+`) ORDER BY 1, 2`,
		idArgs(ids, accountID), func(rid, cid int64) {
			if r := byID[rid]; r != nil {
				r.ChannelIDs = append(r.ChannelIDs, cid)
			}
		})
	return out, total, err
}

// eachLink runs a two-column id query and calls fn for every row.
func (s *Store) eachLink(ctx context.Context, q string, args []any, fn func(a, b int64)) error {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("load links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		fn(a, b)
	}
	return rows.Err()
}

// GetReservation returns a reservation of the account with its doors, or ENOTFOUND.
func (s *Store) GetReservation(ctx context.Context, accountID, id int64) (*domain.Reservation, error) {
	r, err := scanReservation(s.queryRow(ctx, `SELECT `+reservationCols+` FROM reservations WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("reservation")
	}
	if err != nil {
		return nil, fmt.Errorf("get reservation %d: %w", id, err)
	}
	err = s.eachLink(ctx, `SELECT reservation_id, channel_id FROM reservation_channels WHERE account_id = ? AND reservation_id = ? ORDER BY 2`,
		[]any{accountID, id}, func(_, cid int64) { r.ChannelIDs = append(r.ChannelIDs, cid) })
	return r, err
}

// DeleteReservation removes a reservation of the account. Errors: ENOTFOUND.
func (s *Store) DeleteReservation(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		var personID int64
		err := tx.queryRow(ctx, `SELECT person_id FROM reservations WHERE id = ? AND account_id = ?`, id, accountID).Scan(&personID)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.NotFound("reservation")
		}
		if err != nil {
			return fmt.Errorf("delete reservation %d: %w", id, err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM reservation_channels WHERE reservation_id = ? AND account_id = ?`, id, accountID); err != nil {
			return fmt.Errorf("delete reservation %d: %w", id, err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM reservations WHERE id = ? AND account_id = ?`, id, accountID); err != nil {
			return fmt.Errorf("delete reservation %d: %w", id, err)
		}
		return tx.notePeopleChanged(ctx, accountID, personID)
	})
}
