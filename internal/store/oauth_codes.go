package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// OAuthCode is an authorization code. Only the digest of the code is kept.
type OAuthCode struct {
	ID                  int64
	Digest              string
	AppID               int64
	AccountID           int64
	UserID              int64
	Scopes              domain.ScopeSet
	RedirectURI         string // as sent to /oauth/authorize; "" when it was not sent
	CodeChallenge       string
	CodeChallengeMethod string
	FamilyID            int64 // the token family the exchange created; 0 before
	ExpiresAt           time.Time
	UsedAt              *time.Time
	CreatedAt           time.Time
}

const oauthCodeCols = `id, digest, app_id, account_id, user_id, scopes, redirect_uri, code_challenge, code_challenge_method, family_id, expires_at, used_at, created_at`

func scanOAuthCode(sc interface{ Scan(...any) error }) (*OAuthCode, error) {
	var (
		c                OAuthCode
		scopes           string
		family, used     sql.NullInt64
		expires, created int64
	)
	if err := sc.Scan(&c.ID, &c.Digest, &c.AppID, &c.AccountID, &c.UserID, &scopes, &c.RedirectURI,
		&c.CodeChallenge, &c.CodeChallengeMethod, &family, &expires, &used, &created); err != nil {
		return nil, err
	}
	c.Scopes = domain.ParseScopes(scopes)
	c.FamilyID = family.Int64
	c.ExpiresAt, c.CreatedAt = fromMS(expires), fromMS(created)
	c.UsedAt = timePtr(used)
	return &c, nil
}

// CreateOAuthCode stores a new authorization code and assigns its ID.
func (s *Store) CreateOAuthCode(ctx context.Context, c *OAuthCode) error {
	id, err := s.insert(ctx, `INSERT INTO oauth_codes (digest, app_id, account_id, user_id, scopes, redirect_uri, code_challenge, code_challenge_method, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Digest, c.AppID, c.AccountID, c.UserID, c.Scopes.String(), c.RedirectURI, c.CodeChallenge,
		c.CodeChallengeMethod, ms(c.ExpiresAt), ms(c.CreatedAt))
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "authorization code collision")
	}
	if err != nil {
		return fmt.Errorf("create oauth code: %w", err)
	}
	c.ID = id
	return nil
}

// GetOAuthCodeByDigest returns the code with the digest (used or not,
// expired or not), or ENOTFOUND.
func (s *Store) GetOAuthCodeByDigest(ctx context.Context, digest string) (*OAuthCode, error) {
	c, err := scanOAuthCode(s.pqueryRow(ctx, `SELECT `+oauthCodeCols+` FROM oauth_codes WHERE digest = ?`, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("authorization code")
	}
	if err != nil {
		return nil, fmt.Errorf("get oauth code: %w", err)
	}
	return c, nil
}

// UseOAuthCode marks an unused code as used. It reports false when the
// code was already used (a concurrent exchange won the race).
func (s *Store) UseOAuthCode(ctx context.Context, id int64, at time.Time) (bool, error) {
	res, err := s.pexec(ctx, `UPDATE oauth_codes SET used_at = ? WHERE id = ? AND used_at IS NULL`, ms(at), id)
	if err != nil {
		return false, fmt.Errorf("use oauth code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetOAuthCodeFamily records the token family an exchanged code created,
// so that a replay of the code can revoke it.
func (s *Store) SetOAuthCodeFamily(ctx context.Context, id, familyID int64) error {
	if _, err := s.exec(ctx, `UPDATE oauth_codes SET family_id = ? WHERE id = ?`, familyID, id); err != nil {
		return fmt.Errorf("set oauth code family: %w", err)
	}
	return nil
}

// DeleteExpiredOAuthCodes removes codes that expired before the given time
// and returns how many it removed.
func (s *Store) DeleteExpiredOAuthCodes(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM oauth_codes WHERE expires_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("delete expired oauth codes: %w", err)
	}
	return res.RowsAffected()
}
