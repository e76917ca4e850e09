package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const roleCols = `id, account_id, name, shift_id, notes, created_at, updated_at`

func scanRole(sc scanner) (*domain.Role, error) {
	var (
		r                domain.Role
		shift            sql.NullInt64
		notes            sql.NullString
		created, updated int64
	)
	if err := sc.Scan(&r.ID, &r.AccountID, &r.Name, &shift, &notes, &created, &updated); err != nil {
		return nil, err
	}
	r.ShiftID, r.Notes = int64Ptr(shift), strPtr(notes)
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	r.GroupIDs, r.ChannelIDs = []int64{}, []int64{}
	return &r, nil
}

// CreateRole inserts a role with the groups and doors it links, assigning
// ID. Errors: EINVALID for a blank name or ids that are not the account's;
// ECONFLICT for a duplicate name.
func (s *Store) CreateRole(ctx context.Context, r *domain.Role) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.createRole(ctx, r); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, r.AccountID)
	})
}

// createRole is CreateRole without the journal row.
func (s *Store) createRole(ctx context.Context, r *domain.Role) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	r.UpdatedAt = r.CreatedAt
	return s.InTx(ctx, func(tx *Store) error {
		checks := []struct {
			table, field string
			ids          []int64
		}{{"groups", "group_ids", r.GroupIDs}, {"channels", "channel_ids", r.ChannelIDs}}
		for _, c := range checks {
			if m, err := tx.missingIDs(ctx, c.table, r.AccountID, c.ids); err != nil {
				return err
			} else if len(m) > 0 {
				return invalidIDs(c.field, c.table[:len(c.table)-1], m)
			}
		}
		if r.ShiftID != nil {
			if m, err := tx.missingIDs(ctx, "shifts", r.AccountID, []int64{*r.ShiftID}); err != nil {
				return err
			} else if len(m) > 0 {
				return invalidIDs("shift_id", "shift", m)
			}
		}
		id, err := tx.insert(ctx, `INSERT INTO roles (account_id, name, shift_id, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			r.AccountID, r.Name, nullInt(r.ShiftID), nullStr(r.Notes), ms(r.CreatedAt), ms(r.UpdatedAt))
		if isUniqueViolation(err) {
			return domain.Errorf(domain.ECONFLICT, "a role named %q already exists", r.Name)
		}
		if err != nil {
			return fmt.Errorf("create role: %w", err)
		}
		r.ID = id
		r.GroupIDs, r.ChannelIDs = uniqueIDs(r.GroupIDs), uniqueIDs(r.ChannelIDs)
		for _, g := range r.GroupIDs {
			if _, err := tx.exec(ctx, `INSERT INTO role_groups (account_id, role_id, group_id) VALUES (?, ?, ?)`, r.AccountID, id, g); err != nil {
				return fmt.Errorf("link role group: %w", err)
			}
		}
		for _, c := range r.ChannelIDs {
			if _, err := tx.exec(ctx, `INSERT INTO role_channels (account_id, role_id, channel_id) VALUES (?, ?, ?)`, r.AccountID, id, c); err != nil {
				return fmt.Errorf("link role channel: %w", err)
			}
		}
		return nil
	})
}

// ListRoles returns every role of the account ordered by name, with the
// groups and doors each links (two queries in all).
func (s *Store) ListRoles(ctx context.Context, accountID int64) ([]*domain.Role, error) {
	rows, err := s.query(ctx, `SELECT `+roleCols+` FROM roles WHERE account_id = ? ORDER BY name, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	defer rows.Close()
	out := []*domain.Role{}
	byID := map[int64]*domain.Role{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
		byID[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	links, err := s.query(ctx, `SELECT role_id, group_id, 0 FROM role_groups WHERE account_id = ?
		UNION ALL SELECT role_id, channel_id, 1 FROM role_channels WHERE account_id = ? ORDER BY 3, 1, 2`, accountID, accountID)
	if err != nil {
		return nil, fmt.Errorf("list role links: %w", err)
	}
	defer links.Close()
	for links.Next() {
		var rid, id int64
		var kind int
		if err := links.Scan(&rid, &id, &kind); err != nil {
			return nil, err
		}
		if r := byID[rid]; r != nil {
			if kind == 0 {
				r.GroupIDs = append(r.GroupIDs, id)
			} else {
				r.ChannelIDs = append(r.ChannelIDs, id)
			}
		}
	}
	return out, links.Err()
}

// GetRole returns a role of the account with its groups and doors, or ENOTFOUND.
func (s *Store) GetRole(ctx context.Context, accountID, id int64) (*domain.Role, error) {
	r, err := scanRole(s.queryRow(ctx, `SELECT `+roleCols+` FROM roles WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("role")
	}
	if err != nil {
		return nil, fmt.Errorf("get role %d: %w", id, err)
	}
	err = s.eachLink(ctx, `SELECT 0, group_id FROM role_groups WHERE account_id = ? AND role_id = ? ORDER BY 2`, []any{accountID, id},
		func(_, g int64) { r.GroupIDs = append(r.GroupIDs, g) })
	if err != nil {
		return nil, err
	}
	err = s.eachLink(ctx, `SELECT 0, channel_id FROM role_channels WHERE account_id = ? AND role_id = ? ORDER BY 2`, []any{accountID, id},
		func(_, c int64) { r.ChannelIDs = append(r.ChannelIDs, c) })
	return r, err
}

// UpdateRole writes a role's name, shift and notes and replaces its groups
// and doors. Errors: EINVALID for a blank name or ids that are not the
// account's; ECONFLICT for a duplicate name; ENOTFOUND.
func (s *Store) UpdateRole(ctx context.Context, r *domain.Role) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.updateRole(ctx, r); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, r.AccountID)
	})
}

// updateRole is UpdateRole without the journal row.
func (s *Store) updateRole(ctx context.Context, r *domain.Role) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = time.Now().UTC()
	}
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.checkRoleLinks(ctx, r); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE roles SET name = ?, shift_id = ?, notes = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
			r.Name, nullInt(r.ShiftID), nullStr(r.Notes), ms(r.UpdatedAt), r.ID, r.AccountID)
		if isUniqueViolation(err) {
			return domain.Errorf(domain.ECONFLICT, "a role named %q already exists", r.Name)
		}
		if err != nil {
			return fmt.Errorf("update role %d: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("role")
		}
		for _, q := range []string{`DELETE FROM role_groups WHERE account_id = ? AND role_id = ?`, `DELETE FROM role_channels WHERE account_id = ? AND role_id = ?`} {
			if _, err := tx.exec(ctx, q, r.AccountID, r.ID); err != nil {
				return fmt.Errorf("clear role %d links: %w", r.ID, err)
			}
		}
		r.GroupIDs, r.ChannelIDs = uniqueIDs(r.GroupIDs), uniqueIDs(r.ChannelIDs)
		for _, g := range r.GroupIDs {
			if _, err := tx.exec(ctx, `INSERT INTO role_groups (account_id, role_id, group_id) VALUES (?, ?, ?)`, r.AccountID, r.ID, g); err != nil {
				return fmt.Errorf("link role group: %w", err)
			}
		}
		for _, c := range r.ChannelIDs {
			if _, err := tx.exec(ctx, `INSERT INTO role_channels (account_id, role_id, channel_id) VALUES (?, ?, ?)`, r.AccountID, r.ID, c); err != nil {
				return fmt.Errorf("link role channel: %w", err)
			}
		}
		return nil
	})
}

// checkRoleLinks returns EINVALID naming the field when a group, door or
// the shift of the role is not the account's.
func (s *Store) checkRoleLinks(ctx context.Context, r *domain.Role) error {
	checks := []struct {
		table, field string
		ids          []int64
	}{{"groups", "group_ids", r.GroupIDs}, {"channels", "channel_ids", r.ChannelIDs}}
	if r.ShiftID != nil {
		checks = append(checks, struct {
			table, field string
			ids          []int64
		}{"shifts", "shift_id", []int64{*r.ShiftID}})
	}
	for _, c := range checks {
		if m, err := s.missingIDs(ctx, c.table, r.AccountID, c.ids); err != nil {
			return err
		} else if len(m) > 0 {
			return invalidIDs(c.field, c.table[:len(c.table)-1], m)
		}
	}
	return nil
}

// DeleteRole removes a role of the account with its links: the people,
// groups and doors it joined lose that access. Errors: ENOTFOUND.
func (s *Store) DeleteRole(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.deleteRole(ctx, accountID, id); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, accountID)
	})
}

// deleteRole is DeleteRole without the journal row.
func (s *Store) deleteRole(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		for _, q := range []string{
			`DELETE FROM person_roles WHERE account_id = ? AND role_id = ?`,
			`DELETE FROM role_groups WHERE account_id = ? AND role_id = ?`,
			`DELETE FROM role_channels WHERE account_id = ? AND role_id = ?`,
		} {
			if _, err := tx.exec(ctx, q, accountID, id); err != nil {
				return fmt.Errorf("delete role %d links: %w", id, err)
			}
		}
		return tx.deleteRow(ctx, "roles", "role", accountID, id)
	})
}
