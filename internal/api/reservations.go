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
	loc, err := a.reservationZone(r, c, x.ChannelIDs)
	if err != nil {
		return err
	}
	start, end := requireTimes(f, loc)
	if !v.Has("start_time") && !v.Has("end_time") {
		if msg := reservationWindow(start, end, loc); msg != "" {
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

// reservationZone is the time zone a reservation of the doors is judged
// in: their sites' zone when every door has a site with the same zone,
// else the account's.
func (a *API) reservationZone(r *http.Request, c *call, channelIDs []int64) (*time.Location, error) {
	zones, err := a.st.ChannelTimeZones(r.Context(), c.p.AccountID, channelIDs)
	if err != nil {
		return nil, err
	}
	var zone string
	for _, id := range channelIDs {
		z, ok := zones[id]
		if !ok || (zone != "" && z != zone) {
			zone = ""
			break
		}
		zone = z
	}
	if zone != "" {
		if loc, err := time.LoadLocation(zone); err == nil {
			return loc, nil
		}
	}
	return c.location(r.Context())
}

// reservationWindow returns why start..end is not a valid reservation in
// loc, or "". The window must last at least a minute and end no later than
// the midnight that ends start's local day; it may last up to 24 hours, or
// the whole local day when that day is longer.
func reservationWindow(start, end time.Time, loc *time.Location) string {
	d := end.Sub(start)
	s := start.In(loc)
	dayStart := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc)
	midnight := time.Date(s.Year(), s.Month(), s.Day()+1, 0, 0, 0, 0, loc)
	switch {
	case d < time.Minute:
		return "must be between 1 minute and 24 hours after the start time"
	case end.After(midnight) && d > max(24*time.Hour, midnight.Sub(dayStart)):
		return "must be between 1 minute and 24 hours after the start time"
	case end.After(midnight):
		return "must be on the same day as the start time"
	}
	return ""
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
