package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

type credentialJSON struct {
	ID               string  `json:"id"`
	CredentialTypeID int64   `json:"credential_type_id"`
	Label            string  `json:"label"`
	PersonID         int64   `json:"person_id"`
	Value            *string `json:"value"`
	Status           *string `json:"status"`
	URL              *string `json:"url"`
	WalletType       *string `json:"wallet_type"`
	// Lintel extensions, only in the answer that issues a mobile
	// credential: when the invitation expires and whether it was emailed
	// to the person (when not, url holds the one-time link to hand over).
	InvitationExpiresAt *time.Time `json:"invitation_expires_at,omitempty"`
	InvitationEmailed   *bool      `json:"invitation_emailed,omitempty"`
}

// newCredentialJSON is a credential as the API shows it. A mobile
// credential (the only kind with a status) shows no value: what it holds
// is the digest of its holder's code.
func newCredentialJSON(c *domain.Credential) credentialJSON {
	out := credentialJSON{ID: c.UID, CredentialTypeID: c.CredentialTypeID, Label: c.Label, PersonID: c.PersonID,
		Value: c.Value, Status: c.Status, WalletType: c.WalletType}
	if c.Status != nil {
		out.Value = nil
	}
	return out
}

func credentialList(cs []*domain.Credential) []credentialJSON {
	out := make([]credentialJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, newCredentialJSON(c))
	}
	return out
}

// person returns the path's person id after checking the person is the caller's (else 404).
func (a *API) personParam(r *http.Request, c *call) (int64, error) {
	id, err := pathID(r, "person_id", "person")
	if err != nil {
		return 0, err
	}
	if _, err := a.st.GetPerson(r.Context(), c.p.AccountID, id); err != nil {
		return 0, err
	}
	return id, nil
}

// credentialUID returns the credential id of the path.
func credentialUID(r *http.Request) string {
	return strings.TrimSuffix(r.PathValue("id"), ".json")
}

// listPersonCredentials serves GET /api/3/people/{person_id}/credentials
// (500 a page by default). Errors: 404 for a person not the caller's.
func (a *API) listPersonCredentials(w http.ResponseWriter, r *http.Request, c *call) error {
	pid, err := a.personParam(r, c)
	if err != nil {
		return err
	}
	pg := parsePager(r, "per_page", 500, 0)
	cs, total, err := a.st.ListCredentials(r.Context(), c.p.AccountID, &pid, pg.storePage())
	if err != nil {
		return err
	}
	pg.writeHeaders(w, total)
	httpx.WriteJSON(w, http.StatusOK, credentialList(cs))
	return nil
}

// listAllCredentials serves GET /api/3/credentials (500 a page by default).
func (a *API) listAllCredentials(w http.ResponseWriter, r *http.Request, c *call) error {
	pg := parsePager(r, "per_page", 500, 0)
	page := pg.storePage()
	key := pageKey{account: c.p.AccountID, list: store.ListPeople,
		query: "credentials|" + strconv.Itoa(page.Limit) + "|" + strconv.Itoa(page.Offset)}
	return a.cachedList(w, r, c, key, pg, func() (int, []byte, time.Time, error) {
		cs, total, err := a.st.ListCredentials(r.Context(), c.p.AccountID, nil, page)
		if err != nil {
			return 0, nil, time.Time{}, err
		}
		body, err := json.Marshal(credentialList(cs))
		return total, body, time.Time{}, err
	})
}

