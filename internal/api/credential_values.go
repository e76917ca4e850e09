package api

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// autoPIN as a PIN value asks for a random unique PIN.
const autoPIN = domain.AutoPIN

// checkValue validates a credential value given for its type
// (CredentialType.CheckValue), letting autoPIN through for PIN types: the
// caller replaces it with a fresh PIN before storing.
func checkValue(t *domain.CredentialType, s string) (string, string) {
	if t.Kind == domain.KindPIN && s == autoPIN {
		return s, ""
	}
	return t.CheckValue(s)
}

// rawValue reads a credential value from a decoded body: a string, an
// integer (its digits), or null / "" (no value). ok is false for any other type.
func rawValue(raw any) (val *string, ok bool) {
	switch x := raw.(type) {
	case nil:
		return nil, true
	case string:
		if x == "" {
			return nil, true
		}
		return &x, true
	case json.Number:
		if n, ok := toInt(x); ok && n >= 0 {
			s := x.String()
			return &s, true
		}
	}
	return nil, false
}

// uniquePIN returns a random PIN not yet used with the credential type on
// the account (store.UniquePIN, shared with the console).
func uniquePIN(ctx context.Context, st *store.Store, accountID, typeID int64) (string, error) {
	return st.UniquePIN(ctx, accountID, typeID)
}

// personCredentials are the credential values of a person body, already
// checked for format: nil removes the person's credential of the type.
type personCredentials map[*domain.CredentialType]*string

// credentialValues validates the flattened credential values of a person
// body; mobile types cannot be set this way and are ignored.
func (in *personInput) credentialValues() personCredentials {
	out := personCredentials{}
	for t, raw := range in.creds {
		if t.Kind == domain.KindMobile {
			continue
		}
		val, ok := rawValue(raw)
		if !ok {
			in.f.v.Add(t.Slug, "must be a string")
			continue
		}
		if val == nil {
			out[t] = nil
			continue
		}
		s, msg := checkValue(t, *val)
		if msg != "" {
			in.f.v.Add(t.Slug, msg)
			continue
		}
		out[t] = &s
	}
	return out
}

// apply gives the person the credentials, inside the caller's transaction.
// Validation errors about the value are reported under the type's slug.
func (pc personCredentials) apply(ctx context.Context, tx *store.Store, p *domain.Person, now time.Time) error {
	types := make([]*domain.CredentialType, 0, len(pc))
	for t := range pc {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i].ID < types[j].ID })
	for _, t := range types {
		val := pc[t]
		existing, err := tx.FindCredentialByType(ctx, p.AccountID, p.ID, t.ID)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		if val != nil && *val == autoPIN {
			pin, err := uniquePIN(ctx, tx, p.AccountID, t.ID)
			if err != nil {
				return err
			}
			val = &pin
		}
		switch {
		case val == nil && existing == nil:
		case val == nil:
			_, err = tx.DeleteCredential(ctx, p.AccountID, p.ID, existing.UID, now)
		case existing != nil && existing.Value != nil && *existing.Value == *val:
		case existing != nil:
			_, err = tx.UpdateCredentialValue(ctx, p.AccountID, p.ID, existing.UID, val, now)
		default:
			err = tx.CreateCredential(ctx, &domain.Credential{AccountID: p.AccountID, PersonID: p.ID, CredentialTypeID: t.ID, Value: val, CreatedAt: now})
		}
		if err != nil {
			return renameField(err, "value", t.Slug)
		}
	}
	return nil
}

// renameField moves validation messages of one field to another name.
func renameField(err error, from, to string) error {
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.EINVALID || e.Fields[from] == nil {
		return err
	}
	v := domain.Validation{}
	for k, msgs := range e.Fields {
		if k == from {
			k = to
		}
		for _, m := range msgs {
			v.Add(k, m)
		}
	}
	return v.Err()
}
