package lintel

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
	"time"
)

// Person is someone who may open doors.
//
// DoorFlow's quirks are handled here: a person's groups and roles come
// back as id arrays named "groups" and "roles" (while inputs send
// "group_ids" and "role_ids"), and the values of their card, fob and PIN
// credentials are flattened onto the person under each credential type's
// slug ("credentials_number": "1234567890"). Those values are in
// CredentialValues, keyed by slug.
type Person struct {
	ID                int64      `json:"id"`
	FirstName         string     `json:"first_name"`
	LastName          string     `json:"last_name"`
	Salutation        *string    `json:"salutation"`
	JobTitle          *string    `json:"job_title"`
	Email             *string    `json:"email"`
	OrganisationID    *int64     `json:"organisation_id"`
	SystemID          *string    `json:"system_id"`
	Department        *string    `json:"department"`
	Enabled           bool       `json:"enabled"`
	ValidFrom         *time.Time `json:"valid_from"`
	ValidTo           *time.Time `json:"valid_to"`
	ImageURL          *string    `json:"image_url"`
	ImageThumbnailURL *string    `json:"image_thumbnail_url"`
	Telephone         *string    `json:"telephone"`
	Mobile            *string    `json:"mobile"`
	Notes             *string    `json:"notes"`
	Barcode           *string    `json:"barcode"`
	Custom1           *string    `json:"custom_1"`
	Custom2           *string    `json:"custom_2"`
	Custom3           *string    `json:"custom_3"`
	Custom4           *string    `json:"custom_4"`
	Custom5           *string    `json:"custom_5"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	GroupIDs          []int64    `json:"groups"`
	RoleIDs           []int64    `json:"roles"`
	// CredentialValues are the flattened credential values, by credential
	// type slug. Members of other types (numbers, objects) are ignored.
	CredentialValues map[string]string `json:"-"`
}

// UnmarshalJSON reads the fixed fields and collects the string members it
// does not know as CredentialValues.
func (p *Person) UnmarshalJSON(b []byte) error {
	type plain Person
	if err := json.Unmarshal(b, (*plain)(p)); err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	p.CredentialValues = nil
	for k, v := range m {
		if personFields[k] {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			if p.CredentialValues == nil {
				p.CredentialValues = map[string]string{}
			}
			p.CredentialValues[k] = s
		}
	}
	return nil
}

// MarshalJSON writes the person as the API does, credential values
// included.
func (p Person) MarshalJSON() ([]byte, error) {
	type plain Person
	b, err := json.Marshal(plain(p))
	if err != nil || len(p.CredentialValues) == 0 {
		return b, err
	}
	extra := make(map[string]any, len(p.CredentialValues))
	for k, v := range p.CredentialValues {
		if !personFields[k] {
			extra[k] = v
		}
	}
	return mergeJSON(b, extra)
}

// Name returns "First Last".
func (p *Person) Name() string { return p.FirstName + " " + p.LastName }

// personFields are the members of a person that are not credential values.
var personFields = map[string]bool{}

func init() {
	for _, k := range []string{"id", "first_name", "last_name", "salutation", "job_title", "email", "organisation_id",
		"system_id", "department", "enabled", "valid_from", "valid_to", "image_url", "image_thumbnail_url", "telephone",
		"mobile", "notes", "barcode", "custom_1", "custom_2", "custom_3", "custom_4", "custom_5", "created_at",
		"updated_at", "groups", "roles", "group_ids", "role_ids", "image_base64", "image_remote_url", "deleted"} {
		personFields[k] = true
	}
}

// PersonInput is a person to create or the fields to change. Nil fields
// are left out, and on update keep their values; an empty string clears a
// text field. FirstName and LastName are required when creating.
type PersonInput struct {
	FirstName      *string    `json:"first_name,omitempty"`
	LastName       *string    `json:"last_name,omitempty"`
	Salutation     *string    `json:"salutation,omitempty"`
	JobTitle       *string    `json:"job_title,omitempty"`
	Email          *string    `json:"email,omitempty"`
	Department     *string    `json:"department,omitempty"`
	Enabled        *bool      `json:"enabled,omitempty"` // true when left out on create
	ValidFrom      *time.Time `json:"valid_from,omitempty"`
	ValidTo        *time.Time `json:"valid_to,omitempty"`
	ImageBase64    *string    `json:"image_base64,omitempty"`
	ImageRemoteURL *string    `json:"image_remote_url,omitempty"`
	Telephone      *string    `json:"telephone,omitempty"`
	Mobile         *string    `json:"mobile,omitempty"`
	Notes          *string    `json:"notes,omitempty"`
	Barcode        *string    `json:"barcode,omitempty"`
	SystemID       *string    `json:"system_id,omitempty"`
	OrganisationID *int64     `json:"organisation_id,omitempty"`
	Custom1        *string    `json:"custom_1,omitempty"`
	Custom2        *string    `json:"custom_2,omitempty"`
	Custom3        *string    `json:"custom_3,omitempty"`
	Custom4        *string    `json:"custom_4,omitempty"`
	Custom5        *string    `json:"custom_5,omitempty"`
	// GroupIDs replaces the person's groups when not nil; an empty,
	// non-nil slice removes them from every group.
	GroupIDs []int64 `json:"group_ids,omitempty"`
	// RoleIDs replaces the person's direct roles when not nil.
	RoleIDs []int64 `json:"role_ids,omitempty"`
	// CredentialValues set credential values by credential type slug, as
	// DoorFlow allows ("pin": "******" issues a generated PIN).
	CredentialValues map[string]string `json:"-"`
}

// MarshalJSON writes the input unwrapped, as the API documents it, with
// empty (but not nil) GroupIDs and RoleIDs kept, and credential values
// flattened.
func (in PersonInput) MarshalJSON() ([]byte, error) {
	type plain PersonInput
	b, err := json.Marshal(plain(in))
	if err != nil {
		return nil, err
	}
	extra := map[string]any{}
	if in.GroupIDs != nil {
		extra["group_ids"] = in.GroupIDs
	}
	if in.RoleIDs != nil {
		extra["role_ids"] = in.RoleIDs
	}
	if in.ValidFrom != nil {
		extra["valid_from"] = formatTime(*in.ValidFrom)
	}
	if in.ValidTo != nil {
		extra["valid_to"] = formatTime(*in.ValidTo)
	}
	for k, v := range in.CredentialValues {
		if !personFields[k] {
			extra[k] = v
		}
	}
	if len(extra) == 0 {
		return b, nil
	}
	return mergeJSON(b, extra)
}

// PeopleListOptions filter and page the people list.
type PeopleListOptions struct {
	ListOptions
	// Email filters by address. DoorFlow matches parts of addresses, so
	// use PeopleService.FindByEmail for an exact, case-insensitive match.
	Email string
	// SystemID filters by your system's id for the person.
	SystemID string
	// Since keeps people created or changed after this time.
	Since time.Time
}

// PeopleService manages people (scopes account.person.readonly and
// account.person).
type PeopleService struct{ c *Client }

// List returns one page of people (listPeople; 50 per page by default,
// at most 100).
func (s *PeopleService) List(ctx context.Context, opt *PeopleListOptions) ([]*Person, PageInfo, error) {
	o := deref(opt)
	q := url.Values{}
	if o.Email != "" {
		q.Set("email", o.Email)
	}
	if o.SystemID != "" {
		q.Set("system_id", o.SystemID)
	}
	if !o.Since.IsZero() {
		q.Set("since_utc", formatTime(o.Since))
	}
	return listPage[Person](ctx, s.c, "/api/3/people", q, o.ListOptions, "per_page")
}

// All iterates over every person matching opt, page by page.
func (s *PeopleService) All(ctx context.Context, opt *PeopleListOptions) iter.Seq2[*Person, error] {
	o := deref(opt)
	return all(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*Person, PageInfo, error) {
		o.ListOptions = lo
		return s.List(ctx, &o)
	})
}

// FindByEmail returns the person whose address is email, compared without
// regard to case, or a nil person (and nil error) when there is none.
func (s *PeopleService) FindByEmail(ctx context.Context, email string) (*Person, error) {
	for p, err := range s.All(ctx, &PeopleListOptions{Email: email}) {
		if err != nil {
			return nil, err
		}
		if p.Email != nil && equalFoldTrim(*p.Email, email) {
			return p, nil
		}
	}
	return nil, nil
}

// Get returns one person (getPerson).
func (s *PeopleService) Get(ctx context.Context, id int64) (*Person, error) {
	var out Person
	_, err := s.c.call(ctx, &request{method: "GET", path: idPath("people", id)}, &out)
	return ptrOrNil(&out, err)
}

// Create adds a person (createPerson). Validation failures are a 422
// *Error whose Fields say what is wrong.
func (s *PeopleService) Create(ctx context.Context, in *PersonInput) (*Person, error) {
	var out Person
	_, err := s.c.call(ctx, &request{method: "POST", path: "/api/3/people", body: in, want: []int{201}}, &out)
	return ptrOrNil(&out, err)
}

// Update changes the fields set in in (updatePerson; DoorFlow answers 201,
// which the SDK accepts, as it does 200).
func (s *PeopleService) Update(ctx context.Context, id int64, in *PersonInput) (*Person, error) {
	var out Person
	_, err := s.c.call(ctx, &request{method: "PUT", path: idPath("people", id), body: in, want: []int{200, 201}}, &out)
	return ptrOrNil(&out, err)
}

// SetGroups replaces the person's groups (an Update of GroupIDs only).
func (s *PeopleService) SetGroups(ctx context.Context, id int64, groupIDs []int64) (*Person, error) {
	if groupIDs == nil {
		groupIDs = []int64{}
	}
	return s.Update(ctx, id, &PersonInput{GroupIDs: groupIDs})
}

// Delete removes a person (deletePerson). DoorFlow recommends disabling
// people instead, to keep them in reports.
func (s *PeopleService) Delete(ctx context.Context, id int64) error {
	_, err := s.c.call(ctx, &request{method: "DELETE", path: idPath("people", id)}, &deleted{})
	return err
}
