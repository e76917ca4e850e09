package api

import (
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// applyCredentialType copies label, slug (derived from the label when
// blank), code and, on create, kind (card, fob, pin or mobile) onto t. A
// kind that differs from the stored one on update is a 422: values already
// issued were checked against the old kind.
func applyCredentialType(f fields, t *domain.CredentialType, creating bool) {
	f.name("label", &t.Label, creating)
	var slug *string
	if f.text("slug", &slug, 64) || (creating && slug == nil) {
		t.Slug = ""
		if slug != nil {
			t.Slug = *slug
		}
	}
	if f.has("code") {
		t.Code, _ = f.int("code")
	}
	if s, ok := f.str("kind", false); ok || creating {
		kind := ""
		if s != nil {
			kind = strings.ToLower(strings.TrimSpace(*s))
		}
		switch {
		case f.v.Has("kind"):
		case !creating && kind != t.Kind:
			f.v.Add("kind", "can't be changed")
		case creating:
			t.Kind = kind // CreateCredentialType validates it
		}
	}
}

// createCredentialType serves POST /api/3/credential_types (extension, 201
// CredentialType). Errors: 409 for a duplicate label or slug; 422.
func (a *API) createCredentialType(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := readResource(r, "credential_type")
	if err != nil {
		return err
	}
	t := &domain.CredentialType{AccountID: c.p.AccountID, CreatedAt: a.nowMS()}
	applyCredentialType(f, t, true)
	if err := f.v.Err(); err != nil {
		return err
	}
	if err := a.st.CreateCredentialType(r.Context(), t); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, credentialTypeJSON{ID: t.ID, Label: t.Label, Slug: t.Slug, Code: t.Code})
	return nil
}

// updateCredentialType serves PUT /api/3/credential_types/{id} (extension,
// 200 CredentialType). Renaming the slug renames the person attribute that
// carries its values. Errors: 404; 409; 422.
func (a *API) updateCredentialType(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "credential type")
	if err != nil {
		return err
	}
	t, err := a.st.GetCredentialType(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	f, err := readResource(r, "credential_type")
	if err != nil {
		return err
	}
	applyCredentialType(f, t, false)
	if err := f.v.Err(); err != nil {
		return err
	}
	t.UpdatedAt = a.nowMS()
	if err := a.st.UpdateCredentialType(r.Context(), t); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, credentialTypeJSON{ID: t.ID, Label: t.Label, Slug: t.Slug, Code: t.Code})
	return nil
}

// deleteCredentialType serves DELETE /api/3/credential_types/{id}
// (extension). Errors: 404; 409 while credentials of the type exist.
func (a *API) deleteCredentialType(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "credential type")
	if err != nil {
		return err
	}
	if err := a.st.DeleteCredentialType(r.Context(), c.p.AccountID, id); err != nil {
		return err
	}
	writeOK(w)
	return nil
}
