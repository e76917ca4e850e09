package api

import (
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

type reservationJSON struct {
	ID         int64   `json:"id"`
	PersonID   int64   `json:"person_id"`
	StartTime  string  `json:"start_time"`
	EndTime    string  `json:"end_time"`
	ChannelIDs []int64 `json:"channel_ids"`
	CreatedAt  string  `json:"created_at"`
	UpdatedAt  string  `json:"updated_at"`
}

func newReservationJSON(x *domain.Reservation) reservationJSON {
	ids := x.ChannelIDs
	if ids == nil {
		ids = []int64{}
	}
	return reservationJSON{ID: x.ID, PersonID: x.PersonID, StartTime: formatTime(x.StartTime), EndTime: formatTime(x.EndTime),
		ChannelIDs: ids, CreatedAt: formatTime(x.CreatedAt), UpdatedAt: formatTime(x.UpdatedAt)}
}

// requireTimes reads start_time and end_time (offset-less values in loc),
// recording a message when one is missing, malformed or not in order.
func requireTimes(f fields, loc *time.Location) (start, end time.Time) {
	for _, n := range []struct {
		name string
		dst  *time.Time
	}{{"start_time", &start}, {"end_time", &end}} {
		t, _ := f.time(n.name, loc)
		switch {
		case t != nil:
			*n.dst = *t
		case !f.v.Has(n.name):
			f.v.Add(n.name, "can't be blank")
		}
	}
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		f.v.Add("end_time", "must be after the start time")
	}
	return start.UTC(), end.UTC()
}

// listReservations serves GET /api/3/reservations: current and future
// reservations (500 a page by default), optionally updated since/since_utc.
func (a *API) listReservations(w http.ResponseWriter, r *http.Request, c *call) error {
	pg := parsePager(r, "per_page", 500, 0)
	since, err := c.sinceParam(r)
	if err != nil {
		return err
	}
	list, total, err := a.st.ListReservations(r.Context(), c.p.AccountID,
		store.ReservationFilter{EndsAfter: a.now(), UpdatedSince: since, Page: pg.storePage()})
	if err != nil {
		return err
	}
	out := make([]reservationJSON, 0, len(list))
	for _, x := range list {
		out = append(out, newReservationJSON(x))
	}
	pg.writeHeaders(w, total)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// createReservation serves POST /api/3/reservations (201): the person may
// open channel_ids (alias door_controller_ids) from start_time to end_time.
// Both lie on one local day, read in the doors' site time zone when they
// all share one and in the account's otherwise, and span at least a
// minute and at most 24 hours — or the whole local day when a daylight-
// saving change makes it 23 or 25 hours long. Times without an offset are
// read in that same zone. Errors: 422 naming the field.
func (a *API) createReservation(w http.ResponseWriter, r *http.Request, c *call) error {
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	if obj, err = unwrap(obj, "reservation"); err != nil {
		return err
	}
	v := &domain.Validation{}
	f := fields{obj: obj, v: v}
	x := &domain.Reservation{AccountID: c.p.AccountID, CreatedAt: a.nowMS()}
	if id, _ := f.int("person_id"); id != nil {
		x.PersonID = *id
	} else if !v.Has("person_id") {
		v.Add("person_id", "can't be blank")
	}
	ids, ok := f.ids("channel_ids")
	if !ok {
		ids, ok = f.ids("door_controller_ids")
	}
	if ok && len(ids) > 0 {
		x.ChannelIDs = ids
	} else if !v.Has("channel_ids") && !v.Has("door_controller_ids") {
		v.Add("channel_ids", "must list at least one channel")
	}
	loc, err := a.st.DoorsLocation(r.Context(), c.p.AccountID, x.ChannelIDs)
	if err != nil {
		return err
	}
	start, end := requireTimes(f, loc)
	if !v.Has("start_time") && !v.Has("end_time") {
		if msg := domain.ReservationWindow(start, end, loc); msg != "" {
			v.Add("end_time", msg)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	x.StartTime, x.EndTime = start, end
	if err := a.st.CreateReservation(r.Context(), x); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, newReservationJSON(x))
	return nil
}

// deleteReservation serves DELETE /api/3/reservations/{id}. Errors: 404.
func (a *API) deleteReservation(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "reservation")
	if err != nil {
		return err
	}
	if err := a.st.DeleteReservation(r.Context(), c.p.AccountID, id); err != nil {
		return err
	}
	writeOK(w)
	return nil
}
