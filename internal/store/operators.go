package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// ListUsers returns the account's operators, by email.
func (s *Store) ListUsers(ctx context.Context, accountID int64) ([]*domain.User, error) {
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users WHERE account_id = ? ORDER BY email`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out := []*domain.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// GetAccountUser returns an operator of the account, or ENOTFOUND (also for
// an operator of another account).
func (s *Store) GetAccountUser(ctx context.Context, accountID, id int64) (*domain.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE account_id = ? AND id = ?`, accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, nil
}

// UserUpdate lists the fields UpdateUser changes; nil fields stay.
type UserUpdate struct {
	FirstName *string
	LastName  *string
	Role      *domain.OperatorRole
}

// errLastOwner is the answer to a change that would leave an account
// without an active owner.
func errLastOwner() error {
	return domain.Errorf(domain.ECONFLICT, "this is the account's last active owner: make another operator owner first")
}

// activeOwners counts the account's owners that are not disabled.
func (s *Store) activeOwners(ctx context.Context, accountID int64) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE account_id = ? AND role = 'owner' AND disabled_at IS NULL`, accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count owners: %w", err)
	}
	return n, nil
}

// UpdateUser changes an operator's name or role and returns the operator
// as saved. Lowering a role takes effect at once: tokens and API keys are
// bounded by the role when they are used. Errors: ENOTFOUND; EINVALID for
// an unknown role or a name over 100 characters; ECONFLICT when the change
// would leave the account without an active owner (an account that has
// none, from before roles existed, may get one).
func (s *Store) UpdateUser(ctx context.Context, accountID, id int64, upd UserUpdate) (*domain.User, error) {
	var v domain.Validation
	if upd.FirstName != nil && len(strings.TrimSpace(*upd.FirstName)) > 100 {
		v.Add("first_name", "must be at most 100 characters")
	}
	if upd.LastName != nil && len(strings.TrimSpace(*upd.LastName)) > 100 {
		v.Add("last_name", "must be at most 100 characters")
	}
	if upd.Role != nil {
		if _, err := domain.ParseOperatorRole(string(*upd.Role)); err != nil {
			v.Add("role", "must be owner, admin, operator or viewer")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *domain.User
	err := s.InTx(ctx, func(tx *Store) error {
		u, err := tx.GetAccountUser(ctx, accountID, id)
		if err != nil {
			return err
		}
		if upd.FirstName != nil {
			u.FirstName = strings.TrimSpace(*upd.FirstName)
		}
		if upd.LastName != nil {
			u.LastName = strings.TrimSpace(*upd.LastName)
		}
		if upd.Role != nil && *upd.Role != u.Role {
			if u.Role == domain.RoleOwner && !u.Disabled {
				if n, err := tx.activeOwners(ctx, accountID); err != nil {
					return err
				} else if n <= 1 {
					return errLastOwner()
				}
			}
			u.Role = *upd.Role
		}
		u.Admin = u.Role.AtLeast(domain.RoleAdmin)
		u.UpdatedAt = time.Now().UTC()
		if _, err := tx.exec(ctx, `UPDATE users SET first_name = ?, last_name = ?, role = ?, admin = ?, updated_at = ? WHERE id = ?`,
			u.FirstName, u.LastName, string(u.Role), u.Admin, ms(u.UpdatedAt), u.ID); err != nil {
			return fmt.Errorf("update user %d: %w", id, err)
		}
		out = u
		return nil
	})
	return out, err
}

// DisableUser disables an operator and, in the same transaction, ends
// everything they hold: browser sessions, OAuth token families (revoked
// with reason "operator_disabled"), consents (grants), personal API keys
// and unused invitation or reset links. Disabling a disabled operator
// succeeds and changes nothing. Errors: ENOTFOUND; ECONFLICT for the
// account's last active owner.
func (s *Store) DisableUser(ctx context.Context, accountID, id int64, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		u, err := tx.GetAccountUser(ctx, accountID, id)
		if err != nil {
			return err
		}
		if u.Disabled {
			return nil
		}
		if u.Role == domain.RoleOwner {
			if n, err := tx.activeOwners(ctx, accountID); err != nil {
				return err
			} else if n <= 1 {
				return errLastOwner()
			}
		}
		if _, err := tx.exec(ctx, `UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?`, ms(at), ms(at), id); err != nil {
			return fmt.Errorf("disable user %d: %w", id, err)
		}
		return tx.endUserAccess(ctx, id, "operator_disabled", at)
	})
}

// endUserAccess ends every session, token family, grant, API key and
// one-time link of a user, in the caller's transaction.
func (s *Store) endUserAccess(ctx context.Context, userID int64, reason string, at time.Time) error {
	if _, err := s.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	if _, err := s.RevokeOAuthFamilies(ctx, FamilyFilter{UserID: userID}, reason, at); err != nil {
		return err
	}
	if _, err := s.exec(ctx, `DELETE FROM oauth_grants WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("delete grants: %w", err)
	}
	if _, err := s.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, ms(at), userID); err != nil {
		return fmt.Errorf("revoke API keys: %w", err)
	}
	if _, err := s.exec(ctx, `UPDATE operator_links SET used_at = ? WHERE user_id = ? AND used_at IS NULL`, ms(at), userID); err != nil {
		return fmt.Errorf("expire links: %w", err)
	}
	return nil
}

