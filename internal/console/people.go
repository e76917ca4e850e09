package console

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/photo"
	"github.com/lintel-dev/lintel/internal/store"
)

// peoplePageSize is how many people one page of the list shows.
const peoplePageSize = 50

// peoplePage is GET /people (q: search, after: the last id of the previous
// page). The list pages by id, so every page costs the same.
func (c *Console) peoplePage(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	search := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(search) > 200 {
		search = search[:200]
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	people, err := c.st.SearchPeople(ctx, q.acct.ID, search, max(after, 0), peoplePageSize+1)
	if err != nil {
		return err
	}
	var next int64
	if len(people) > peoplePageSize {
		people = people[:peoplePageSize]
		next = people[len(people)-1].ID
	}
	groups, err := c.groupNames(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, q, "people", fragment(r), map[string]any{"Title": "People", "People": people,
		"Search": search, "Next": next, "After": after, "Groups": groups})
	return nil
}

// groupNames maps the account's group ids to names.
func (c *Console) groupNames(ctx context.Context, accountID int64) (map[int64]string, error) {
	gs, err := c.st.ListGroups(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(gs))
	for _, g := range gs {
		out[g.ID] = g.Name
	}
	return out, nil
}

// personForm is the person form's values, as typed.
type personForm struct {
	FirstName, LastName, Email, JobTitle, Department, Telephone, Notes string
	ValidFrom, ValidTo                                                 string
	Enabled                                                            bool
	GroupIDs                                                           []int64
}

func formOf(p *domain.Person, loc *time.Location) personForm {
	f := personForm{FirstName: p.FirstName, LastName: p.LastName, Enabled: p.Enabled, GroupIDs: p.GroupIDs}
	for dst, src := range map[*string]*string{&f.Email: p.Email, &f.JobTitle: p.JobTitle, &f.Department: p.Department,
		&f.Telephone: p.Telephone, &f.Notes: p.Notes} {
		if src != nil {
			*dst = *src
		}
	}
	if p.ValidFrom != nil {
		f.ValidFrom = p.ValidFrom.In(loc).Format("2006-01-02")
	}
	if p.ValidTo != nil {
		f.ValidTo = p.ValidTo.In(loc).Format("2006-01-02")
	}
	return f
}

// readPersonForm reads the posted person form.
func readPersonForm(r *http.Request) personForm {
	f := personForm{}
	get := func(k string, n int) string {
		s := strings.TrimSpace(r.PostFormValue(k))
		if len(s) > n {
			s = s[:n]
		}
		return s
	}
	f.FirstName, f.LastName, f.Email = get("first_name", 200), get("last_name", 200), get("email", 320)
	f.JobTitle, f.Department, f.Telephone, f.Notes = get("job_title", 200), get("department", 200), get("telephone", 50), get("notes", 2000)
	f.ValidFrom, f.ValidTo = get("valid_from", 10), get("valid_to", 10)
	f.Enabled = r.PostFormValue("enabled") == "on"
	for _, s := range r.PostForm["group_id"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			f.GroupIDs = append(f.GroupIDs, id)
		}
	}
	return f
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// apply checks the form and copies it onto p: first and last name
// required, a plausible email, dates as YYYY-MM-DD in the account's time
// zone (valid to the end of the "to" day), "from" not after "to".
func (f personForm) apply(p *domain.Person, loc *time.Location) error {
	v := &domain.Validation{}
	if f.FirstName == "" {
		v.Add("first_name", "can't be blank")
	}
	if f.LastName == "" {
		v.Add("last_name", "can't be blank")
	}
	if f.Email != "" && (!strings.Contains(f.Email, "@") || strings.ContainsAny(f.Email, " \t<>")) {
		v.Add("email", "is not an email address")
	}
	day := func(field, s string, end bool) *time.Time {
		if s == "" {
			return nil
		}
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			v.Add(field, "must be a date (YYYY-MM-DD)")
			return nil
		}
		if end {
			t = t.AddDate(0, 0, 1).Add(-time.Second)
		}
		return &t
	}
	from, to := day("valid_from", f.ValidFrom, false), day("valid_to", f.ValidTo, true)
	if from != nil && to != nil && to.Before(*from) {
		v.Add("valid_to", "must not be before valid from")
	}
	if err := v.Err(); err != nil {
		return err
	}
	p.FirstName, p.LastName, p.Email = f.FirstName, f.LastName, optional(f.Email)
	p.JobTitle, p.Department, p.Telephone, p.Notes = optional(f.JobTitle), optional(f.Department), optional(f.Telephone), optional(f.Notes)
	p.ValidFrom, p.ValidTo, p.Enabled = from, to, f.Enabled
	p.GroupIDs = f.GroupIDs
	if p.GroupIDs == nil {
		p.GroupIDs = []int64{}
	}
	return nil
}

