package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Connection is one operator's connection of an application to their
// account: a remembered consent (grant), live token families, or both.
type Connection struct {
	AppID      int64
	UserID     int64
	Granted    bool            // the operator has consented (a grant is kept)
	Scopes     domain.ScopeSet // the consent's scopes, and those of live token families
	Families   int             // live (not revoked) token families
	Since      time.Time       // the first consent or token family
	LastUsedAt time.Time       // the latest refresh (or issue) of a live family
}

// ListConnections returns the connections of applications to an account
// (of one operator when userID is not 0), by application then operator.
// Families revoked by a disconnect, a password change or a suspension are
// not connections; a family merely idle is, until it is revoked.
func (s *Store) ListConnections(ctx context.Context, accountID, userID int64) ([]*Connection, error) {
	type key struct{ app, user int64 }
	byKey := map[key]*Connection{}
	get := func(app, user int64) *Connection {
		c := byKey[key{app, user}]
		if c == nil {
			c = &Connection{AppID: app, UserID: user, Scopes: domain.ScopeSet{}}
			byKey[key{app, user}] = c
		}
		return c
	}
	rows, err := s.query(ctx, `SELECT app_id, user_id, scopes, created_at FROM oauth_grants
		WHERE account_id = ? AND (CAST(? AS BIGINT) = 0 OR user_id = ?)`, accountID, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	for rows.Next() {
		var (
			app, user, created int64
			scopes             string
		)
		if err := rows.Scan(&app, &user, &scopes, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list connections: %w", err)
		}
		c := get(app, user)
		c.Granted = true
		c.Scopes = c.Scopes.Union(domain.ParseScopes(scopes))
		c.Since = fromMS(created)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	rows, err = s.query(ctx, `SELECT app_id, user_id, scopes, COUNT(*), MIN(created_at), MAX(last_used_at) FROM oauth_families
		WHERE account_id = ? AND revoked_at IS NULL AND (CAST(? AS BIGINT) = 0 OR user_id = ?)
		GROUP BY app_id, user_id, scopes`, accountID, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			app, user, first, last int64
			n                      int
			scopes                 string
		)
		if err := rows.Scan(&app, &user, &scopes, &n, &first, &last); err != nil {
			return nil, fmt.Errorf("list connections: %w", err)
		}
		c := get(app, user)
		c.Scopes = c.Scopes.Union(domain.ParseScopes(scopes))
		c.Families += n
		if f := fromMS(first); c.Since.IsZero() || f.Before(c.Since) {
			c.Since = f
		}
		if l := fromMS(last); l.After(c.LastUsedAt) {
			c.LastUsedAt = l
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*Connection, 0, len(byKey))
	for _, c := range byKey {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].AppID != out[j].AppID {
			return out[i].AppID < out[j].AppID
		}
		return out[i].UserID < out[j].UserID
	})
	return out, nil
}

// DisconnectOAuthApp ends an application's access to an account at once,
// for every operator of the account or (userID not 0) for one: it revokes
// every live token family (so every access and refresh token), forgets the
// consents, so the next authorization asks again, and spends the codes
// not yet exchanged, all in one transaction. It returns how many token
// families and consents it ended; disconnecting an app that is not
// connected ends nothing and is not an error.
func (s *Store) DisconnectOAuthApp(ctx context.Context, appID, accountID, userID int64, reason string, at time.Time) (families, grants int64, err error) {
	if appID <= 0 || accountID <= 0 {
		return 0, 0, domain.Errorf(domain.EBADREQUEST, "an application and an account are required")
	}
	err = s.InTx(ctx, func(tx *Store) error {
		var err error
		if families, err = tx.RevokeOAuthFamilies(ctx, FamilyFilter{AppID: appID, AccountID: accountID, UserID: userID}, reason, at); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `DELETE FROM oauth_grants WHERE app_id = ? AND account_id = ? AND (CAST(? AS BIGINT) = 0 OR user_id = ?)`,
			appID, accountID, userID, userID)
		if err != nil {
			return fmt.Errorf("delete grants: %w", err)
		}
		grants, _ = res.RowsAffected()
		if _, err := tx.exec(ctx, `UPDATE oauth_codes SET used_at = ? WHERE app_id = ? AND account_id = ? AND used_at IS NULL
			AND (CAST(? AS BIGINT) = 0 OR user_id = ?)`, ms(at), appID, accountID, userID, userID); err != nil {
			return fmt.Errorf("spend codes: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("disconnect oauth app %d: %w", appID, err)
	}
	return families, grants, nil
}

// WebhookEndpointForRule returns a notification rule's endpoint, or
// ENOTFOUND (the webhook worker makes it when it first sees an active
// rule).
func (s *Store) WebhookEndpointForRule(ctx context.Context, ruleID int64) (*WebhookEndpoint, error) {
	e, err := scanWebhookEndpoint(s.queryRow(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints WHERE rule_id = ?`, ruleID))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, domain.NotFound("webhook endpoint")
		}
		return nil, fmt.Errorf("get rule webhook endpoint: %w", err)
	}
	return e, nil
}
