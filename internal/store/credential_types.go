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

const credentialTypeCols = `id, account_id, label, slug, code, kind, created_at, updated_at`

func scanCredentialType(sc scanner) (*domain.CredentialType, error) {
	var (
		t                domain.CredentialType
		code             sql.NullInt64
		created, updated int64
	)
	if err := sc.Scan(&t.ID, &t.AccountID, &t.Label, &t.Slug, &code, &t.Kind, &created, &updated); err != nil {
		return nil, err
	}
	t.Code = int64Ptr(code)
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
	return &t, nil
}

// CreateCredentialType inserts a credential type, deriving the slug from the
// label when empty. Errors: EINVALID for a bad kind or a slug that collides
// with a person attribute; ECONFLICT for a duplicate label or slug.
func (s *Store) CreateCredentialType(ctx context.Context, t *domain.CredentialType) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.createCredentialType(ctx, t); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, t.AccountID)
	})
}

// createCredentialType is CreateCredentialType without the journal row.
func (s *Store) createCredentialType(ctx context.Context, t *domain.CredentialType) error {
	if t.Slug == "" {
		t.Slug = domain.Slugify(t.Label)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now().UTC()
	}
	t.UpdatedAt = t.CreatedAt
	id, err := s.insert(ctx, `INSERT INTO credential_types (account_id, label, slug, code, kind, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, t.AccountID, t.Label, t.Slug, nullInt(t.Code), t.Kind, ms(t.CreatedAt), ms(t.UpdatedAt))
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "a credential type with that label or slug already exists")
	}
	if err != nil {
		return fmt.Errorf("create credential type: %w", err)
	}
	t.ID = id
	return nil
}

// GetCredentialType returns a credential type of the account, or ENOTFOUND.
func (s *Store) GetCredentialType(ctx context.Context, accountID, id int64) (*domain.CredentialType, error) {
	t, err := scanCredentialType(s.queryRow(ctx, `SELECT `+credentialTypeCols+` FROM credential_types WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("credential type")
	}
	if err != nil {
		return nil, fmt.Errorf("get credential type %d: %w", id, err)
	}
	return t, nil
}

// ListCredentialTypes returns a page of the account's credential types by
// id, and how many there are.
func (s *Store) ListCredentialTypes(ctx context.Context, accountID int64, page Page) ([]*domain.CredentialType, int, error) {
	var total int
	whole := page.Limit <= 0 && page.Offset <= 0 // counts itself
	if !whole {
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM credential_types WHERE account_id = ?`, accountID).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count credential types: %w", err)
		}
	}
	rows, err := s.query(ctx, `SELECT `+credentialTypeCols+` FROM credential_types WHERE account_id = ? ORDER BY id`+page.sql(), page.bind(accountID)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list credential types: %w", err)
	}
	defer rows.Close()
	out := []*domain.CredentialType{}
	for rows.Next() {
		t, err := scanCredentialType(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, t)
	}
	if whole {
		total = len(out)
	}
	return out, total, rows.Err()
}

// UpdateCredentialType writes a credential type's label, slug (derived
// from the label when empty) and code; the kind never changes. Errors:
// EINVALID; ECONFLICT for a duplicate label or slug; ENOTFOUND.
func (s *Store) UpdateCredentialType(ctx context.Context, t *domain.CredentialType) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.updateCredentialType(ctx, t); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, t.AccountID)
	})
}

// updateCredentialType is UpdateCredentialType without the journal row.
func (s *Store) updateCredentialType(ctx context.Context, t *domain.CredentialType) error {
	if t.Slug == "" {
		t.Slug = domain.Slugify(t.Label)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = time.Now().UTC()
	}
	res, err := s.exec(ctx, `UPDATE credential_types SET label = ?, slug = ?, code = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
		t.Label, t.Slug, nullInt(t.Code), ms(t.UpdatedAt), t.ID, t.AccountID)
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "a credential type with that label or slug already exists")
	}
	if err != nil {
		return fmt.Errorf("update credential type %d: %w", t.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("credential type")
	}
	return nil
}

// DeleteCredentialType removes a credential type of the account. Errors:
// ENOTFOUND; ECONFLICT while credentials of the type exist (deleting them
// would take people's cards away as a side effect).
func (s *Store) DeleteCredentialType(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.deleteCredentialType(ctx, accountID, id); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, accountID)
	})
}

// deleteCredentialType is DeleteCredentialType without the journal row.
func (s *Store) deleteCredentialType(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.refuseIfUsed(ctx, `SELECT COUNT(*) FROM credentials WHERE account_id = ? AND credential_type_id = ?`, []any{accountID, id},
			"credentials of this type exist; delete them first"); err != nil {
			return err
		}
		return tx.deleteRow(ctx, "credential_types", "credential type", accountID, id)
	})
}

// AccountAndCredentialTypes returns the account and its credential types
// by id in one query, for the writes that need both (a person's body is
// read against the types, its dates in the account's time zone).
// Errors: ENOTFOUND for no such account.
func (s *Store) AccountAndCredentialTypes(ctx context.Context, accountID int64) (*domain.Account, []*domain.CredentialType, error) {
	rows, err := s.query(ctx, `SELECT `+prefixCols("a.", accountCols)+`, `+prefixCols("t.", credentialTypeCols)+`
		FROM accounts a JOIN credential_types t ON t.account_id = a.id WHERE a.id = ? ORDER BY t.id`, accountID)
	if err != nil {
		return nil, nil, fmt.Errorf("get account and credential types: %w", err)
	}
	defer rows.Close()
	var (
		acct  *domain.Account
		types = []*domain.CredentialType{}
	)
	for rows.Next() {
		// Each row is the account's columns, then a type's: the type's
		// scan runs the account's, which scans the whole row.
		var a *domain.Account
		t, err := scanCredentialType(scanFunc(func(typeDest ...any) error {
			var err error
			a, err = scanAccount(scanFunc(func(acctDest ...any) error {
				return rows.Scan(append(acctDest, typeDest...)...)
			}))
			return err
		}))
		if err != nil {
			return nil, nil, fmt.Errorf("get account and credential types: %w", err)
		}
		if acct == nil {
			acct = a
		}
		types = append(types, t)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("get account and credential types: %w", err)
	}
	if acct == nil { // no types (or no account): the account alone
		acct, err := s.GetAccount(ctx, accountID)
		return acct, types, err
	}
	return acct, types, nil
}

// scanFunc is a scanner made of a function.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// prefixCols qualifies each column of a list such as accountCols.
func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, c := range parts {
		parts[i] = prefix + c
	}
	return strings.Join(parts, ", ")
}
