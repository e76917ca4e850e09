package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// APIKey is an operator's personal API key. Only the SHA-256 digest of the
// key is kept; Prefix is its first characters, for telling keys apart.
type APIKey struct {
	ID         int64
	AccountID  int64
	UserID     int64
	Name       string
	Prefix     string
	Digest     string
	Scopes     domain.ScopeSet
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time

	// Set by GetAPIKeyByDigest only: the operator's email, role and
	// whether they are disabled, now, and the account's list versions
	// (see ListVersion).
	UserEmail    string
	UserRole     domain.OperatorRole
	UserDisabled bool
	Versions     domain.ListVersions
}

const apiKeyCols = `id, account_id, user_id, name, prefix, digest, scopes, created_at, last_used_at, revoked_at`

func scanAPIKey(sc interface{ Scan(...any) error }) (*APIKey, error) {
	var (
		k             APIKey
		scopes        string
		created       int64
		used, revoked sql.NullInt64
	)
	if err := sc.Scan(&k.ID, &k.AccountID, &k.UserID, &k.Name, &k.Prefix, &k.Digest, &scopes, &created, &used, &revoked); err != nil {
		return nil, err
	}
	k.Scopes = domain.ParseScopes(scopes)
	k.CreatedAt = fromMS(created)
	k.LastUsedAt, k.RevokedAt = timePtr(used), timePtr(revoked)
	return &k, nil
}

// CreateAPIKey inserts a key and sets its ID. The user must belong to
// k.AccountID: an unknown user or account, or a user of another account,
// gives ENOTFOUND; a digest already in use gives ECONFLICT.
func (s *Store) CreateAPIKey(ctx context.Context, k *APIKey) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now().UTC()
	}
	id, err := s.insert(ctx, `INSERT INTO api_keys (account_id, user_id, name, prefix, digest, scopes, created_at)
		SELECT account_id, id, ?, ?, ?, ?, CAST(? AS BIGINT) FROM users WHERE id = ? AND account_id = ?`,
		k.Name, k.Prefix, k.Digest, k.Scopes.String(), ms(k.CreatedAt), k.UserID, k.AccountID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return domain.NotFound("user")
	case isUniqueViolation(err):
		return domain.Errorf(domain.ECONFLICT, "an API key with that digest already exists")
	case err != nil:
		return fmt.Errorf("create API key: %w", err)
	}
	k.ID = id
	return nil
}

var apiKeyByDigestQuery = map[Dialect]string{SQLite: apiKeyByDigest(SQLite), Postgres: apiKeyByDigest(Postgres)}

// apiKeyByDigest is GetAPIKeyByDigest's query.
func apiKeyByDigest(d Dialect) string {
	cols, join := versionRead(d, "k.account_id")
	return `SELECT k.id, k.account_id, k.user_id, k.name, k.prefix, k.digest, k.scopes, k.created_at, k.last_used_at, k.revoked_at,
			u.email, u.role, u.disabled_at, ` + cols + `
		FROM api_keys k JOIN users u ON u.id = k.user_id` + join + ` WHERE k.digest = ?`
}

// GetAPIKeyByDigest returns the key with a digest, revoked or not, or
// ENOTFOUND, with its operator's state and its account's list versions.
// It is the hot-path lookup (a unique index).
func (s *Store) GetAPIKeyByDigest(ctx context.Context, digest string) (*APIKey, error) {
	var (
		email, role string
		disabled    sql.NullInt64
	)
	row := s.queryRow(ctx, apiKeyByDigestQuery[s.dialect], digest)
	var v domain.ListVersions
	k, err := scanAPIKey(extraScan{row, []any{&email, &role, &disabled, &v.People, &v.Events, &v.Settings}})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("API key")
	}
	if err != nil {
		return nil, fmt.Errorf("get API key: %w", err)
	}
	k.UserEmail, k.UserRole, k.UserDisabled, k.Versions = email, domain.OperatorRole(role), disabled.Valid, v
	return k, nil
}

// extraScan scans a row's leading columns into the caller's destinations
// and its trailing ones into extra.
type extraScan struct {
	sc    scanner
	extra []any
}

func (e extraScan) Scan(dst ...any) error { return e.sc.Scan(append(dst, e.extra...)...) }

// ListAPIKeys returns the keys of an account (every account when
// accountID is 0), optionally of one user (userID 0 means all), oldest
// first, revoked ones included.
func (s *Store) ListAPIKeys(ctx context.Context, accountID, userID int64) ([]*APIKey, error) {
	rows, err := s.query(ctx, `SELECT `+apiKeyCols+` FROM api_keys
		WHERE (CAST(? AS BIGINT) = 0 OR account_id = ?) AND (CAST(? AS BIGINT) = 0 OR user_id = ?) ORDER BY id`,
		accountID, accountID, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	defer rows.Close()
	var out []*APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list API keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey marks a key revoked at the given time. Revoking an already
// revoked key keeps the first revocation time and succeeds; an unknown id
// (or a key of another account, when accountID is not 0) gives ENOTFOUND.
func (s *Store) RevokeAPIKey(ctx context.Context, accountID, id int64, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND (CAST(? AS BIGINT) = 0 OR account_id = ?)`,
		ms(at), id, accountID, accountID)
	if err != nil {
		return fmt.Errorf("revoke API key %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("API key")
	}
	return nil
}

// TouchAPIKeys records when keys were last used: one UPDATE per key, all
// in one transaction. A time older than the stored one is ignored, so
// batches may be flushed out of order. Unknown ids are skipped.
func (s *Store) TouchAPIKeys(ctx context.Context, lastUsed map[int64]time.Time) error {
	if len(lastUsed) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Store) error {
		for id, at := range lastUsed {
			if _, err := tx.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
				ms(at), id, ms(at)); err != nil {
				return fmt.Errorf("touch API key %d: %w", id, err)
			}
		}
		return nil
	})
}
