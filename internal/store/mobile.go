package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Mobile credential statuses. A mobile credential starts invited (no
// value: nothing can be presented), becomes active when its holder
// activates the invitation (its value is then the digest of the code the
// holder's phone presents), and when revoked passes through revoking (the
// doors refuse it, but some controller may not have heard yet) to revoked
// (every live controller of the account has the access list without it).
const (
	MobileInvited  = "invited"
	MobileActive   = "active"
	MobileRevoking = "revoking"
	MobileRevoked  = "revoked"
)

// MobileInvitation is a one-time link with which a holder activates a
// mobile credential. Only the digest of its secret is stored.
type MobileInvitation struct {
	ID           int64
	Digest       string
	AccountID    int64
	CredentialID int64
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UsedAt       *time.Time
}

const mobileInvitationCols = `id, digest, account_id, credential_id, created_at, expires_at, used_at`

func scanMobileInvitation(sc scanner) (*MobileInvitation, error) {
	var (
		m                MobileInvitation
		created, expires int64
		used             sql.NullInt64
	)
	if err := sc.Scan(&m.ID, &m.Digest, &m.AccountID, &m.CredentialID, &created, &expires, &used); err != nil {
		return nil, err
	}
	m.CreatedAt, m.ExpiresAt = fromMS(created), fromMS(expires)
	if used.Valid {
		t := fromMS(used.Int64)
		m.UsedAt = &t
	}
	return &m, nil
}

// IssueMobileCredential creates a mobile credential (status invited, no
// value) and its invitation in one transaction, as CreateCredential does
// (a PersonCredential CREATE change is recorded). A revoked mobile
// credential of the same type the person still holds is removed first
// (a PersonCredential DESTROY), so a person can be invited again.
// inv.Digest, CreatedAt and ExpiresAt must be set; AccountID and
// CredentialID are filled in. Errors: those of CreateCredential; EINVALID
// (credential_type_id) for a type that is not mobile.
func (s *Store) IssueMobileCredential(ctx context.Context, c *domain.Credential, inv *MobileInvitation) error {
	return s.InTx(ctx, func(tx *Store) error {
		t, err := tx.GetCredentialType(ctx, c.AccountID, c.CredentialTypeID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			v := domain.Validation{}
			v.Add("credential_type_id", "Not found for this account")
			return v.Err()
		}
		if err != nil {
			return err
		}
		if t.Kind != domain.KindMobile {
			v := domain.Validation{}
			v.Add("credential_type_id", "is not a mobile credential type")
			return v.Err()
		}
		old, err := tx.FindCredentialByType(ctx, c.AccountID, c.PersonID, c.CredentialTypeID)
		switch {
		case err == nil && old.Status != nil && *old.Status == MobileRevoked:
			if _, err := tx.DeleteCredential(ctx, c.AccountID, c.PersonID, old.UID, c.CreatedAt); err != nil {
				return err
			}
		case err != nil && domain.ErrorCode(err) != domain.ENOTFOUND:
			return err
		}
		st := MobileInvited
		c.Status, c.Value = &st, nil
		if err := tx.CreateCredential(ctx, c); err != nil {
			return err
		}
		inv.AccountID, inv.CredentialID = c.AccountID, c.ID
		return tx.createMobileInvitation(ctx, inv)
	})
}

// RenewMobileInvitation stores a new invitation for an invited mobile
// credential; earlier unused invitations of it stop working. Errors:
// ENOTFOUND; ECONFLICT for a credential that is not (still) invited.
func (s *Store) RenewMobileInvitation(ctx context.Context, accountID, personID int64, uid string, inv *MobileInvitation) (*domain.Credential, error) {
	var out *domain.Credential
	err := s.InTx(ctx, func(tx *Store) error {
		c, err := tx.GetCredential(ctx, accountID, personID, uid)
		if err != nil {
			return err
		}
		if c.Status == nil || *c.Status != MobileInvited {
			return domain.Errorf(domain.ECONFLICT, "Only an invited mobile credential can be sent a new invitation")
		}
		inv.AccountID, inv.CredentialID = accountID, c.ID
		out = c
		return tx.createMobileInvitation(ctx, inv)
	})
	return out, err
}

func (s *Store) createMobileInvitation(ctx context.Context, inv *MobileInvitation) error {
	if _, err := s.exec(ctx, `UPDATE mobile_invitations SET used_at = ? WHERE credential_id = ? AND used_at IS NULL`,
		ms(inv.CreatedAt), inv.CredentialID); err != nil {
		return fmt.Errorf("expire older mobile invitations: %w", err)
	}
	id, err := s.insert(ctx, `INSERT INTO mobile_invitations (digest, account_id, credential_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		inv.Digest, inv.AccountID, inv.CredentialID, ms(inv.CreatedAt), ms(inv.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create mobile invitation: %w", err)
	}
	inv.ID = id
	return nil
}

// GetMobileInvitation returns the invitation with the digest and its
// credential. Errors: ENOTFOUND for an unknown, used or expired
// invitation, or one whose credential is no longer invited.
func (s *Store) GetMobileInvitation(ctx context.Context, digest string, now time.Time) (*MobileInvitation, *domain.Credential, error) {
	inv, err := scanMobileInvitation(s.queryRow(ctx, `SELECT `+mobileInvitationCols+` FROM mobile_invitations WHERE digest = ?`, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, domain.NotFound("invitation")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("get mobile invitation: %w", err)
	}
	c, err := scanCredential(s.queryRow(ctx, `SELECT `+credentialCols+credentialFrom+` WHERE c.id = ? AND c.account_id = ?`, inv.CredentialID, inv.AccountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, domain.NotFound("invitation")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("get mobile invitation credential: %w", err)
	}
	if inv.UsedAt != nil || !now.Before(inv.ExpiresAt) || c.Status == nil || *c.Status != MobileInvited {
		return nil, nil, domain.NotFound("invitation")
	}
	return inv, c, nil
}

// ActivateMobileCredential spends an invitation and makes its credential
// active with value (the digest of the holder's code), in one transaction:
// a PersonCredential UPDATE change is recorded and the access journal
// notes the person, so controllers receive the credential. Errors: those
// of GetMobileInvitation (also for an invitation spent concurrently);
// EINVALID (value) when the value is in use.
func (s *Store) ActivateMobileCredential(ctx context.Context, digest, value string, now time.Time) (*domain.Credential, error) {
	var out *domain.Credential
	err := s.InTx(ctx, func(tx *Store) error {
		inv, c, err := tx.GetMobileInvitation(ctx, digest, now)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE mobile_invitations SET used_at = ? WHERE id = ? AND used_at IS NULL`, ms(now), inv.ID)
		if err != nil {
			return fmt.Errorf("use mobile invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("invitation")
		}
		if used, err := tx.CredentialValueInUse(ctx, c.AccountID, c.CredentialTypeID, value, c.ID); err != nil {
			return err
		} else if used {
			return valueInUse()
		}
		if _, err := tx.exec(ctx, `UPDATE credentials SET value = ?, status = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
			value, MobileActive, ms(now), c.ID, c.AccountID); err != nil {
			return fmt.Errorf("activate mobile credential: %w", err)
		}
		st := MobileActive
		c.Value, c.Status, c.UpdatedAt = &value, &st, now
		out = c
		if err := tx.recordCredentialChange(ctx, c, ChangeUpdate, now); err != nil {
			return err
		}
		return tx.TouchPerson(ctx, c.AccountID, c.PersonID, now)
	})
	return out, err
}

// RevokeMobileCredential revokes a person's mobile credential and returns
// it, with removed true when it was deleted:
//
//   - invited: its invitations stop working and it is revoked at once (no
//     code was ever issued, so no door knows it);
//   - active: it becomes revoking (every door refuses it from the next
//     access list on), the journal position of that change is kept, and it
//     becomes revoked once every live controller of the account has asked
//     for changes after that position (FinishMobileRevocations; at once
//     when the account has no live controller);
//   - revoking: nothing changes;
//   - revoked: it is deleted (a PersonCredential DESTROY).
//
// Each status change records a PersonCredential UPDATE change. Errors:
// ENOTFOUND; EINVALID for a credential that is not mobile.
func (s *Store) RevokeMobileCredential(ctx context.Context, accountID, personID int64, uid string, at time.Time) (*domain.Credential, bool, error) {
	var (
		out     *domain.Credential
		removed bool
	)
	err := s.InTx(ctx, func(tx *Store) error {
		c, err := tx.GetCredential(ctx, accountID, personID, uid)
		if err != nil {
			return err
		}
		if c.Status == nil {
			return domain.Errorf(domain.EINVALID, "Not a mobile credential")
		}
		out = c
		switch *c.Status {
		case MobileRevoking:
			return nil
		case MobileRevoked:
			removed = true
			_, err := tx.DeleteCredential(ctx, accountID, personID, uid, at)
			return err
		case MobileInvited:
			if _, err := tx.exec(ctx, `UPDATE mobile_invitations SET used_at = ? WHERE credential_id = ? AND used_at IS NULL`, ms(at), c.ID); err != nil {
				return fmt.Errorf("withdraw mobile invitations: %w", err)
			}
			return tx.setMobileStatus(ctx, c, MobileRevoked, nil, at)
		}
		// Active (or any other status a wallet reported): refuse it at the
		// doors first, then wait for the controllers.
		if err := tx.TouchPerson(ctx, accountID, personID, at); err != nil {
			return err
		}
		seq, err := tx.AccessSeq(ctx, accountID)
		if err != nil {
			return err
		}
		if err := tx.setMobileStatus(ctx, c, MobileRevoking, &seq, at); err != nil {
			return err
		}
		done, err := tx.FinishMobileRevocations(ctx, accountID, at)
		for _, d := range done {
			if d.ID == c.ID {
				c.Status = d.Status
			}
		}
		return err
	})
	return out, removed, err
}

// setMobileStatus sets a credential's status (and revoke_seq when not nil)
// and records a PersonCredential UPDATE change.
func (s *Store) setMobileStatus(ctx context.Context, c *domain.Credential, status string, revokeSeq *int64, at time.Time) error {
	var err error
	if revokeSeq != nil {
		_, err = s.exec(ctx, `UPDATE credentials SET status = ?, revoke_seq = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
			status, *revokeSeq, ms(at), c.ID, c.AccountID)
	} else {
		_, err = s.exec(ctx, `UPDATE credentials SET status = ?, updated_at = ? WHERE id = ? AND account_id = ?`, status, ms(at), c.ID, c.AccountID)
	}
	if err != nil {
		return fmt.Errorf("set mobile credential status: %w", err)
	}
	c.Status, c.UpdatedAt = &status, at
	return s.recordCredentialChange(ctx, c, ChangeUpdate, at)
}

// NoteControllerSynced records that a controller has applied the access
// journal up to seq (it asked for changes after seq); a lower seq than
// one already recorded changes nothing. It then finishes the account's
// revocations that every live controller has now heard of, and returns
// them. Errors: database errors only.
func (s *Store) NoteControllerSynced(ctx context.Context, accountID, controllerID, seq int64, at time.Time) ([]*domain.Credential, error) {
	var out []*domain.Credential
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.exec(ctx, `UPDATE controllers SET synced_seq = ? WHERE id = ? AND account_id = ? AND (synced_seq IS NULL OR synced_seq < ?)`,
			seq, controllerID, accountID, seq)
		if err != nil {
			return fmt.Errorf("note controller synced: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		out, err = tx.FinishMobileRevocations(ctx, accountID, at)
		return err
	})
	return out, err
}

// FinishMobileRevocations moves the account's revoking mobile credentials
// to revoked once every live (not revoked) controller of the account has
// asked for changes after the revocation's journal position (all of them
// at once when the account has no live controller), recording a
// PersonCredential UPDATE for each, and returns them.
func (s *Store) FinishMobileRevocations(ctx context.Context, accountID int64, at time.Time) ([]*domain.Credential, error) {
	var out []*domain.Credential
	err := s.InTx(ctx, func(tx *Store) error {
		var (
			live   int
			synced sql.NullInt64
		)
		// A controller that never asked for changes counts as synced to 0.
		if err := tx.queryRow(ctx, `SELECT COUNT(*), MIN(COALESCE(synced_seq, 0)) FROM controllers WHERE account_id = ? AND revoked_at IS NULL`,
			accountID).Scan(&live, &synced); err != nil {
			return fmt.Errorf("controllers synced: %w", err)
		}
		// The status is written as a literal so that the partial index
		// credentials_revoking (WHERE status = 'revoking') applies.
		where := ` WHERE c.account_id = ? AND c.status = 'revoking'`
		args := []any{accountID}
		if live > 0 {
			where += ` AND c.revoke_seq <= ?`
			args = append(args, synced.Int64)
		}
		cs, err := tx.listCredentials(ctx, credentialFrom+where+` ORDER BY c.id`, args...)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := tx.setMobileStatus(ctx, c, MobileRevoked, nil, at); err != nil {
				return err
			}
		}
		out = cs
		return nil
	})
	return out, err
}
