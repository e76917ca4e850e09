package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// OAuthGrant is a user's remembered consent for an application: the scopes
// the user has approved so far.
type OAuthGrant struct {
	ID        int64
	AppID     int64
	AccountID int64
	UserID    int64
	Scopes    domain.ScopeSet
	CreatedAt time.Time
	UpdatedAt time.Time
}

const oauthGrantCols = `id, app_id, account_id, user_id, scopes, created_at, updated_at`

func scanOAuthGrant(sc interface{ Scan(...any) error }) (*OAuthGrant, error) {
	var (
		g                OAuthGrant
		scopes           string
		created, updated int64
	)
	if err := sc.Scan(&g.ID, &g.AppID, &g.AccountID, &g.UserID, &scopes, &created, &updated); err != nil {
		return nil, err
	}
	g.Scopes = domain.ParseScopes(scopes)
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return &g, nil
}

// GetOAuthGrant returns the user's grant for an application, or ENOTFOUND.
func (s *Store) GetOAuthGrant(ctx context.Context, appID, userID int64) (*OAuthGrant, error) {
	g, err := scanOAuthGrant(s.queryRow(ctx, `SELECT `+oauthGrantCols+` FROM oauth_grants WHERE app_id = ? AND user_id = ?`, appID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("grant")
	}
	if err != nil {
		return nil, fmt.Errorf("get oauth grant: %w", err)
	}
	return g, nil
}

// SaveOAuthGrant creates the user's grant for an application or replaces
// its scopes. g.UpdatedAt is the time of the consent.
func (s *Store) SaveOAuthGrant(ctx context.Context, g *OAuthGrant) error {
	if g.UpdatedAt.IsZero() {
		g.UpdatedAt = time.Now().UTC()
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = g.UpdatedAt
	}
	err := s.queryRow(ctx, `INSERT INTO oauth_grants (app_id, account_id, user_id, scopes, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (app_id, user_id) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at
		RETURNING id`,
		g.AppID, g.AccountID, g.UserID, g.Scopes.String(), ms(g.CreatedAt), ms(g.UpdatedAt)).Scan(&g.ID)
	if isForeignKeyViolation(err) {
		return domain.NotFound("application or user")
	}
	if err != nil {
		return fmt.Errorf("save oauth grant: %w", err)
	}
	return nil
}

// DeleteOAuthGrant forgets the user's consent for an application (the user
// removed it from their authorized applications). It does not revoke
// tokens; see RevokeOAuthFamilies. Deleting a missing grant is not an error.
func (s *Store) DeleteOAuthGrant(ctx context.Context, appID, userID int64) error {
	if _, err := s.exec(ctx, `DELETE FROM oauth_grants WHERE app_id = ? AND user_id = ?`, appID, userID); err != nil {
		return fmt.Errorf("delete oauth grant: %w", err)
	}
	return nil
}

// ListOAuthGrantsByUser returns the applications a user has authorized.
func (s *Store) ListOAuthGrantsByUser(ctx context.Context, userID int64) ([]*OAuthGrant, error) {
	rows, err := s.query(ctx, `SELECT `+oauthGrantCols+` FROM oauth_grants WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list oauth grants: %w", err)
	}
	defer rows.Close()
	var out []*OAuthGrant
	for rows.Next() {
		g, err := scanOAuthGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
