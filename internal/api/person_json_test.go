package api

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// personJSON is the person object as encoding/json writes it, the
// reference appendJSON must match byte for byte.
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

func referencePersonJSON(v personView) []byte {
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
		panic(err)
	}
	var buf bytes.Buffer
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
	return buf.Bytes()
}

// TestAppendPersonMatchesEncodingJSON checks the hand-written encoder
// against encoding/json on plain and awkward values: escapes, HTML
// characters, U+2028, invalid UTF-8, nulls, empty and filled lists.
func TestAppendPersonMatchesEncodingJSON(t *testing.T) {
	s := func(v string) *string { return &v }
	n := int64(42)
	at := time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.FixedZone("x", 3600))
	types := []*domain.CredentialType{{ID: 1, Slug: "credentials_number", Kind: domain.KindCard}, {ID: 2, Slug: "pin", Kind: domain.KindPIN},
		{ID: 3, Slug: "mobile_pass", Kind: domain.KindMobile}, {ID: 4, Slug: "odd<slug>", Kind: domain.KindFob}}
	awkward := []string{"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\x01", "café ☕", "line\u2028sep\u2029",
		"bad \xff utf8", "emoji 😀", "\x7f del"}
	for i, str := range awkward {
		p := &domain.Person{ID: int64(i + 1), FirstName: str, LastName: "L" + str, Enabled: i%2 == 0, CreatedAt: at, UpdatedAt: at.Add(time.Hour)}
		if i%2 == 1 {
			p.Salutation, p.JobTitle, p.Email, p.SystemID, p.Department = s(str), s(str), s(str), s(str), s(str)
			p.Telephone, p.Mobile, p.Notes, p.Barcode, p.ImageURL = s(str), s(str), s(str), s(str), s(str)
			p.Custom = [5]*string{s(str), nil, s("c3"), nil, s(str)}
			p.OrganisationID, p.ValidFrom, p.ValidTo = &n, &at, &at
			p.GroupIDs, p.RoleIDs = []int64{3, 1, 99}, []int64{7}
		} else {
			p.GroupIDs, p.RoleIDs = []int64{}, nil
		}
		creds := map[int64]*domain.Credential{1: {Value: s(str)}, 3: {Value: s("ignored")}, 4: {Value: s("<fob>")}}
		if i%3 == 0 {
			creds[2] = &domain.Credential{Value: s("1234")}
		}
		v := personView{p: p, types: types, creds: creds}
		got, want := v.appendJSON(nil), referencePersonJSON(v)
		if !bytes.Equal(got, want) {
			t.Errorf("person %d:\n got %s\nwant %s", i, got, want)
		}
		if !json.Valid(got) {
			t.Errorf("person %d: invalid JSON %s", i, got)
		}
	}
}
