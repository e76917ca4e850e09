package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// FamilyGrant enables a restricted API family for a whole account (UserID
// 0) or for one operator of it.
type FamilyGrant struct {
	ID        int64
	AccountID int64
	UserID    int64 // 0: every user of the account
	Family    string
	CreatedAt time.Time
}

// AllowFamily adds a grant. Granting what is already granted succeeds and
// changes nothing. An unknown account or user, or a user of another
// account, gives ENOTFOUND.
func (s *Store) AllowFamily(ctx context.Context, accountID, userID int64, family string, at time.Time) error {
	if userID != 0 {
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE id = ? AND account_id = ?`, userID, accountID).Scan(&n); err != nil {
			return fmt.Errorf("allow family %s: %w", family, err)
		}
		if n == 0 {
			return domain.NotFound("user")
		}
	}
	_, err := s.exec(ctx, `INSERT INTO family_grants (account_id, user_id, family, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		accountID, grantUser(userID), family, ms(at))
	if isForeignKeyViolation(err) {
		return domain.NotFound("account")
	}
	if err != nil {
		return fmt.Errorf("allow family %s: %w", family, err)
	}
	return nil
}

// DisallowFamily removes a grant (the account-wide one when userID is 0).
// A grant that does not exist gives ENOTFOUND.
func (s *Store) DisallowFamily(ctx context.Context, accountID, userID int64, family string) error {
	res, err := s.exec(ctx, `DELETE FROM family_grants WHERE account_id = ? AND family = ? AND COALESCE(user_id, 0) = ?`,
		accountID, family, userID)
	if err != nil {
		return fmt.Errorf("disallow family %s: %w", family, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("allow-list entry")
	}
	return nil
}

// FamilyAllowed reports whether a family is enabled for a user of an
// account: by an account-wide grant or by one naming the user. userID 0
// checks the account-wide grant only.
func (s *Store) FamilyAllowed(ctx context.Context, accountID, userID int64, family string) (bool, error) {
	var one int
	err := s.queryRow(ctx, `SELECT 1 FROM family_grants WHERE account_id = ? AND family = ? AND (user_id IS NULL OR user_id = ?) LIMIT 1`,
		accountID, family, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check family %s: %w", family, err)
	}
	return true, nil
}

// ListFamilyGrants returns the grants of an account (every account when
// accountID is 0), in id order.
func (s *Store) ListFamilyGrants(ctx context.Context, accountID int64) ([]*FamilyGrant, error) {
	rows, err := s.query(ctx, `SELECT id, account_id, COALESCE(user_id, 0), family, created_at FROM family_grants
		WHERE CAST(? AS BIGINT) = 0 OR account_id = ? ORDER BY id`, accountID, accountID)
	if err != nil {
		return nil, fmt.Errorf("list family grants: %w", err)
	}
	defer rows.Close()
	var out []*FamilyGrant
	for rows.Next() {
		var (
			g       FamilyGrant
			created int64
		)
		if err := rows.Scan(&g.ID, &g.AccountID, &g.UserID, &g.Family, &created); err != nil {
			return nil, fmt.Errorf("list family grants: %w", err)
		}
		g.CreatedAt = fromMS(created)
		out = append(out, &g)
	}
	return out, rows.Err()
}

// grantUser stores 0 (the whole account) as NULL.
func grantUser(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
