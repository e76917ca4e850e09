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

const accountCols = `id, uid, name, time_zone, monitored, verified, enterprise_pin, sync_status, last_sync_at, created_at, updated_at`

func scanAccount(sc interface{ Scan(...any) error }) (*domain.Account, error) {
	var (
		a          domain.Account
		pin        sql.NullString
		lastSync   sql.NullInt64
		created, u int64
	)
	if err := sc.Scan(&a.ID, &a.UID, &a.Name, &a.TimeZone, &a.Monitored, &a.Verified, &pin, &a.SyncStatus, &lastSync, &created, &u); err != nil {
		return nil, err
	}
	a.EnterprisePIN = pin.String
	a.LastSyncAt = timePtr(lastSync)
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(u)
	return &a, nil
}

// CreateAccount inserts an account, assigning ID and UID (when empty).
// A duplicate enterprise PIN gives ECONFLICT.
func (s *Store) CreateAccount(ctx context.Context, a *domain.Account) error {
	if a.UID == "" {
		a.UID = NewUID(9)
	}
	if a.SyncStatus == "" {
		a.SyncStatus = "complete"
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	a.UpdatedAt = a.CreatedAt
	var pin any
	if a.EnterprisePIN != "" {
		pin = a.EnterprisePIN
	}
	id, err := s.insert(ctx, `INSERT INTO accounts (uid, name, time_zone, monitored, verified, enterprise_pin, sync_status, last_sync_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.UID, a.Name, a.TimeZone, a.Monitored, a.Verified, pin, a.SyncStatus, msPtr(a.LastSyncAt), ms(a.CreatedAt), ms(a.UpdatedAt))
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "an account with that enterprise PIN already exists")
	}
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	a.ID = id
	return nil
}

// UpdateAccount saves name, time zone, flags, PIN and sync state.
func (s *Store) UpdateAccount(ctx context.Context, a *domain.Account) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.updateAccount(ctx, a); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, a.ID)
	})
}

// updateAccount is UpdateAccount without the journal row.
func (s *Store) updateAccount(ctx context.Context, a *domain.Account) error {
	a.UpdatedAt = time.Now().UTC()
	var pin any
	if a.EnterprisePIN != "" {
		pin = a.EnterprisePIN
	}
	res, err := s.exec(ctx, `UPDATE accounts SET name = ?, time_zone = ?, monitored = ?, verified = ?, enterprise_pin = ?, sync_status = ?, last_sync_at = ?, updated_at = ? WHERE id = ?`,
		a.Name, a.TimeZone, a.Monitored, a.Verified, pin, a.SyncStatus, msPtr(a.LastSyncAt), ms(a.UpdatedAt), a.ID)
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "an account with that enterprise PIN already exists")
	}
	if err != nil {
		return fmt.Errorf("update account %d: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("account")
	}
	return nil
}

// GetAccount returns an account by id, or ENOTFOUND.
func (s *Store) GetAccount(ctx context.Context, id int64) (*domain.Account, error) {
	a, err := scanAccount(s.queryRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("account")
	}
	if err != nil {
		return nil, fmt.Errorf("get account %d: %w", id, err)
	}
	return a, nil
}

// GetAccountByUID returns an account by its public id, or ENOTFOUND.
func (s *Store) GetAccountByUID(ctx context.Context, uid string) (*domain.Account, error) {
	a, err := scanAccount(s.queryRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE uid = ?`, uid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("account")
	}
	if err != nil {
		return nil, fmt.Errorf("get account %q: %w", uid, err)
	}
	return a, nil
}

// GetAccountByPIN returns the account with an enterprise PIN, or ENOTFOUND.
func (s *Store) GetAccountByPIN(ctx context.Context, pin string) (*domain.Account, error) {
	a, err := scanAccount(s.queryRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE enterprise_pin = ?`, pin))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("account")
	}
	if err != nil {
		return nil, fmt.Errorf("get account by pin: %w", err)
	}
	return a, nil
}

// ListAccounts returns every account, oldest first.
func (s *Store) ListAccounts(ctx context.Context) ([]*domain.Account, error) {
	rows, err := s.query(ctx, `SELECT `+accountCols+` FROM accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []*domain.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const userCols = `id, account_id, email, first_name, last_name, password_hash, role, disabled_at, totp_enabled_at, password_changed_at, created_at, updated_at, last_sign_in_at`

func scanUser(sc interface{ Scan(...any) error }) (*domain.User, error) {
	var (
		u                    domain.User
		disabled, totp, last sql.NullInt64
		changed, created, m  int64
	)
	if err := sc.Scan(&u.ID, &u.AccountID, &u.Email, &u.FirstName, &u.LastName, &u.PasswordHash, &u.Role, &disabled, &totp, &changed, &created, &m, &last); err != nil {
		return nil, err
	}
	u.DisabledAt = timePtr(disabled)
	u.Disabled = u.DisabledAt != nil
	u.TOTPEnabled = totp.Valid
	u.LastSignInAt = timePtr(last)
	u.Admin = u.Role.AtLeast(domain.RoleAdmin)
	u.PasswordChangedAt, u.CreatedAt, u.UpdatedAt = fromMS(changed), fromMS(created), fromMS(m)
	return &u, nil
}

// CreateUser inserts an operator. The email is stored lower-cased; a
// duplicate within the account gives ECONFLICT. Without a Role, Admin
// picks RoleAdmin or RoleOperator; an unknown role gives EINVALID.
func (s *Store) CreateUser(ctx context.Context, u *domain.User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Role == "" {
		u.Role = domain.RoleOperator
		if u.Admin {
			u.Role = domain.RoleAdmin
		}
	}
	if _, err := domain.ParseOperatorRole(string(u.Role)); err != nil {
		return domain.Errorf(domain.EINVALID, "%v", err)
	}
	u.Admin = u.Role.AtLeast(domain.RoleAdmin)
	now := time.Now().UTC()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	u.UpdatedAt = u.CreatedAt
	if u.PasswordChangedAt.IsZero() {
		u.PasswordChangedAt = u.CreatedAt
	}
	id, err := s.insert(ctx, `INSERT INTO users (account_id, email, first_name, last_name, password_hash, admin, role, password_changed_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.AccountID, u.Email, u.FirstName, u.LastName, u.PasswordHash, u.Admin, string(u.Role), ms(u.PasswordChangedAt), ms(u.CreatedAt), ms(u.UpdatedAt))
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "a user with email %s already exists on this account", u.Email)
	}
	if isForeignKeyViolation(err) {
		return domain.NotFound("account")
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	u.ID = id
	return nil
}

// GetUser returns a user by id, or ENOTFOUND.
func (s *Store) GetUser(ctx context.Context, id int64) (*domain.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, nil
}

// FindUsersByEmail returns every user with the email (any account).
func (s *Store) FindUsersByEmail(ctx context.Context, email string) ([]*domain.User, error) {
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users WHERE email = ? ORDER BY id`, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	defer rows.Close()
	var out []*domain.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// GetUserByEmail returns the user with the email on an account, or ENOTFOUND.
func (s *Store) GetUserByEmail(ctx context.Context, accountID int64, email string) (*domain.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE account_id = ? AND email = ?`, accountID, strings.ToLower(strings.TrimSpace(email))))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("get user by email: %w", err)
	}
	return u, nil
}

// SetUserPassword replaces a user's password hash and stamps the change time.
func (s *Store) SetUserPassword(ctx context.Context, userID int64, hash string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?`, hash, ms(at), ms(at), userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("user")
	}
	return nil
}

// GetSetting returns a server setting, or "" and false.
func (s *Store) GetSetting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get setting %s: %w", key, err)
	}
	return v, true, nil
}

// EnsureSetting stores value under key unless a value exists, and returns
// the value in force. Concurrent callers agree on one value.
func (s *Store) EnsureSetting(ctx context.Context, key, value string) (string, error) {
	if _, err := s.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return "", fmt.Errorf("ensure setting %s: %w", key, err)
	}
	v, _, err := s.GetSetting(ctx, key)
	return v, err
}
