package api

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// personFieldNames are the writable person attributes, snake_case.
var personFieldNames = []string{
	"first_name", "last_name", "salutation", "job_title", "email", "department", "enabled", "valid_from", "valid_to",
	"image_base64", "image_remote_url", "telephone", "mobile", "notes", "barcode", "system_id", "organisation_id",
	"custom_1", "custom_2", "custom_3", "custom_4", "custom_5", "group_ids", "role_ids", "deleted",
}

// camelAliases maps the camelCase spelling the official SDK sends
// ("firstName", "custom1", "imageRemoteUrl") to the snake_case name.
var camelAliases = func() map[string]string {
	m := map[string]string{}
	for _, n := range personFieldNames {
		var b strings.Builder
		up := false
		for _, r := range n {
			if r == '_' {
				up = true
				continue
			}
			if up && unicode.IsLetter(r) {
				r = unicode.ToUpper(r)
			}
			up = false
			b.WriteRune(r)
		}
		if c := b.String(); c != n {
			m[c] = n
		}
	}
	return m
}()

var isPersonField = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range personFieldNames {
		m[n] = true
	}
	return m
}()

// personInput is a person body reduced to known attributes (snake_case)
// and credential values keyed by credential type.
type personInput struct {
	f     fields
	creds map[*domain.CredentialType]any // raw value per type
	photo *store.PersonImage             // an image_base64 photo to store, once validated
}

// parsePersonInput normalises a create/update body: an optional "person"
// wrapper, camelCase duplicates (snake_case wins), the legacy "groups"
// list, and keys equal to a credential type's slug. Other keys are ignored.
func parsePersonInput(obj map[string]any, types []*domain.CredentialType, v *domain.Validation) (*personInput, error) {
	obj, err := unwrap(obj, "person")
	if err != nil {
		return nil, err
	}
	bySlug := make(map[string]*domain.CredentialType, len(types))
	for _, t := range types {
		bySlug[t.Slug] = t
	}
	norm := make(map[string]any, len(obj))
	in := &personInput{f: fields{obj: norm, v: v}, creds: map[*domain.CredentialType]any{}}
	for k, val := range obj {
		switch {
		case isPersonField[k]:
			norm[k] = val
		case bySlug[k] != nil:
			in.creds[bySlug[k]] = val
		}
	}
	for k, val := range obj {
		if snake, ok := camelAliases[k]; ok {
			if _, dup := norm[snake]; !dup {
				norm[snake] = val
			}
		}
	}
	// A Person as returned by GET lists group ids under "groups" (legacy
	// API v2 used objects with an id); accept it when group_ids is absent.
	if _, ok := norm["group_ids"]; !ok {
		if g, ok := obj["groups"].([]any); ok {
			ids := make([]any, 0, len(g))
			for _, item := range g {
				if m, ok := item.(map[string]any); ok {
					item = m["id"]
				}
				ids = append(ids, item)
			}
			norm["group_ids"] = ids
		}
	}
	return in, nil
}

// maxLen is the longest value a text attribute may hold.
func maxLen(field string) int {
	if field == "notes" {
		return 10000
	}
	return 255
}

// text reads a nullable text attribute into *dst when present.
func (in *personInput) text(name string, dst **string) {
	s, ok := in.f.str(name, true)
	if !ok || in.f.v.Has(name) {
		return
	}
	if s != nil && utf8.RuneCountInString(*s) > maxLen(name) {
		in.f.v.Add(name, "is too long")
		return
	}
	*dst = s
}

