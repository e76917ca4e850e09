package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const groupCols = `id, account_id, name, notes, global_across_sites, created_at, updated_at`

func scanGroup(sc scanner) (*domain.Group, error) {
	var (
		g                domain.Group
		notes            sql.NullString
		created, updated int64
	)
	if err := sc.Scan(&g.ID, &g.AccountID, &g.Name, &notes, &g.GlobalAcrossSites, &created, &updated); err != nil {
		return nil, err
	}
	g.Notes = strPtr(notes)
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return &g, nil
}

// CreateGroup inserts a group, assigning ID. Errors: EINVALID for a blank name.
func (s *Store) CreateGroup(ctx context.Context, g *domain.Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = time.Now().UTC()
	}
	g.UpdatedAt = g.CreatedAt
	id, err := s.insert(ctx, `INSERT INTO groups (account_id, name, notes, global_across_sites, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		g.AccountID, g.Name, nullStr(g.Notes), g.GlobalAcrossSites, ms(g.CreatedAt), ms(g.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create group: %w", err)
	}
	g.ID = id
	return nil
}

// ListGroups returns every group of the account, ordered by name.
func (s *Store) ListGroups(ctx context.Context, accountID int64) ([]*domain.Group, error) {
	rows, err := s.query(ctx, `SELECT `+groupCols+` FROM groups WHERE account_id = ? ORDER BY name, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	defer rows.Close()
	out := []*domain.Group{}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GetGroup returns a group of the account, or ENOTFOUND.
func (s *Store) GetGroup(ctx context.Context, accountID, id int64) (*domain.Group, error) {
	g, err := scanGroup(s.queryRow(ctx, `SELECT `+groupCols+` FROM groups WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("group")
	}
	if err != nil {
		return nil, fmt.Errorf("get group %d: %w", id, err)
	}
	return g, nil
}

// UpdateGroup writes a group's name, notes and site scope. Errors:
// EINVALID for a blank name; ENOTFOUND.
func (s *Store) UpdateGroup(ctx context.Context, g *domain.Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if g.UpdatedAt.IsZero() {
		g.UpdatedAt = time.Now().UTC()
	}
	res, err := s.exec(ctx, `UPDATE groups SET name = ?, notes = ?, global_across_sites = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
		g.Name, nullStr(g.Notes), g.GlobalAcrossSites, ms(g.UpdatedAt), g.ID, g.AccountID)
	if err != nil {
		return fmt.Errorf("update group %d: %w", g.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("group")
	}
	return nil
}

// DeleteGroup removes a group of the account with its memberships and role
// links. Errors: ENOTFOUND; ECONFLICT while a pending or active group
// reservation at now names the group.
func (s *Store) DeleteGroup(ctx context.Context, accountID, id int64, now time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.deleteGroup(ctx, accountID, id, now); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, accountID)
	})
}

// deleteGroup is DeleteGroup without the journal row.
func (s *Store) deleteGroup(ctx context.Context, accountID, id int64, now time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.refuseIfUsed(ctx, `SELECT COUNT(*) FROM group_reservation_groups grg JOIN group_reservations gr ON gr.id = grg.group_reservation_id
			WHERE grg.account_id = ? AND grg.group_id = ? AND gr.deactivated_at IS NULL AND gr.end_time > ?`, []any{accountID, id, ms(now)},
			"a current or future group reservation uses this group; cancel it first"); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM person_groups WHERE account_id = ? AND group_id = ?`,
			`DELETE FROM role_groups WHERE account_id = ? AND group_id = ?`,
			`DELETE FROM group_reservation_groups WHERE account_id = ? AND group_id = ?`,
		} {
			if _, err := tx.exec(ctx, q, accountID, id); err != nil {
				return fmt.Errorf("delete group %d links: %w", id, err)
			}
		}
		return tx.deleteRow(ctx, "groups", "group", accountID, id)
	})
}
