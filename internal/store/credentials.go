package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const credentialCols = `c.id, c.uid, c.account_id, c.person_id, c.credential_type_id, t.label, c.value, c.status, c.wallet_type, c.created_at, c.updated_at`

const credentialFrom = ` FROM credentials c JOIN credential_types t ON t.id = c.credential_type_id AND t.account_id = c.account_id`

func scanCredential(sc scanner) (*domain.Credential, error) {
	var (
		c                    domain.Credential
		value, status, walle sql.NullString
		created, updated     int64
	)
	if err := sc.Scan(&c.ID, &c.UID, &c.AccountID, &c.PersonID, &c.CredentialTypeID, &c.Label, &value, &status, &walle, &created, &updated); err != nil {
		return nil, err
	}
	c.Value, c.Status, c.WalletType = strPtr(value), strPtr(status), strPtr(walle)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

// checkCredentialValue applies the type's value rule
// (CredentialType.CheckValue) to a value about to be stored, normalising
// it in place. Only mobile credentials may have no value (until the holder
// activates the invitation). Errors: EINVALID (value).
func checkCredentialValue(t *domain.CredentialType, value *string) error {
	v := domain.Validation{}
	switch {
	case value == nil && t.Kind != domain.KindMobile:
		v.Add("value", "can't be blank")
	case value != nil:
		s, msg := t.CheckValue(*value)
		if msg != "" {
			v.Add("value", msg)
		}
		*value = s
	}
	return v.Err()
}

func valueInUse() error {
	v := domain.Validation{}
	v.Add("value", "value is already in use on your account")
	return v.Err()
}

// CredentialValueInUse reports whether a credential of the type on the
// account already holds value (ignoring the credential exceptID).
func (s *Store) CredentialValueInUse(ctx context.Context, accountID, typeID int64, value string, exceptID int64) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM credentials WHERE account_id = ? AND credential_type_id = ? AND value = ? AND id <> ?`,
		accountID, typeID, value, exceptID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check credential value: %w", err)
	}
	return n > 0, nil
}

// FindCredentialByType returns the person's credential of a type, or ENOTFOUND.
func (s *Store) FindCredentialByType(ctx context.Context, accountID, personID, typeID int64) (*domain.Credential, error) {
	c, err := scanCredential(s.queryRow(ctx, `SELECT `+credentialCols+credentialFrom+`
		WHERE c.account_id = ? AND c.person_id = ? AND c.credential_type_id = ?`, accountID, personID, typeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("credential")
	}
	if err != nil {
		return nil, fmt.Errorf("find credential: %w", err)
	}
	return c, nil
}

// CreateCredential gives a person a credential, assigning ID, UID and Label,
// and records a PersonCredential CREATE change with it (as UpdateCredentialValue
// and DeleteCredential record UPDATE and DESTROY), so webhooks announce
// every credential write whichever caller made it. The caller validates the value's format. Errors: ENOTFOUND when the
// person is not the account's; EINVALID (credential_type_id) when the type
// is not the account's; ECONFLICT when the person already holds a
// credential of the type; EINVALID (value) when the value is in use.
func (s *Store) CreateCredential(ctx context.Context, c *domain.Credential) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	c.UpdatedAt = c.CreatedAt
	return s.InTx(ctx, func(tx *Store) error {
		if missing, err := tx.missingIDs(ctx, "people", c.AccountID, []int64{c.PersonID}); err != nil {
			return err
		} else if len(missing) > 0 {
			return domain.NotFound("person")
		}
		t, err := tx.GetCredentialType(ctx, c.AccountID, c.CredentialTypeID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			v := domain.Validation{}
			v.Add("credential_type_id", "Not found for this account")
			return v.Err()
		}
		if err != nil {
			return err
		}
		c.Label = t.Label
		if err := checkCredentialValue(t, c.Value); err != nil {
			return err
		}
		if _, err := tx.FindCredentialByType(ctx, c.AccountID, c.PersonID, c.CredentialTypeID); err == nil {
			return domain.Errorf(domain.ECONFLICT, "The person already holds a credential of this type")
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		if c.Value != nil {
			if used, err := tx.CredentialValueInUse(ctx, c.AccountID, c.CredentialTypeID, *c.Value, 0); err != nil {
				return err
			} else if used {
				return valueInUse()
			}
		}
		if c.UID == "" {
			c.UID = NewUID(8)
		}
		id, err := tx.insert(ctx, `INSERT INTO credentials (uid, account_id, person_id, credential_type_id, value, status, wallet_type, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.UID, c.AccountID, c.PersonID, c.CredentialTypeID, nullStr(c.Value),
			nullStr(c.Status), nullStr(c.WalletType), ms(c.CreatedAt), ms(c.UpdatedAt))
		if isUniqueViolation(err) {
			return valueInUse()
		}
		if err != nil {
			return fmt.Errorf("create credential: %w", err)
		}
		c.ID = id
		if err := tx.addCount(c.AccountID, countCredentials, 1); err != nil {
			return err
		}
		if err := tx.recordCredentialChange(ctx, c, ChangeCreate, c.CreatedAt); err != nil {
			return err
		}
		return tx.TouchPerson(ctx, c.AccountID, c.PersonID, c.UpdatedAt)
	})
}

