package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// SubscriptionKey is an account's subscription key (the value clients send
// in Ocp-Apim-Subscription-Key). Only its SHA-256 digest is kept.
type SubscriptionKey struct {
	ID           int64
	AccountID    int64
	Name         string
	Prefix       string
	Digest       string
	RequestCount int64
	CreatedAt    time.Time
	LastUsedAt   *time.Time
	RevokedAt    *time.Time
}

// SubscriptionUsage is what one key did since the last flush.
type SubscriptionUsage struct {
	KeyID    int64
	Requests int64
	LastUsed time.Time
}

const subscriptionKeyCols = `id, account_id, name, prefix, digest, request_count, created_at, last_used_at, revoked_at`

func scanSubscriptionKey(sc interface{ Scan(...any) error }) (*SubscriptionKey, error) {
	var (
		k             SubscriptionKey
		created       int64
		used, revoked sql.NullInt64
	)
	if err := sc.Scan(&k.ID, &k.AccountID, &k.Name, &k.Prefix, &k.Digest, &k.RequestCount, &created, &used, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt = fromMS(created)
	k.LastUsedAt, k.RevokedAt = timePtr(used), timePtr(revoked)
	return &k, nil
}

// CreateSubscriptionKey inserts a key and sets its ID. An unknown account
// gives ENOTFOUND; a digest already in use gives ECONFLICT.
func (s *Store) CreateSubscriptionKey(ctx context.Context, k *SubscriptionKey) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now().UTC()
	}
	id, err := s.insert(ctx, `INSERT INTO subscription_keys (account_id, name, prefix, digest, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.AccountID, k.Name, k.Prefix, k.Digest, ms(k.CreatedAt))
	switch {
	case isForeignKeyViolation(err):
		return domain.NotFound("account")
	case isUniqueViolation(err):
		return domain.Errorf(domain.ECONFLICT, "a subscription key with that digest already exists")
	case err != nil:
		return fmt.Errorf("create subscription key: %w", err)
	}
	k.ID = id
	return nil
}

// GetSubscriptionKeyByDigest returns the key with a digest, revoked or
// not, or ENOTFOUND. It is the hot-path lookup (a unique index).
func (s *Store) GetSubscriptionKeyByDigest(ctx context.Context, digest string) (*SubscriptionKey, error) {
	k, err := scanSubscriptionKey(s.queryRow(ctx, `SELECT `+subscriptionKeyCols+` FROM subscription_keys WHERE digest = ?`, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("subscription key")
	}
	if err != nil {
		return nil, fmt.Errorf("get subscription key: %w", err)
	}
	return k, nil
}

// ListSubscriptionKeys returns the keys of an account (of every account
// when accountID is 0), oldest first, revoked ones included.
func (s *Store) ListSubscriptionKeys(ctx context.Context, accountID int64) ([]*SubscriptionKey, error) {
	rows, err := s.query(ctx, `SELECT `+subscriptionKeyCols+` FROM subscription_keys
		WHERE CAST(? AS BIGINT) = 0 OR account_id = ? ORDER BY id`, accountID, accountID)
	if err != nil {
		return nil, fmt.Errorf("list subscription keys: %w", err)
	}
	defer rows.Close()
	var out []*SubscriptionKey
	for rows.Next() {
		k, err := scanSubscriptionKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list subscription keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeSubscriptionKey marks a key revoked. Revoking twice keeps the
// first time; an unknown id (or one of another account, when accountID is
// not 0) gives ENOTFOUND.
func (s *Store) RevokeSubscriptionKey(ctx context.Context, accountID, id int64, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE subscription_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND (CAST(? AS BIGINT) = 0 OR account_id = ?)`,
		ms(at), id, accountID, accountID)
	if err != nil {
		return fmt.Errorf("revoke subscription key %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("subscription key")
	}
	return nil
}

// AddSubscriptionUsage adds batched request counts to keys and moves
// last_used_at forward (never back), one UPDATE per key in one
// transaction. Unknown ids are skipped.
func (s *Store) AddSubscriptionUsage(ctx context.Context, usage []SubscriptionUsage) error {
	if len(usage) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Store) error {
		for _, u := range usage {
			at := ms(u.LastUsed)
			if _, err := tx.exec(ctx, `UPDATE subscription_keys SET request_count = request_count + ?,
				last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < ? THEN ? ELSE last_used_at END
				WHERE id = ?`, u.Requests, at, at, u.KeyID); err != nil {
				return fmt.Errorf("add usage to subscription key %d: %w", u.KeyID, err)
			}
		}
		return nil
	})
}

// SetSubscriptionRequired turns the subscription-key requirement of an
// account on or off. An unknown account gives ENOTFOUND.
func (s *Store) SetSubscriptionRequired(ctx context.Context, accountID int64, required bool, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO account_gateway (account_id, subscription_required, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET subscription_required = excluded.subscription_required, updated_at = excluded.updated_at`,
		accountID, required, ms(at))
	if isForeignKeyViolation(err) {
		return domain.NotFound("account")
	}
	if err != nil {
		return fmt.Errorf("set subscription requirement of account %d: %w", accountID, err)
	}
	return nil
}

// SubscriptionRequiredAccounts returns the ids of the accounts that
// require a subscription key on every API call, in id order.
func (s *Store) SubscriptionRequiredAccounts(ctx context.Context) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT account_id FROM account_gateway WHERE subscription_required = ? ORDER BY account_id`, true)
	if err != nil {
		return nil, fmt.Errorf("list accounts requiring subscription keys: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