// personNew is GET /people/new.
func (c *Console) personNew(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.renderPersonForm(w, r, q, http.StatusOK, nil, personForm{Enabled: true}, "")
}

func (c *Console) renderPersonForm(w http.ResponseWriter, r *http.Request, q *req, status int, p *domain.Person, f personForm, msg string) error {
	groups, err := c.st.ListGroups(r.Context(), q.acct.ID)
	if err != nil {
		return err
	}
	title := "New person"
	if p != nil {
		title = p.FirstName + " " + p.LastName
	}
	c.render(w, status, q, "person_form", "", map[string]any{"Title": title, "Person": p, "Form": f, "AllGroups": groups, "Error": msg})
	return nil
}

// personCreate is POST /people.
func (c *Console) personCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	f := readPersonForm(r)
	p := &domain.Person{AccountID: q.acct.ID, CreatedAt: c.now().UTC().Truncate(time.Millisecond)}
	img, msg := readPhoto(r, p.CreatedAt)
	if msg != "" {
		return c.renderPersonForm(w, r, q, http.StatusUnprocessableEntity, nil, f, msg)
	}
	err := f.apply(p, q.loc)
	if err == nil {
		err = c.st.InTx(ctx, func(tx *store.Store) error {
			if err := tx.CreatePerson(ctx, p); err != nil || img == nil {
				return err
			}
			return tx.SetPersonImage(ctx, p, img)
		})
	}
	if code := domain.ErrorCode(err); code == domain.EINVALID || code == domain.ECONFLICT {
		return c.renderPersonForm(w, r, q, http.StatusUnprocessableEntity, nil, f, describe(err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/people/"+strconv.FormatInt(p.ID, 10))
}

// personUpdate is POST /people/{id}: the edit form, or action=delete.
func (c *Console) personUpdate(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "person")
	if err != nil {
		return err
	}
	p, err := c.st.GetPerson(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	if r.PostFormValue("action") == "delete" {
		if err := c.st.DeletePerson(r.Context(), q.acct.ID, id); err != nil {
			return err
		}
		return seeOther(w, r, "/people")
	}
	ctx := r.Context()
	f := readPersonForm(r)
	now := c.now().UTC().Truncate(time.Millisecond)
	img, msg := readPhoto(r, now)
	if msg != "" {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, &f, msg, "")
	}
	err = f.apply(p, q.loc)
	if err == nil {
		p.UpdatedAt = now
		if img == nil && r.PostFormValue("remove_photo") != "" {
			p.ImageURL = nil
		}
		err = c.st.InTx(ctx, func(tx *store.Store) error {
			if err := tx.UpdatePerson(ctx, p, true, false); err != nil {
				return err
			}
			if img != nil {
				return tx.SetPersonImage(ctx, p, img)
			}
			return tx.DropStaleImage(ctx, p) // the photo just removed, if any
		})
	}
	if code := domain.ErrorCode(err); code == domain.EINVALID || code == domain.ECONFLICT {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, &f, describe(err), "")
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/people/"+strconv.FormatInt(p.ID, 10))
}

// readPhoto returns the photo uploaded with a person form (field photo),
// checked as the API checks image_base64 (package photo): nil when no
// file was chosen, or a message for the form when the file is refused.
func readPhoto(r *http.Request, at time.Time) (*store.PersonImage, string) {
	f, _, err := r.FormFile("photo")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, ""
	}
	if err != nil {
		return nil, "The photo could not be read: choose the file again."
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, photo.MaxBytes+1))
	if err != nil {
		return nil, "The photo could not be read: choose the file again."
	}
	ph, msg := photo.Decode(data)
	if ph == nil {
		return nil, "The photo " + msg + "."
	}
	return store.NewPersonImage(ph, at), ""
}

// personPage is GET /people/{id}: the person's form, credentials and events.
func (c *Console) personPage(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "person")
	if err != nil {
		return err
	}
	p, err := c.st.GetPerson(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	return c.renderPerson(w, r, q, http.StatusOK, p, nil, "", "")
}

