package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
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
	return personViews(a.base, people, types, creds), nil
}

// writePerson writes one person with the given status.
func (a *API) writePerson(w http.ResponseWriter, r *http.Request, p *domain.Person, types []*domain.CredentialType, status int) error {
	v, err := a.views(r.Context(), p.AccountID, []*domain.Person{p}, types)
	if err != nil {
		return err
	}
	writeJSONBytes(w, status, v[0].appendJSON(make([]byte, 0, 1024)))
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
	if pg.all {
		return a.streamPeople(w, r, c, pg, f)
	}
	key := pageKey{account: c.p.AccountID, list: store.ListPeople, query: peopleQueryKey(f)}
	return a.cachedList(w, r, c, key, pg, func() (int, []byte, time.Time, error) {
		people, total, err := a.st.ListPeople(r.Context(), c.p.AccountID, f)
		if err != nil {
			return 0, nil, time.Time{}, err
		}
		var views []personView
		if len(people) > 0 {
			if views, err = a.views(r.Context(), c.p.AccountID, people, nil); err != nil {
				return 0, nil, time.Time{}, err
			}
		}
		return total, appendPeople(make([]byte, 0, 1024+640*len(views)), views), time.Time{}, nil
	})
}

// peopleQueryKey is what a people page depends on besides the account's
// data: the parsed filter and page.
func peopleQueryKey(f store.PersonFilter) string {
	b := make([]byte, 0, 64)
	b = append(b, "people|"...)
	b = strconv.AppendQuote(b, f.Email)
	b = append(b, '|')
	if f.SystemID != nil {
		b = strconv.AppendQuote(b, *f.SystemID)
	}
	b = append(b, '|')
	if f.UpdatedSince != nil {
		b = strconv.AppendInt(b, f.UpdatedSince.UnixMilli(), 10)
	}
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(f.Page.Limit), 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(f.Page.Offset), 10)
	return string(b)
}

// streamChunk is how many people skip_pagination reads, looks up
// credentials for and writes at a time.
const streamChunk = 500

// streamPeople writes every person matching f (skip_pagination=true) as
// it reads them, streamChunk at a time, so memory stays bounded at any
// number of people. The total is counted first, for the headers. A
// database error once the answer has begun aborts the connection: the
// client sees a truncated answer, never a short list that looks whole.
func (a *API) streamPeople(w http.ResponseWriter, r *http.Request, c *call, pg pager, f store.PersonFilter) error {
	ctx := r.Context()
	total, err := a.st.CountPeople(ctx, c.p.AccountID, f)
	if err != nil {
		return err
	}
	types, _, err := a.st.ListCredentialTypes(ctx, c.p.AccountID, storeAll)
	if err != nil {
		return err
	}
	pg.writeHeaders(w, total)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	buf := make([]byte, 0, 64<<10)
	buf = append(buf, '[')
	first := true
	ids := make([]int64, 0, streamChunk)
	err = a.st.EachPeople(ctx, c.p.AccountID, f, streamChunk, func(people []*domain.Person) error {
		ids = ids[:0]
		for _, p := range people {
			ids = append(ids, p.ID)
		}
		creds, err := a.st.CredentialsOfPeople(ctx, c.p.AccountID, ids)
		if err != nil {
			return err
		}
		for _, v := range personViews(a.base, people, types, creds) {
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = v.appendJSON(buf)
			if len(buf) >= 48<<10 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			a.log.ErrorContext(ctx, "streaming people failed", "err", err)
		}
		panic(http.ErrAbortHandler)
	}
	buf = append(buf, "]\n"...)
	_, _ = w.Write(buf)
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
	_, types, err := c.accountAndTypes(r.Context())
	if err != nil {
		return nil, nil, nil, nil, err
	}
	loc, err := c.location(r.Context())
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
		if err := a.storePhoto(r.Context(), tx, p, in, now, true); err != nil {
			return err
		}
		return creds.apply(r.Context(), tx, p, now)
	})
	if err != nil {
		return err
	}
	if len(creds) == 0 { // a person just created has no credentials to read back
		writeJSONBytes(w, http.StatusCreated, personViews(a.base, []*domain.Person{p}, types, nil)[0].appendJSON(make([]byte, 0, 1024)))
		return nil
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
		if err := a.storePhoto(r.Context(), tx, p, in, now, false); err != nil {
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

// storePhoto stores the body's image_base64 photo as the person's (in the
// person's transaction), or drops a stored photo the person's image_url
// no longer names (a person just created has none).
func (a *API) storePhoto(ctx context.Context, tx *store.Store, p *domain.Person, in *personInput, now time.Time, created bool) error {
	if in.photo != nil {
		in.photo.CreatedAt = now
		return tx.SetPersonImage(ctx, p, in.photo)
	}
	if created {
		return nil
	}
	return tx.DropStaleImage(ctx, p)
}