// createCredential serves POST /api/3/people/{person_id}/credentials (201).
// The body is {"person_credential": {credential_type_id, value}} (an
// unwrapped body is accepted too). A PIN value of "******" generates a
// unique PIN; mobile types take no value, start "invited" and get a
// one-time invitation (emailed, or its link returned as url). Errors: 404
// for a person not the caller's; 409 with the existing credential when the
// person already holds one of the type; 422 naming the field.
func (a *API) createCredential(w http.ResponseWriter, r *http.Request, c *call) error {
	pid, err := a.personParam(r, c)
	if err != nil {
		return err
	}
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	if obj, err = unwrap(obj, "person_credential"); err != nil {
		return err
	}
	v := &domain.Validation{}
	f := fields{obj: obj, v: v}
	typeID, ok := f.int("credential_type_id")
	if !v.Has("credential_type_id") && (!ok || typeID == nil) {
		v.Add("credential_type_id", "can't be blank")
	}
	raw, hasValue := obj["value"]
	val, good := rawValue(raw)
	if hasValue && !good {
		v.Add("value", "must be a string")
	}
	if err := v.Err(); err != nil {
		return err
	}
	t, err := a.st.GetCredentialType(r.Context(), c.p.AccountID, *typeID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		v.Add("credential_type_id", "Not found for this account")
		return v.Err()
	}
	if err != nil {
		return err
	}
	cred := &domain.Credential{AccountID: c.p.AccountID, PersonID: pid, CredentialTypeID: t.ID, CreatedAt: a.nowMS()}
	var inv *domain.MobileInvitation
	if t.Kind == domain.KindMobile {
		if a.mobileIssue != nil {
			if err := a.mobileIssue(r.Context(), c.p); err != nil {
				return err
			}
		}
		if a.mobile == nil {
			v.Add("credential_type_id", "mobile credentials are not available on this server")
			return v.Err()
		}
		inv, err = a.mobile.Issue(r.Context(), cred)
	} else {
		if val == nil {
			v.Add("value", "can't be blank")
			return v.Err()
		}
		s, msg := checkValue(t, *val)
		if msg != "" {
			v.Add("value", msg)
			return v.Err()
		}
		if s == autoPIN {
			if s, err = uniquePIN(r.Context(), a.st, c.p.AccountID, t.ID); err != nil {
				return err
			}
		}
		cred.Value = &s
		err = a.st.CreateCredential(r.Context(), cred)
	}
	if domain.ErrorCode(err) == domain.ECONFLICT {
		existing, ferr := a.st.FindCredentialByType(r.Context(), c.p.AccountID, pid, t.ID)
		if ferr != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusConflict, newCredentialJSON(existing))
		return nil
	}
	if err != nil {
		return err
	}
	out := newCredentialJSON(cred)
	if inv != nil {
		exp := inv.ExpiresAt.UTC()
		out.InvitationExpiresAt, out.InvitationEmailed = &exp, &inv.Emailed
		if !inv.Emailed {
			out.URL = &inv.URL
		}
	}
	httpx.WriteJSON(w, http.StatusCreated, out)
	return nil
}

// getCredential serves GET /api/3/people/{person_id}/credentials/{id}. Errors: 404.
func (a *API) getCredential(w http.ResponseWriter, r *http.Request, c *call) error {
	pid, err := pathID(r, "person_id", "person")
	if err != nil {
		return err
	}
	cred, err := a.st.GetCredential(r.Context(), c.p.AccountID, pid, credentialUID(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newCredentialJSON(cred))
	return nil
}

// updateCredential serves PUT /api/3/people/{person_id}/credentials/{id}:
// {"person_credential": {"value": ...}} replaces the value ("******"
// regenerates a PIN). DoorFlow answers 201. Errors: 404; 422.
func (a *API) updateCredential(w http.ResponseWriter, r *http.Request, c *call) error {
	pid, err := pathID(r, "person_id", "person")
	if err != nil {
		return err
	}
	cred, err := a.st.GetCredential(r.Context(), c.p.AccountID, pid, credentialUID(r))
	if err != nil {
		return err
	}
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	if obj, err = unwrap(obj, "person_credential"); err != nil {
		return err
	}
	v := &domain.Validation{}
	t, err := a.st.GetCredentialType(r.Context(), c.p.AccountID, cred.CredentialTypeID)
	if err != nil {
		return err
	}
	val, good := rawValue(obj["value"])
	switch {
	case !good:
		v.Add("value", "must be a string")
	case t.Kind == domain.KindMobile:
		v.Add("value", "cannot be set on a mobile credential")
	case val == nil:
		v.Add("value", "can't be blank")
	}
	if err := v.Err(); err != nil {
		return err
	}
	s, msg := checkValue(t, *val)
	if msg != "" {
		v.Add("value", msg)
		return v.Err()
	}
	if s == autoPIN {
		if s, err = uniquePIN(r.Context(), a.st, c.p.AccountID, t.ID); err != nil {
			return err
		}
	}
	updated, err := a.st.UpdateCredentialValue(r.Context(), c.p.AccountID, pid, cred.UID, &s, a.nowMS())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, newCredentialJSON(updated))
	return nil
}

// deleteCredential serves DELETE /api/3/people/{person_id}/credentials/{id}:
// text/plain, 200 for value credentials (deleted) and 202 for mobile ones,
// which are revoked (store.RevokeMobileCredential: invited → revoked at
// once, active → revoking → revoked when the controllers have synced); a
// mobile credential already revoked is deleted (200). Errors: 404.
func (a *API) deleteCredential(w http.ResponseWriter, r *http.Request, c *call) error {
	pid, err := pathID(r, "person_id", "person")
	if err != nil {
		return err
	}
	cred, err := a.st.GetCredential(r.Context(), c.p.AccountID, pid, credentialUID(r))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if cred.Status != nil {
		var removed bool
		if _, removed, err = a.st.RevokeMobileCredential(r.Context(), c.p.AccountID, pid, cred.UID, a.nowMS()); err != nil {
			return err
		}
		if !removed {
			status = http.StatusAccepted
		}
	} else if _, err := a.st.DeleteCredential(r.Context(), c.p.AccountID, pid, cred.UID, a.nowMS()); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("ok"))
	return nil
}
