package lintel

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AutoPIN as a PIN credential's value asks the server to generate a
// unique PIN; the created credential carries it.
const AutoPIN = "******"

// Credential is a card, fob, PIN or mobile pass held by a person. Its id
// is a string (a hash id), unlike most ids.
type Credential struct {
	ID               string  `json:"id"`
	CredentialTypeID int64   `json:"credential_type_id"`
	Label            string  `json:"label"` // the credential type's label
	PersonID         int64   `json:"person_id"`
	Value            *string `json:"value"` // nil for mobile passes
	// Status is a mobile pass's state (CredentialInvited, CredentialActive,
	// CredentialRevoking or CredentialRevoked); nil for other credentials.
	Status *string `json:"status"`
	// URL is a mobile pass's one-time activation link, in the answer that
	// issues it when the server did not email it to the holder: a secret,
	// never log it; hand it to the holder.
	URL        *string `json:"url"`
	WalletType *string `json:"wallet_type"` // apple or google, once in a wallet
	// InvitationExpiresAt is when a new mobile pass's activation link
	// stops working (Lintel extension, only in the answer that issues it).
	InvitationExpiresAt *time.Time `json:"invitation_expires_at,omitempty"`
	// InvitationEmailed says whether Lintel emailed the activation link to
	// the holder, in which case URL is nil (Lintel extension, only in the
	// answer that issues a mobile pass).
	InvitationEmailed *bool `json:"invitation_emailed,omitempty"`
}

// The states of a mobile pass (Credential.Status).
const (
	CredentialInvited  = "invited"  // issued; the holder has not activated it, doors ignore it
	CredentialActive   = "active"   // activated; doors decide it like any credential
	CredentialRevoking = "revoking" // revoked; some controller may not know yet, doors refuse it
	CredentialRevoked  = "revoked"  // every live controller has dropped it
)

// StatusIs reports whether the credential is a mobile pass in state
// status (one of the Credential... constants).
func (c *Credential) StatusIs(status string) bool { return c.Status != nil && *c.Status == status }

// CredentialInput is a credential to issue. Value is the card or fob
// number, the PIN (AutoPIN for a generated one), or empty for a mobile
// pass, whose invitation goes to the person's email address.
type CredentialInput struct {
	CredentialTypeID int64
	Value            string
}

// CredentialsService issues and revokes credentials (scopes
// account.person.readonly and account.person). Credentials live under
// their person in the API, so most calls take the person's id.
type CredentialsService struct{ c *Client }

func credPath(personID int64) string { return idPath("people", personID) + "/credentials" }

// List returns one page of a person's credentials (listPersonCredentials).
func (s *CredentialsService) List(ctx context.Context, personID int64, opt *ListOptions) ([]*Credential, PageInfo, error) {
	return listPage[Credential](ctx, s.c, credPath(personID), nil, deref(opt), "per_page")
}

// All iterates over every credential of a person.
func (s *CredentialsService) All(ctx context.Context, personID int64) iter.Seq2[*Credential, error] {
	return all(ctx, ListOptions{}, func(ctx context.Context, o ListOptions) ([]*Credential, PageInfo, error) {
		return s.List(ctx, personID, &o)
	})
}

// ListAll returns one page of every credential of the account
// (listAllCredentials).
func (s *CredentialsService) ListAll(ctx context.Context, opt *ListOptions) ([]*Credential, PageInfo, error) {
	return listPage[Credential](ctx, s.c, "/api/3/credentials", nil, deref(opt), "per_page")
}

// AllOfAccount iterates over every credential of the account.
func (s *CredentialsService) AllOfAccount(ctx context.Context) iter.Seq2[*Credential, error] {
	return all(ctx, ListOptions{}, func(ctx context.Context, o ListOptions) ([]*Credential, PageInfo, error) {
		return s.ListAll(ctx, &o)
	})
}

// Get returns one credential (getCredential).
func (s *CredentialsService) Get(ctx context.Context, personID int64, id string) (*Credential, error) {
	return s.get(ctx, personID, id, nil)
}

func (s *CredentialsService) get(ctx context.Context, personID int64, id string, q url.Values) (*Credential, error) {
	var out Credential
	_, err := s.c.call(ctx, &request{method: "GET", path: credPath(personID) + "/" + url.PathEscape(id), query: q}, &out)
	return ptrOrNil(&out, err)
}

// Create issues a credential to a person (createCredential). A value
// already in use, or a second credential of a type a person may hold once,
// is a 409 *Error whose Credential is the one that exists; an invalid
// value is a 422 *Error.
func (s *CredentialsService) Create(ctx context.Context, personID int64, in CredentialInput) (*Credential, error) {
	body := map[string]any{"credential_type_id": in.CredentialTypeID}
	if in.Value != "" {
		body["value"] = in.Value
	}
	var out Credential
	_, err := s.c.call(ctx, &request{method: "POST", path: credPath(personID),
		body: map[string]any{"person_credential": body}, want: []int{201}}, &out)
	return ptrOrNil(&out, err)
}

