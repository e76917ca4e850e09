package api

import (
	"bytes"
	"encoding/json"

	"github.com/lintel-dev/lintel/internal/domain"
)

type personJSON struct {
	ID                int64   `json:"id"`
	FirstName         string  `json:"first_name"`
	LastName          string  `json:"last_name"`
	Salutation        *string `json:"salutation"`
	JobTitle          *string `json:"job_title"`
	Email             *string `json:"email"`
	OrganisationID    *int64  `json:"organisation_id"`
	SystemID          *string `json:"system_id"`
	Department        *string `json:"department"`
	Enabled           bool    `json:"enabled"`
	ValidFrom         *string `json:"valid_from"`
	ValidTo           *string `json:"valid_to"`
	ImageURL          *string `json:"image_url"`
	ImageThumbnailURL *string `json:"image_thumbnail_url"`
	Telephone         *string `json:"telephone"`
	Mobile            *string `json:"mobile"`
	Notes             *string `json:"notes"`
	Barcode           *string `json:"barcode"`
	Custom1           *string `json:"custom_1"`
	Custom2           *string `json:"custom_2"`
	Custom3           *string `json:"custom_3"`
	Custom4           *string `json:"custom_4"`
	Custom5           *string `json:"custom_5"`
	CreatedAt         string  `json:"created_at"`
	UpdatedAt         string  `json:"updated_at"`
	Groups            []int64 `json:"groups"`
	Roles             []int64 `json:"roles"`
}

// personView is a person with the values of their credentials flattened
// onto it under each credential type's slug, as DoorFlow does. A slug the
// person holds no value for is left out (the contract's extra members are
// not nullable); mobile credentials have no value and are left out too.
type personView struct {
	p     *domain.Person
	types []*domain.CredentialType
	creds map[int64]*domain.Credential // by credential type id
}

// MarshalJSON writes the fixed fields, then one member per slug.
func (v personView) MarshalJSON() ([]byte, error) {
	p := v.p
	groups, roles := p.GroupIDs, p.RoleIDs
	if groups == nil {
		groups = []int64{}
	}
	if roles == nil {
		roles = []int64{}
	}
	base, err := json.Marshal(personJSON{
		ID: p.ID, FirstName: p.FirstName, LastName: p.LastName, Salutation: p.Salutation, JobTitle: p.JobTitle,
		Email: p.Email, OrganisationID: p.OrganisationID, SystemID: p.SystemID, Department: p.Department,
		Enabled: p.Enabled, ValidFrom: formatTimePtr(p.ValidFrom), ValidTo: formatTimePtr(p.ValidTo),
		ImageURL: p.ImageURL, ImageThumbnailURL: p.ImageURL, Telephone: p.Telephone, Mobile: p.Mobile,
		Notes: p.Notes, Barcode: p.Barcode, Custom1: p.Custom[0], Custom2: p.Custom[1], Custom3: p.Custom[2],
		Custom4: p.Custom[3], Custom5: p.Custom[4], CreatedAt: formatTime(p.CreatedAt), UpdatedAt: formatTime(p.UpdatedAt),
		Groups: groups, Roles: roles,
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(base) + 32*len(v.types))
	buf.Write(base[:len(base)-1])
	for _, t := range v.types {
		if t.Kind == domain.KindMobile {
			continue
		}
		c := v.creds[t.ID]
		if c == nil || c.Value == nil {
			continue
		}
		key, _ := json.Marshal(t.Slug)
		val, _ := json.Marshal(*c.Value)
		buf.WriteByte(',')
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(val)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// personViews pairs people with their credentials (all of one account).
func personViews(people []*domain.Person, types []*domain.CredentialType, creds []*domain.Credential) []personView {
	byPerson := make(map[int64]map[int64]*domain.Credential, len(people))
	for _, c := range creds {
		m := byPerson[c.PersonID]
		if m == nil {
			m = map[int64]*domain.Credential{}
			byPerson[c.PersonID] = m
		}
		m[c.CredentialTypeID] = c
	}
	out := make([]personView, 0, len(people))
	for _, p := range people {
		out = append(out, personView{p: p, types: types, creds: byPerson[p.ID]})
	}
	return out
}
