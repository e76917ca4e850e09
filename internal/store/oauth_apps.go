package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const oauthAppCols = `id, uid, account_id, name, secret_digest, redirect_uris, scopes, state, password_grant, require_pkce, require_state, admit_approved, created_at, updated_at`

func scanOAuthApp(sc interface{ Scan(...any) error }) (*domain.OAuthApp, error) {
	var (
		a                domain.OAuthApp
		redirects, scope string
		created, updated int64
	)
	if err := sc.Scan(&a.ID, &a.UID, &a.AccountID, &a.Name, &a.SecretDigest, &redirects, &scope, &a.State,
		&a.PasswordGrant, &a.RequirePKCE, &a.RequireState, &a.AdmitApproved, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(redirects), &a.RedirectURIs); err != nil {
		return nil, fmt.Errorf("oauth app %d: redirect_uris: %w", a.ID, err)
	}
	a.Scopes = domain.ParseScopes(scope)
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return &a, nil
}

// CreateOAuthApp inserts an application, assigning ID and UID (the
// client_id) when empty. It stores what it is given: validation is the
// caller's job. A missing account gives ENOTFOUND; a duplicate UID ECONFLICT.
func (s *Store) CreateOAuthApp(ctx context.Context, a *domain.OAuthApp) error {
	if a.UID == "" {
		a.UID = NewUID(20)
	}
	if a.State == "" {
		a.State = domain.AppTesting
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	a.UpdatedAt = a.CreatedAt
	if a.RedirectURIs == nil {
		a.RedirectURIs = []string{}
	}
	id, err := s.insert(ctx, `INSERT INTO oauth_apps (uid, account_id, name, secret_digest, redirect_uris, scopes, state, password_grant, require_pkce, require_state, admit_approved, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.UID, a.AccountID, a.Name, a.SecretDigest, jsonText(a.RedirectURIs), a.Scopes.String(), a.State,
		a.PasswordGrant, a.RequirePKCE, a.RequireState, a.AdmitApproved, ms(a.CreatedAt), ms(a.UpdatedAt))
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "an application with client_id %s already exists", a.UID)
	}
	if isForeignKeyViolation(err) {
		return domain.NotFound("account")
	}
	if err != nil {
		return fmt.Errorf("create oauth app: %w", err)
	}
	a.ID = id
	return nil
}

// UpdateOAuthApp saves every mutable field of an application (name,
// secret digest, redirect URIs, scopes, state and flags). A missing
// application gives ENOTFOUND. It does not revoke tokens: callers that
// suspend an app or withdraw an approval should also call
// RevokeOAuthFamilies.
func (s *Store) UpdateOAuthApp(ctx context.Context, a *domain.OAuthApp) error {
	a.UpdatedAt = time.Now().UTC()
	res, err := s.exec(ctx, `UPDATE oauth_apps SET name = ?, secret_digest = ?, redirect_uris = ?, scopes = ?, state = ?, password_grant = ?, require_pkce = ?, require_state = ?, admit_approved = ?, updated_at = ?
		WHERE id = ? AND account_id = ?`,
		a.Name, a.SecretDigest, jsonText(a.RedirectURIs), a.Scopes.String(), a.State, a.PasswordGrant,
		a.RequirePKCE, a.RequireState, a.AdmitApproved, ms(a.UpdatedAt), a.ID, a.AccountID)
	if err != nil {
		return fmt.Errorf("update oauth app %d: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("application")
	}
	return nil
}

// GetOAuthApp returns an application by id, or ENOTFOUND.
func (s *Store) GetOAuthApp(ctx context.Context, id int64) (*domain.OAuthApp, error) {
	a, err := scanOAuthApp(s.queryRow(ctx, `SELECT `+oauthAppCols+` FROM oauth_apps WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("application")
	}
	if err != nil {
		return nil, fmt.Errorf("get oauth app %d: %w", id, err)
	}
	return a, nil
}

// GetOAuthAppByUID returns an application by client_id, or ENOTFOUND.
func (s *Store) GetOAuthAppByUID(ctx context.Context, uid string) (*domain.OAuthApp, error) {
	a, err := scanOAuthApp(s.pqueryRow(ctx, `SELECT `+oauthAppCols+` FROM oauth_apps WHERE uid = ?`, uid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("application")
	}
	if err != nil {
		return nil, fmt.Errorf("get oauth app by client_id: %w", err)
	}
	return a, nil
}

// ListOAuthApps returns an account's applications, oldest first.
func (s *Store) ListOAuthApps(ctx context.Context, accountID int64) ([]*domain.OAuthApp, error) {
	rows, err := s.query(ctx, `SELECT `+oauthAppCols+` FROM oauth_apps WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list oauth apps: %w", err)
	}
	defer rows.Close()
	var out []*domain.OAuthApp
	for rows.Next() {
		a, err := scanOAuthApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeleteOAuthApp removes an application of an account, and with it (by
// cascade) its grants, codes, token families and tokens. A missing
// application gives ENOTFOUND.
func (s *Store) DeleteOAuthApp(ctx context.Context, accountID, id int64) error {
	res, err := s.exec(ctx, `DELETE FROM oauth_apps WHERE id = ? AND account_id = ?`, id, accountID)
	if err != nil {
		return fmt.Errorf("delete oauth app %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("application")
	}
	return nil
}