// Update sets a credential's value (updateCredential; DoorFlow answers
// 201, which the SDK accepts, as it does 200).
func (s *CredentialsService) Update(ctx context.Context, personID int64, id, value string) (*Credential, error) {
	var out Credential
	_, err := s.c.call(ctx, &request{method: "PUT", path: credPath(personID) + "/" + url.PathEscape(id),
		body: map[string]any{"person_credential": map[string]string{"value": value}}, want: []int{200, 201}}, &out)
	return ptrOrNil(&out, err)
}

// Delete revokes a credential (deleteCredential). pending is true when the
// server accepted the revocation but finishes it later (202, mobile
// passes: an invited pass becomes revoked at once, an active one revoking
// until every controller has dropped it; deleting a revoked pass removes
// it, 200).
func (s *CredentialsService) Delete(ctx context.Context, personID int64, id string) (pending bool, err error) {
	resp, err := s.c.do(ctx, &request{method: "DELETE", path: credPath(personID) + "/" + url.PathEscape(id),
		want: []int{http.StatusOK, http.StatusAccepted, http.StatusNoContent}})
	if err != nil {
		return false, err
	}
	return resp.status == http.StatusAccepted, nil
}

// CredentialType is a kind of credential the account uses. Its Slug names
// the member that carries such credentials' values on a person.
type CredentialType struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
	Slug  string `json:"slug"`
	Code  *int64 `json:"code"`
}

// Kind guesses from the label and slug what the type is, since the API
// does not say: "pin", "mobile" (also passes, HID and PassFlow), "fob", or
// otherwise "card".
func (t *CredentialType) Kind() string {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(t.Label+" "+t.Slug), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	}) {
		words[w] = true
	}
	has := func(ws ...string) bool {
		for _, w := range ws {
			if words[w] {
				return true
			}
		}
		return false
	}
	switch {
	case has("pin", "pins", "pincode", "keypad"):
		return "pin"
	case has("mobile", "pass", "passflow", "hid", "wallet", "phone"):
		return "mobile"
	case has("fob", "fobs", "keyfob"):
		return "fob"
	}
	return "card"
}

// CredentialTypeInput is a credential type to create or the fields to
// change (Lintel extension).
type CredentialTypeInput struct {
	Label *string `json:"label,omitempty"`
	Slug  *string `json:"slug,omitempty"`
	Kind  *string `json:"kind,omitempty"` // card, fob, pin or mobile; required when creating, fixed after
	Code  *int64  `json:"code,omitempty"`
}

// CredentialTypesService reads credential types; writing them is a Lintel
// extension (scope account.credential_type).
type CredentialTypesService struct{ c *Client }

// List returns one page of credential types (listCredentialTypes).
func (s *CredentialTypesService) List(ctx context.Context, opt *ListOptions) ([]*CredentialType, PageInfo, error) {
	return listPage[CredentialType](ctx, s.c, "/api/3/credential_types", nil, deref(opt), "per_page")
}

// All iterates over every credential type.
func (s *CredentialTypesService) All(ctx context.Context) iter.Seq2[*CredentialType, error] {
	return all(ctx, ListOptions{}, func(ctx context.Context, o ListOptions) ([]*CredentialType, PageInfo, error) {
		return s.List(ctx, &o)
	})
}

// Create adds a credential type (createCredentialType, a Lintel extension).
func (s *CredentialTypesService) Create(ctx context.Context, in *CredentialTypeInput) (*CredentialType, error) {
	var out CredentialType
	_, err := s.c.call(ctx, &request{method: "POST", path: "/api/3/credential_types", body: in, want: []int{201}}, &out)
	return ptrOrNil(&out, err)
}

// Update changes a credential type (updateCredentialType, a Lintel
// extension).
func (s *CredentialTypesService) Update(ctx context.Context, id int64, in *CredentialTypeInput) (*CredentialType, error) {
	var out CredentialType
	_, err := s.c.call(ctx, &request{method: "PUT", path: idPath("credential_types", id), body: in}, &out)
	return ptrOrNil(&out, err)
}

// Delete removes a credential type (deleteCredentialType, a Lintel
// extension); 409 while credentials of the type exist.
func (s *CredentialTypesService) Delete(ctx context.Context, id int64) error {
	_, err := s.c.call(ctx, &request{method: "DELETE", path: idPath("credential_types", id)}, &deleted{})
	return err
}