// GetCredential returns a person's credential by its public id, or ENOTFOUND.
func (s *Store) GetCredential(ctx context.Context, accountID, personID int64, uid string) (*domain.Credential, error) {
	c, err := scanCredential(s.queryRow(ctx, `SELECT `+credentialCols+credentialFrom+`
		WHERE c.account_id = ? AND c.person_id = ? AND c.uid = ?`, accountID, personID, uid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("credential")
	}
	if err != nil {
		return nil, fmt.Errorf("get credential: %w", err)
	}
	return c, nil
}

// UpdateCredentialValue replaces the value of a person's credential and
// returns it. Errors: ENOTFOUND; EINVALID (value) when the value is in use.
func (s *Store) UpdateCredentialValue(ctx context.Context, accountID, personID int64, uid string, value *string, at time.Time) (*domain.Credential, error) {
	var out *domain.Credential
	err := s.InTx(ctx, func(tx *Store) error {
		c, err := tx.GetCredential(ctx, accountID, personID, uid)
		if err != nil {
			return err
		}
		t, err := tx.GetCredentialType(ctx, accountID, c.CredentialTypeID)
		if err != nil {
			return err
		}
		if err := checkCredentialValue(t, value); err != nil {
			return err
		}
		if value != nil {
			if used, err := tx.CredentialValueInUse(ctx, accountID, c.CredentialTypeID, *value, c.ID); err != nil {
				return err
			} else if used {
				return valueInUse()
			}
		}
		_, err = tx.exec(ctx, `UPDATE credentials SET value = ?, updated_at = ? WHERE id = ? AND account_id = ?`, nullStr(value), ms(at), c.ID, accountID)
		if isUniqueViolation(err) {
			return valueInUse()
		}
		if err != nil {
			return fmt.Errorf("update credential: %w", err)
		}
		c.Value, c.UpdatedAt = value, at
		out = c
		if err := tx.recordCredentialChange(ctx, c, ChangeUpdate, at); err != nil {
			return err
		}
		return tx.TouchPerson(ctx, accountID, personID, at)
	})
	return out, err
}

// DeleteCredential removes a person's credential and returns what it was.
// Errors: ENOTFOUND.
func (s *Store) DeleteCredential(ctx context.Context, accountID, personID int64, uid string, at time.Time) (*domain.Credential, error) {
	var out *domain.Credential
	err := s.InTx(ctx, func(tx *Store) error {
		c, err := tx.GetCredential(ctx, accountID, personID, uid)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `DELETE FROM credentials WHERE id = ? AND account_id = ?`, c.ID, accountID)
		if err != nil {
			return fmt.Errorf("delete credential: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete credential: %w", err)
		} else if err := tx.addCount(accountID, countCredentials, -n); err != nil {
			return err
		}
		out = c
		if err := tx.recordCredentialChange(ctx, c, ChangeDestroy, at); err != nil {
			return err
		}
		return tx.TouchPerson(ctx, accountID, personID, at)
	})
	return out, err
}

// ListCredentials returns a page of the account's credentials (only one
// person's when personID is not nil), by id, and how many match.
func (s *Store) ListCredentials(ctx context.Context, accountID int64, personID *int64, page Page) ([]*domain.Credential, int, error) {
	where := ` WHERE c.account_id = ?`
	args := []any{accountID}
	if personID != nil {
		where += ` AND c.person_id = ?`
		args = append(args, *personID)
	}
	var total int
	if personID == nil {
		// The account's count is kept (see counts.go).
		n, err := s.accountCount(ctx, accountID, countCredentials)
		if err != nil {
			return nil, 0, err
		}
		total = n
	} else if err := s.queryRow(ctx, `SELECT COUNT(*) FROM credentials c`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count credentials: %w", err)
	}
	if total == 0 || page.Offset >= total {
		return []*domain.Credential{}, total, nil
	}
	out, err := s.listCredentials(ctx, credentialFrom+where+` ORDER BY c.id`+page.sql(), page.bind(args...)...)
	return out, total, err
}

// CredentialsOfPeople returns every credential held by the given people of
// the account, in one query.
func (s *Store) CredentialsOfPeople(ctx context.Context, accountID int64, personIDs []int64) ([]*domain.Credential, error) {
	if len(personIDs) == 0 {
		return []*domain.Credential{}, nil
	}
	// Ordered to match the (account_id, person_id) index: ordering by c.id
	// alone would lead SQLite to walk every credential of the account.
	in, arg := s.inIDs("c.person_id", personIDs)
	return s.listCredentials(ctx, credentialFrom+` WHERE c.account_id = ? AND `+in+` ORDER BY c.person_id, c.id`, accountID, arg)
}

func (s *Store) listCredentials(ctx context.Context, tail string, args ...any) ([]*domain.Credential, error) {
	rows, err := s.query(ctx, `SELECT `+credentialCols+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	defer rows.Close()
	out := []*domain.Credential{}
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