// EnableUser enables a disabled operator again. What disabling ended stays
// ended: they sign in afresh and applications ask for consent again.
// Errors: ENOTFOUND.
func (s *Store) EnableUser(ctx context.Context, accountID, id int64, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE users SET disabled_at = NULL, updated_at = ? WHERE account_id = ? AND id = ? AND disabled_at IS NOT NULL`, ms(at), accountID, id)
	if err != nil {
		return fmt.Errorf("enable user %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.GetAccountUser(ctx, accountID, id); err != nil {
			return err
		}
	}
	return nil
}

// ChangeUserPassword sets a new password hash and ends every session of
// the operator: the caller signs the current browser in again with a new
// session. OAuth tokens issued before the change stop working too (see
// oauth.Server.Authenticate). Errors: ENOTFOUND.
func (s *Store) ChangeUserPassword(ctx context.Context, userID int64, hash string, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.SetUserPassword(ctx, userID, hash, at); err != nil {
			return err
		}
		_, err := tx.DeleteUserSessions(ctx, userID)
		return err
	})
}

// Kinds of operator links.
const (
	LinkInvite = "invite" // accept an invitation: set a first password
	LinkReset  = "reset"  // reset a forgotten password
	LinkMFA    = "mfa"    // a password sign-in waiting for its second factor
)

// OperatorLink is a one-time link sent to an operator by email. Only the
// digest of its secret is stored.
type OperatorLink struct {
	ID        int64
	Digest    string
	Kind      string // LinkInvite or LinkReset
	AccountID int64
	UserID    int64
	CreatedBy int64 // the operator who asked for it (0: the CLI or the operator themselves)
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

const linkCols = `id, digest, kind, account_id, user_id, created_by, created_at, expires_at, used_at`

func scanLink(sc scanner) (*OperatorLink, error) {
	var (
		l                OperatorLink
		by, used         sql.NullInt64
		created, expires int64
	)
	if err := sc.Scan(&l.ID, &l.Digest, &l.Kind, &l.AccountID, &l.UserID, &by, &created, &expires, &used); err != nil {
		return nil, err
	}
	l.CreatedBy = by.Int64
	l.CreatedAt, l.ExpiresAt, l.UsedAt = fromMS(created), fromMS(expires), timePtr(used)
	return &l, nil
}

// CreateOperatorLink stores a link and sets its ID. Earlier unused links
// of the same kind for the user stop working: only the newest counts.
// Errors: ENOTFOUND for a user not on the account.
func (s *Store) CreateOperatorLink(ctx context.Context, l *OperatorLink) error {
	if l.Kind != LinkInvite && l.Kind != LinkReset && l.Kind != LinkMFA {
		return domain.Errorf(domain.EINVALID, "unknown link kind %q", l.Kind)
	}
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.GetAccountUser(ctx, l.AccountID, l.UserID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE operator_links SET used_at = ? WHERE user_id = ? AND kind = ? AND used_at IS NULL`,
			ms(l.CreatedAt), l.UserID, l.Kind); err != nil {
			return fmt.Errorf("expire older links: %w", err)
		}
		id, err := tx.insert(ctx, `INSERT INTO operator_links (digest, kind, account_id, user_id, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, l.Digest, l.Kind, l.AccountID, l.UserID, nullID(l.CreatedBy), ms(l.CreatedAt), ms(l.ExpiresAt))
		if err != nil {
			return fmt.Errorf("create operator link: %w", err)
		}
		l.ID = id
		return nil
	})
}

// GetOperatorLink returns the unused, unexpired link of the kind with the
// digest, or ENOTFOUND (which covers used and expired links alike).
func (s *Store) GetOperatorLink(ctx context.Context, digest, kind string, now time.Time) (*OperatorLink, error) {
	l, err := scanLink(s.queryRow(ctx, `SELECT `+linkCols+` FROM operator_links WHERE digest = ? AND kind = ? AND used_at IS NULL AND expires_at > ?`,
		digest, kind, ms(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("link")
	}
	if err != nil {
		return nil, fmt.Errorf("get operator link: %w", err)
	}
	return l, nil
}

// ConsumeOperatorLink spends an unused, unexpired link and returns it.
// Errors: ENOTFOUND for an unknown, used or expired link (or one spent
// concurrently).
func (s *Store) ConsumeOperatorLink(ctx context.Context, digest, kind string, now time.Time) (*OperatorLink, error) {
	var out *OperatorLink
	err := s.InTx(ctx, func(tx *Store) error {
		l, err := tx.GetOperatorLink(ctx, digest, kind, now)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE operator_links SET used_at = ? WHERE id = ? AND used_at IS NULL`, ms(now), l.ID)
		if err != nil {
			return fmt.Errorf("use operator link: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("link")
		}
		out = l
		return nil
	})
	return out, err
}