// renderPerson shows a person; form holds rejected input, issued a PIN
// just chosen (shown once).
func (c *Console) renderPerson(w http.ResponseWriter, r *http.Request, q *req, status int, p *domain.Person, form *personForm, msg, notice string) error {
	ctx := r.Context()
	f := formOf(p, q.loc)
	if form != nil {
		f = *form
	}
	groups, err := c.st.ListGroups(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	creds, err := c.st.CredentialsOfPeople(ctx, q.acct.ID, []int64{p.ID})
	if err != nil {
		return err
	}
	types, _, err := c.st.ListCredentialTypes(ctx, q.acct.ID, store.Page{})
	if err != nil {
		return err
	}
	events, err := c.st.EventLog(ctx, q.acct.ID, store.LogFilter{PersonID: p.ID, Limit: 20})
	if err != nil {
		return err
	}
	kinds := map[int64]string{}
	for _, t := range types {
		kinds[t.ID] = t.Kind
	}
	shown := map[string]string{} // PINs are secrets: shown once when issued, masked after
	for _, cr := range creds {
		switch {
		case cr.Value == nil:
		case kinds[cr.CredentialTypeID] == domain.KindPIN:
			shown[cr.UID] = domain.AutoPIN // the PIN itself is shown once, when issued
		default:
			shown[cr.UID] = *cr.Value
		}
	}
	photo := "" // a stored photo, served by this server (the CSP allows no other images)
	if key, ok := store.IsStoredImage(p.ImageURL); ok {
		photo = store.PersonImagePath(key)
	}
	data := map[string]any{"Shown": shown, "Title": p.FirstName + " " + p.LastName, "Person": p, "Form": f, "Photo": photo,
		"AllGroups": groups, "Credentials": creds, "Types": types, "Events": events, "Error": msg, "Notice": notice}
	if fragment(r) == "" {
		if err := c.personReservations(ctx, q, p, data); err != nil {
			return err
		}
	}
	c.render(w, status, q, "person", fragment(r), data)
	return nil
}

// credentialCreate is POST /people/{id}/credentials (credential_type_id,
// value; a PIN type with an empty value or ****** gets a random PIN).
func (c *Console) credentialCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	id, err := pathID(r, "person")
	if err != nil {
		return err
	}
	p, err := c.st.GetPerson(ctx, q.acct.ID, id)
	if err != nil {
		return err
	}
	typeID, _ := strconv.ParseInt(r.PostFormValue("credential_type_id"), 10, 64)
	t, err := c.st.GetCredentialType(ctx, q.acct.ID, typeID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, "Choose a credential type.", "")
	}
	if err != nil {
		return err
	}
	cred := &domain.Credential{AccountID: q.acct.ID, PersonID: p.ID, CredentialTypeID: t.ID, CreatedAt: c.now().UTC().Truncate(time.Millisecond)}
	value := strings.TrimSpace(r.PostFormValue("value"))
	notice := ""
	switch {
	case t.Kind == domain.KindMobile:
		if c.mobile == nil {
			return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, "Mobile credentials are not available on this server.", "")
		}
	case t.Kind == domain.KindPIN && (value == "" || value == domain.AutoPIN):
		pin, err := c.st.UniquePIN(ctx, q.acct.ID, t.ID)
		if err != nil {
			return err
		}
		cred.Value = &pin
		notice = "PIN issued: " + pin + ". Give it to " + p.FirstName + " now."
	default:
		s, msg := t.CheckValue(value)
		if value == "" {
			msg = "Enter the number of the card or fob."
		}
		if msg != "" {
			return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, t.Label+": "+msg, "")
		}
		cred.Value = &s
	}
	if t.Kind == domain.KindMobile {
		var inv *domain.MobileInvitation
		if inv, err = c.mobile(ctx, cred); err == nil {
			// The link is shown on this answer only, never put in a URL.
			notice = invitationNotice(p, inv, q.loc)
		}
	} else {
		err = c.st.CreateCredential(ctx, cred)
	}
	if code := domain.ErrorCode(err); code == domain.EINVALID || code == domain.ECONFLICT {
		msg := describe(err)
		if code == domain.ECONFLICT {
			msg = p.FirstName + " already holds a " + t.Label + " credential: revoke it first."
		}
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, msg, "")
	}
	if err != nil {
		return err
	}
	if notice != "" { // a PIN is shown once, on this answer, never stored in a URL
		return c.renderPerson(w, r, q, http.StatusOK, p, nil, "", notice)
	}
	return seeOther(w, r, "/people/"+strconv.FormatInt(p.ID, 10))
}

// credentialRevoke is POST /people/{id}/credentials/{uid}/revoke.
func (c *Console) credentialRevoke(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "person")
	if err != nil {
		return err
	}
	at := c.now().UTC().Truncate(time.Millisecond)
	cred, err := c.st.GetCredential(r.Context(), q.acct.ID, id, r.PathValue("uid"))
	if err != nil {
		return err
	}
	if cred.Status != nil { // mobile: revoked, and removed once revoked
		_, _, err = c.st.RevokeMobileCredential(r.Context(), q.acct.ID, id, cred.UID, at)
	} else {
		_, err = c.st.DeleteCredential(r.Context(), q.acct.ID, id, cred.UID, at)
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/people/"+strconv.FormatInt(id, 10))
}
