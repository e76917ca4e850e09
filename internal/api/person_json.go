package api

import (
	"strconv"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// personView is a person with the values of their credentials flattened
// onto it under each credential type's slug, as DoorFlow does. A slug the
// person holds no value for is left out (the contract's extra members are
// not nullable); mobile credentials have no value and are left out too.
type personView struct {
	p     *domain.Person
	types []*domain.CredentialType
	creds map[int64]*domain.Credential // by credential type id
	base  string                       // the public base URL, for stored photos
}

// MarshalJSON writes the fixed fields, then one member per slug.
func (v personView) MarshalJSON() ([]byte, error) {
	return v.appendJSON(nil), nil
}

// appendJSON appends the person's JSON object to b: the members of
// personJSON in its order, then one member per slug.
func (v personView) appendJSON(b []byte) []byte {
	p := v.p
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = append(b, `,"first_name":`...)
	b = appendString(b, p.FirstName)
	b = append(b, `,"last_name":`...)
	b = appendString(b, p.LastName)
	b = append(b, `,"salutation":`...)
	b = appendStringPtr(b, p.Salutation)
	b = append(b, `,"job_title":`...)
	b = appendStringPtr(b, p.JobTitle)
	b = append(b, `,"email":`...)
	b = appendStringPtr(b, p.Email)
	b = append(b, `,"organisation_id":`...)
	b = appendInt64Ptr(b, p.OrganisationID)
	b = append(b, `,"system_id":`...)
	b = appendStringPtr(b, p.SystemID)
	b = append(b, `,"department":`...)
	b = appendStringPtr(b, p.Department)
	b = append(b, `,"enabled":`...)
	b = strconv.AppendBool(b, p.Enabled)
	b = append(b, `,"valid_from":`...)
	b = appendTimePtr(b, p.ValidFrom)
	b = append(b, `,"valid_to":`...)
	b = appendTimePtr(b, p.ValidTo)
	if key, ok := store.IsStoredImage(p.ImageURL); ok {
		// A stored photo: absolute URLs of it and of its thumbnail.
		b = append(b, `,"image_url":`...)
		b = appendString(b, v.base+store.PersonImagePath(key))
		b = append(b, `,"image_thumbnail_url":`...)
		b = appendString(b, v.base+store.PersonImagePath(key)+"/thumbnail")
	} else {
		b = append(b, `,"image_url":`...)
		b = appendStringPtr(b, p.ImageURL)
		b = append(b, `,"image_thumbnail_url":`...)
		b = appendStringPtr(b, p.ImageURL)
	}
	b = append(b, `,"telephone":`...)
	b = appendStringPtr(b, p.Telephone)
	b = append(b, `,"mobile":`...)
	b = appendStringPtr(b, p.Mobile)
	b = append(b, `,"notes":`...)
	b = appendStringPtr(b, p.Notes)
	b = append(b, `,"barcode":`...)
	b = appendStringPtr(b, p.Barcode)
	for i, key := range [5]string{`,"custom_1":`, `,"custom_2":`, `,"custom_3":`, `,"custom_4":`, `,"custom_5":`} {
		b = append(b, key...)
		b = appendStringPtr(b, p.Custom[i])
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, p.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, p.UpdatedAt)
	b = append(b, `,"groups":`...)
	b = appendIDs(b, p.GroupIDs)
	b = append(b, `,"roles":`...)
	b = appendIDs(b, p.RoleIDs)
	for _, t := range v.types {
		if t.Kind == domain.KindMobile {
			continue
		}
		c := v.creds[t.ID]
		if c == nil || c.Value == nil {
			continue
		}
		b = append(b, ',')
		b = appendString(b, t.Slug)
		b = append(b, ':')
		b = appendString(b, *c.Value)
	}
	return append(b, '}')
}

// appendPeople appends a JSON array of the views to b.
func appendPeople(b []byte, views []personView) []byte {
	b = append(b, '[')
	for i, v := range views {
		if i > 0 {
			b = append(b, ',')
		}
		b = v.appendJSON(b)
	}
	return append(b, ']')
}

// personViews pairs people with their credentials (all of one account).
// base is the public base URL stored photos' paths are appended to.
func personViews(base string, people []*domain.Person, types []*domain.CredentialType, creds []*domain.Credential) []personView {
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
		out = append(out, personView{p: p, types: types, creds: byPerson[p.ID], base: base})
	}
	return out
}
