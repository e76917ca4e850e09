package store

import (
	"context"
	"database/sql"
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
	if g.Name == "" {
		v := domain.Validation{}
		v.Add("name", "can't be blank")
		return v.Err()
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
