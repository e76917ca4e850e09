package api

import (
	"net/http"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

type groupReservationJSON struct {
	ID        int64   `json:"id"`
	PersonID  int64   `json:"person_id"`
	StartTime string  `json:"start_time"`
	EndTime   string  `json:"end_time"`
	State     string  `json:"state"`
	GroupIDs  []int64 `json:"group_ids"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
}

func (a *API) newGroupReservationJSON(g *domain.GroupReservation) groupReservationJSON {
	ids := g.GroupIDs
	if ids == nil {
		ids = []int64{}
	}
	return groupReservationJSON{ID: g.ID, PersonID: g.PersonID, StartTime: formatTime(g.StartTime), EndTime: formatTime(g.EndTime),
		State: g.State(a.now()), GroupIDs: ids, CreatedAt: formatTime(g.CreatedAt), UpdatedAt: formatTime(g.UpdatedAt)}
}

// listGroupReservations serves GET /api/3/group_reservations: those not yet
// over (500 a page by default), optionally only those updated since/since_utc.
func (a *API) listGroupReservations(w http.ResponseWriter, r *http.Request, c *call) error {
	pg := parsePager(r, "per_page", 500, 0)
	since, err := c.sinceParam(r)
	if err != nil {
		return err
	}
	list, total, err := a.st.ListGroupReservations(r.Context(), c.p.AccountID,
		store.GroupReservationFilter{EndsAfter: a.now(), UpdatedSince: since, Page: pg.storePage()})
	if err != nil {
		return err
	}
	out := make([]groupReservationJSON, 0, len(list))
	for _, g := range list {
		out = append(out, a.newGroupReservationJSON(g))
	}
	pg.writeHeaders(w, total)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// createGroupReservation serves POST /api/3/group_reservations (201): the
// person joins group_ids from start_time to end_time. The body may be
// wrapped in "group_reservation" or not; channel_ids, which some guides
// send, is type-checked and otherwise ignored (a group reservation grants
// what the groups' roles grant). Errors: 422 naming the field.
func (a *API) createGroupReservation(w http.ResponseWriter, r *http.Request, c *call) error {
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	if obj, err = unwrap(obj, "group_reservation"); err != nil {
		return err
	}
	loc, err := c.location(r.Context())
	if err != nil {
		return err
	}
	v := &domain.Validation{}
	f := fields{obj: obj, v: v}
	g := &domain.GroupReservation{AccountID: c.p.AccountID, CreatedAt: a.nowMS()}
	if id, _ := f.int("person_id"); id != nil {
		g.PersonID = *id
	} else if !v.Has("person_id") {
		v.Add("person_id", "can't be blank")
	}
	start, end := requireTimes(f, loc)
	if ids, ok := f.ids("group_ids"); ok && len(ids) > 0 {
		g.GroupIDs = ids
	} else if !v.Has("group_ids") {
		v.Add("group_ids", "must list at least one group")
	}
	f.ids("channel_ids")
	if err := v.Err(); err != nil {
		return err
	}
	g.StartTime, g.EndTime = start, end
	if err := a.st.CreateGroupReservation(r.Context(), g); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, a.newGroupReservationJSON(g))
	return nil
}

// deleteGroupReservation serves DELETE /api/3/group_reservations/{id}: one
// in progress is deactivated (the person leaves the groups now), any other
// is removed. Errors: 404.
func (a *API) deleteGroupReservation(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "group reservation")
	if err != nil {
		return err
	}
	if _, err := a.st.CancelGroupReservation(r.Context(), c.p.AccountID, id, a.nowMS()); err != nil {
		return err
	}
	writeOK(w)
	return nil
}
