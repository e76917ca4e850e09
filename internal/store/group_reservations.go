package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const groupReservationCols = `id, account_id, person_id, start_time, end_time, deactivated_at, created_at, updated_at`

func scanGroupReservation(sc scanner) (*domain.GroupReservation, error) {
	var (
		g                            domain.GroupReservation
		deactivated                  sql.NullInt64
		start, end, created, updated int64
	)
	if err := sc.Scan(&g.ID, &g.AccountID, &g.PersonID, &start, &end, &deactivated, &created, &updated); err != nil {
		return nil, err
	}
	g.StartTime, g.EndTime, g.CreatedAt, g.UpdatedAt = fromMS(start), fromMS(end), fromMS(created), fromMS(updated)
	g.DeactivatedAt = timePtr(deactivated)
	g.GroupIDs = []int64{}
	return &g, nil
}

// CreateGroupReservation inserts a temporary group membership, assigning
// ID, after checking it with GroupReservation.Validate. Errors: EINVALID
// (group_ids, end_time) for one the rule refuses; EINVALID (person_id,
// group_ids) when the person or a group is not the account's.
func (s *Store) CreateGroupReservation(ctx context.Context, g *domain.GroupReservation) error {
	if g.CreatedAt.IsZero() {
		g.CreatedAt = time.Now().UTC()
	}
	g.UpdatedAt = g.CreatedAt
	g.GroupIDs = uniqueIDs(g.GroupIDs)
	if err := g.Validate(); err != nil {
		return err
	}
	return s.InTx(ctx, func(tx *Store) error {
		if m, err := tx.missingIDs(ctx, "people", g.AccountID, []int64{g.PersonID}); err != nil {
			return err
		} else if len(m) > 0 {
			return invalidIDs("person_id", "person", m)
		}
		if m, err := tx.missingIDs(ctx, "groups", g.AccountID, g.GroupIDs); err != nil {
			return err
		} else if len(m) > 0 {
			return invalidIDs("group_ids", "group", m)
		}
		id, err := tx.insert(ctx, `INSERT INTO group_reservations (account_id, person_id, start_time, end_time, deactivated_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, g.AccountID, g.PersonID, ms(g.StartTime), ms(g.EndTime), msPtr(g.DeactivatedAt), ms(g.CreatedAt), ms(g.UpdatedAt))
		if err != nil {
			return fmt.Errorf("create group reservation: %w", err)
		}
		g.ID = id
		for _, gid := range g.GroupIDs {
			if _, err := tx.exec(ctx, `INSERT INTO group_reservation_groups (account_id, group_reservation_id, group_id) VALUES (?, ?, ?)`, g.AccountID, id, gid); err != nil {
				return fmt.Errorf("link group reservation: %w", err)
			}
		}
		return tx.notePeopleChanged(ctx, g.AccountID, g.PersonID)
	})
}

// GroupReservationFilter narrows ListGroupReservations.
type GroupReservationFilter struct {
	EndsAfter    time.Time  // only reservations not yet over at this instant
	UpdatedSince *time.Time // updated at or after
	PersonID     int64      // only this person's (0: everyone's)
	Page         Page
}

// ListGroupReservations returns a page of the account's group reservations
// by id, with their groups, and how many match.
func (s *Store) ListGroupReservations(ctx context.Context, accountID int64, f GroupReservationFilter) ([]*domain.GroupReservation, int, error) {
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
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM group_reservations`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count group reservations: %w", err)
	}
	if total == 0 || f.Page.Offset >= total {
		return []*domain.GroupReservation{}, total, nil
	}
	rows, err := s.query(ctx, `SELECT `+groupReservationCols+` FROM group_reservations`+where+` ORDER BY id`+f.Page.sql(), f.Page.bind(args...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list group reservations: %w", err)
	}
	defer rows.Close()
	out := []*domain.GroupReservation{}
	byID := map[int64]*domain.GroupReservation{}
	var ids []int64
	for rows.Next() {
		g, err := scanGroupReservation(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, g)
		byID[g.ID] = g
		ids = append(ids, g.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	err = s.eachLink(ctx, `SELECT group_reservation_id, group_id FROM group_reservation_groups WHERE account_id = ? AND group_reservation_id IN (`+placeholders(len(ids))+`) ORDER BY 1, 2`,
		idArgs(ids, accountID), func(rid, gid int64) {
			if g := byID[rid]; g != nil {
				g.GroupIDs = append(g.GroupIDs, gid)
			}
		})
	return out, total, err
}

// GetGroupReservation returns a group reservation of the account with its
// groups, or ENOTFOUND.
func (s *Store) GetGroupReservation(ctx context.Context, accountID, id int64) (*domain.GroupReservation, error) {
	g, err := scanGroupReservation(s.queryRow(ctx, `SELECT `+groupReservationCols+` FROM group_reservations WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("group reservation")
	}
	if err != nil {
		return nil, fmt.Errorf("get group reservation %d: %w", id, err)
	}
	err = s.eachLink(ctx, `SELECT group_reservation_id, group_id FROM group_reservation_groups WHERE account_id = ? AND group_reservation_id = ? ORDER BY 2`,
		[]any{accountID, id}, func(_, gid int64) { g.GroupIDs = append(g.GroupIDs, gid) })
	return g, err
}

// CancelGroupReservation ends a group reservation as of now: one still in
// progress is kept and marked deactivated (so its history stays visible);
// any other is removed. It reports whether the reservation was kept.
// Errors: ENOTFOUND.
func (s *Store) CancelGroupReservation(ctx context.Context, accountID, id int64, now time.Time) (kept bool, err error) {
	err = s.InTx(ctx, func(tx *Store) error {
		g, err := tx.GetGroupReservation(ctx, accountID, id)
		if err != nil {
			return err
		}
		if g.State(now) == "active" {
			kept = true
			_, err := tx.exec(ctx, `UPDATE group_reservations SET deactivated_at = ?, updated_at = ? WHERE id = ? AND account_id = ?`, ms(now), ms(now), id, accountID)
			if err != nil {
				return fmt.Errorf("deactivate group reservation %d: %w", id, err)
			}
			return tx.notePeopleChanged(ctx, accountID, g.PersonID)
		}
		if _, err := tx.exec(ctx, `DELETE FROM group_reservation_groups WHERE group_reservation_id = ? AND account_id = ?`, id, accountID); err != nil {
			return fmt.Errorf("delete group reservation %d: %w", id, err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM group_reservations WHERE id = ? AND account_id = ?`, id, accountID); err != nil {
			return fmt.Errorf("delete group reservation %d: %w", id, err)
		}
		return tx.notePeopleChanged(ctx, accountID, g.PersonID)
	})
	return kept, err
}
