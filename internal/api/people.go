package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// now returns the API clock's time at the store's precision (milliseconds).
func (a *API) nowMS() time.Time { return a.now().UTC().Truncate(time.Millisecond) }

// views renders people with their flattened credential values, loading the
// account's credential types and the people's credentials in two queries.
func (a *API) views(ctx context.Context, accountID int64, people []*domain.Person, types []*domain.CredentialType) ([]personView, error) {
	if types == nil {
		var err error
		if types, _, err = a.st.ListCredentialTypes(ctx, accountID, storeAll); err != nil {
			return nil, err
		}
	}
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	creds, err := a.st.CredentialsOfPeople(ctx, accountID, ids)
	if err != nil {
		return nil, err
	}
	return personViews(people, types, creds), nil
}

// writePerson writes one person with the given status.
func (a *API) writePerson(w http.ResponseWriter, r *http.Request, p *domain.Person, types []*domain.CredentialType, status int) error {
	v, err := a.views(r.Context(), p.AccountID, []*domain.Person{p}, types)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, status, v[0])
	return nil
}

// listPeople serves GET /api/3/people: 50 a page by default, at most 100,
// filtered by email (case-insensitive part), system_id, since (account time
// zone unless an offset is given) or since_utc. A page past the end is [].
func (a *API) listPeople(w http.ResponseWriter, r *http.Request, c *call) error {
	pg := parsePager(r, "per_page", 50, 100)
	since, err := c.sinceParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.PersonFilter{Email: strings.TrimSpace(q.Get("email")), UpdatedSince: since, Page: pg.storePage()}
	if s := q.Get("system_id"); s != "" {
		f.SystemID = &s
	}
	people, total, err := a.st.ListPeople(r.Context(), c.p.AccountID, f)
	if err != nil {
		return err
	}
	var views []personView
	if len(people) > 0 {
		if views, err = a.views(r.Context(), c.p.AccountID, people, nil); err != nil {
			return err
		}
	}
	pg.writeHeaders(w, total)
	if views == nil {
		views = []personView{}
	}
	httpx.WriteJSON(w, http.StatusOK, views)
	return nil
}

// getPerson serves GET /api/3/people/{id}; 404 unless the person is the caller's.
func (a *API) getPerson(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "person")
	if err != nil {
		return err
	}
	p, err := a.st.GetPerson(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	return a.writePerson(w, r, p, nil, http.StatusOK)
}

// readPerson decodes a person body against the account's credential types.
func (a *API) readPerson(r *http.Request, c *call) (*personInput, []*domain.CredentialType, *time.Location, *domain.Validation, error) {
	obj, err := readObject(r)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	loc, err := c.location(r.Context())
	if err != nil {
		return nil, nil, nil, nil, err
	}
	types, err := a.allCredentialTypes(r, c.p.AccountID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	v := &domain.Validation{}
	in, err := parsePersonInput(obj, types, v)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return in, types, loc, v, nil
}

// createPerson serves POST /api/3/people (201). The body may be wrapped in
// "person"; credential values may be given under credential type slugs
// ("******" for a PIN generates one). Errors: 422 naming each bad field.
func (a *API) createPerson(w http.ResponseWriter, r *http.Request, c *call) error {
	in, types, loc, v, err := a.readPerson(r, c)
	if err != nil {
		return err
	}
	now := a.nowMS()
	p := &domain.Person{AccountID: c.p.AccountID, Enabled: true, CreatedAt: now, UpdatedAt: now}
	in.apply(p, loc, true)
	creds := in.credentialValues()
	if err := v.Err(); err != nil {
		return err
	}
	err = a.st.InTx(r.Context(), func(tx *store.Store) error {
		if err := tx.CreatePerson(r.Context(), p); err != nil {
			return err
		}
		return creds.apply(r.Context(), tx, p, now)
	})
	if err != nil {
		return err
	}
	return a.writePerson(w, r, p, types, http.StatusCreated)
}

// updatePerson serves PUT /api/3/people/{id}: a partial update (only the
// attributes present change; group_ids/role_ids replace the memberships).
// DoorFlow answers 201. Errors: 404, 422.
func (a *API) updatePerson(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "person")
	if err != nil {
		return err
	}
	p, err := a.st.GetPerson(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	in, types, loc, v, err := a.readPerson(r, c)
	if err != nil {
		return err
	}
	now := a.nowMS()
	setGroups, setRoles := in.apply(p, loc, false)
	creds := in.credentialValues()
	if err := v.Err(); err != nil {
		return err
	}
	p.UpdatedAt = now
	err = a.st.InTx(r.Context(), func(tx *store.Store) error {
		if err := tx.UpdatePerson(r.Context(), p, setGroups, setRoles); err != nil {
			return err
		}
		return creds.apply(r.Context(), tx, p, now)
	})
	if err != nil {
		return err
	}
	return a.writePerson(w, r, p, types, http.StatusCreated)
}

// deletePerson serves DELETE /api/3/people/{id}: the person, their
// credentials and memberships go; events keep their name. Errors: 404.
func (a *API) deletePerson(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "person")
	if err != nil {
		return err
	}
	if err := a.st.DeletePerson(r.Context(), c.p.AccountID, id); err != nil {
		return err
	}
	writeOK(w)
	return nil
}