// apply copies the present attributes onto p, recording validation
// messages. It reports whether group_ids and role_ids were given. When
// creating, first and last names are required.
func (in *personInput) apply(p *domain.Person, loc *time.Location, creating bool) (setGroups, setRoles bool) {
	f, v := in.f, in.f.v
	for _, n := range []struct {
		name string
		dst  *string
	}{{"first_name", &p.FirstName}, {"last_name", &p.LastName}} {
		s, ok := f.str(n.name, false)
		switch {
		case v.Has(n.name):
		case !ok:
			if creating {
				v.Add(n.name, "can't be blank")
			}
		case s == nil || strings.TrimSpace(*s) == "":
			v.Add(n.name, "can't be blank")
		case utf8.RuneCountInString(*s) > 255:
			v.Add(n.name, "is too long")
		default:
			*n.dst = strings.TrimSpace(*s)
		}
	}
	in.text("salutation", &p.Salutation)
	in.text("job_title", &p.JobTitle)
	in.text("department", &p.Department)
	in.text("telephone", &p.Telephone)
	in.text("mobile", &p.Mobile)
	in.text("notes", &p.Notes)
	in.text("barcode", &p.Barcode)
	for i := range p.Custom {
		in.text("custom_"+string(rune('1'+i)), &p.Custom[i])
	}
	if s, ok := f.str("system_id", true); ok && !v.Has("system_id") {
		if s != nil && strings.TrimSpace(*s) == "" {
			s = nil
		}
		if s != nil && len(*s) > 255 {
			v.Add("system_id", "is too long")
		} else {
			p.SystemID = s
		}
	}
	if s, ok := f.str("email", false); ok && !v.Has("email") {
		if s != nil {
			e := strings.TrimSpace(*s)
			s = &e
			if e == "" {
				s = nil
			}
		}
		if s != nil && !validEmail(*s) {
			v.Add("email", "is invalid")
		} else {
			p.Email = s
		}
	}
	if b, ok := f.bool("enabled"); ok && !v.Has("enabled") {
		p.Enabled = b
	}
	f.bool("deleted") // type-checked only: DoorFlow reserves it for internal use
	if n, ok := f.int("organisation_id"); ok && !v.Has("organisation_id") {
		p.OrganisationID = n
	}
	if t, ok := f.time("valid_from", loc); ok && !v.Has("valid_from") {
		p.ValidFrom = t
	}
	if t, ok := f.time("valid_to", loc); ok && !v.Has("valid_to") {
		p.ValidTo = t
	}
	if p.ValidFrom != nil && p.ValidTo != nil && !p.ValidTo.After(*p.ValidFrom) {
		v.Add("valid_to", "must be after valid_from")
	}
	// Images: image_base64 is a photo Lintel stores (see decodePhoto),
	// image_remote_url a URL it keeps as given; "" or null removes either.
	b64, hasB64 := f.str("image_base64", false)
	_, hasRemote := in.f.obj["image_remote_url"]
	if hasB64 && !v.Has("image_base64") {
		switch {
		case hasRemote && b64 != nil && *b64 != "":
			v.Add("image_base64", "give image_base64 or image_remote_url, not both")
		case b64 == nil || *b64 == "":
			p.ImageURL = nil
		default:
			img, msg := decodePhoto(*b64, time.Now().UTC())
			if msg != "" {
				v.Add("image_base64", msg)
			} else {
				in.photo = img
			}
		}
	}
	if s, ok := f.str("image_remote_url", false); ok && !v.Has("image_remote_url") && in.photo == nil {
		switch {
		case s == nil || *s == "":
			p.ImageURL = nil
		case !strings.HasPrefix(*s, "https://") && !strings.HasPrefix(*s, "http://"):
			v.Add("image_remote_url", "must be an http or https URL")
		case len(*s) > 2048:
			v.Add("image_remote_url", "is too long")
		default:
			p.ImageURL = s
		}
	}
	if ids, ok := f.ids("group_ids"); ok && !v.Has("group_ids") {
		p.GroupIDs, setGroups = ids, true
	}
	if ids, ok := f.ids("role_ids"); ok && !v.Has("role_ids") {
		p.RoleIDs, setRoles = ids, true
	}
	return setGroups, setRoles
}

// validEmail accepts a bare address ("jane@example.com").
func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}