// UseOperatorLink spends a link and sets the operator's password from it,
// in one transaction: the link works once, and a disabled operator's links
// do not work at all. Every session of the operator ends (a reset is for
// a password someone else may know). Errors: ENOTFOUND for an unknown,
// used or expired link.
func (s *Store) UseOperatorLink(ctx context.Context, digest, kind, passwordHash string, now time.Time) (*domain.User, error) {
	var out *domain.User
	err := s.InTx(ctx, func(tx *Store) error {
		l, err := tx.ConsumeOperatorLink(ctx, digest, kind, now)
		if err != nil {
			return err
		}
		u, err := tx.GetUser(ctx, l.UserID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return domain.NotFound("link")
		}
		if err := tx.ChangeUserPassword(ctx, u.ID, passwordHash, now); err != nil {
			return err
		}
		out, err = tx.GetUser(ctx, u.ID)
		return err
	})
	return out, err
}

// UserTOTP is an operator's TOTP state.
type UserTOTP struct {
	Sealed    string     // the secret, sealed (see oauth); "" for none
	EnabledAt *time.Time // nil while enrolment is unconfirmed
	LastStep  int64      // the last time step accepted
}

// GetUserTOTP returns an operator's TOTP state. Errors: ENOTFOUND.
func (s *Store) GetUserTOTP(ctx context.Context, userID int64) (*UserTOTP, error) {
	var (
		sealed          sql.NullString
		enabled, lastSt sql.NullInt64
	)
	err := s.queryRow(ctx, `SELECT totp_secret, totp_enabled_at, totp_last_step FROM users WHERE id = ?`, userID).Scan(&sealed, &enabled, &lastSt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("get totp: %w", err)
	}
	return &UserTOTP{Sealed: sealed.String, EnabledAt: timePtr(enabled), LastStep: lastSt.Int64}, nil
}

// StartUserTOTP stores a new, unconfirmed TOTP secret (sealed), replacing
// an unconfirmed one. An operator whose TOTP is already confirmed gets
// ECONFLICT: it is removed first (ClearUserTOTP). Errors: ENOTFOUND.
func (s *Store) StartUserTOTP(ctx context.Context, userID int64, sealed string) error {
	res, err := s.exec(ctx, `UPDATE users SET totp_secret = ?, totp_last_step = NULL WHERE id = ? AND totp_enabled_at IS NULL`, sealed, userID)
	if err != nil {
		return fmt.Errorf("start totp: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.GetUser(ctx, userID); err != nil {
			return err
		}
		return domain.Errorf(domain.ECONFLICT, "a second factor is already set up; remove it first")
	}
	return nil
}

// UseTOTPStep records that the code of time step was accepted for the
// operator, and (confirm) turns TOTP on. It reports false when that step
// or a later one was already used: a code works once.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64, confirm bool, at time.Time) (bool, error) {
	q := `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < ?)`
	args := []any{step, userID, step}
	if confirm {
		q = `UPDATE users SET totp_last_step = ?, totp_enabled_at = ?, updated_at = ? WHERE id = ? AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < ?)`
		args = []any{step, ms(at), ms(at), userID, step}
	}
	res, err := s.exec(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("use totp step: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ClearUserTOTP removes an operator's second factor (the recovery when a
// phone is lost: an admin, or the CLI, clears it and the operator enrols
// again). Errors: ENOTFOUND.
func (s *Store) ClearUserTOTP(ctx context.Context, userID int64, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = ? WHERE id = ?`, ms(at), userID)
	if err != nil {
		return fmt.Errorf("clear totp: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("user")
	}
	return nil
}

// NoteSignIn records when an operator signed in to a browser session. It
// is bookkeeping, not a change an actor made: it is not audited.
func (s *Store) NoteSignIn(ctx context.Context, userID int64, at time.Time) error {
	if _, err := s.exec(WithoutActor(ctx), `UPDATE users SET last_sign_in_at = ? WHERE id = ?`, ms(at), userID); err != nil {
		return fmt.Errorf("note sign-in: %w", err)
	}
	return nil
}
