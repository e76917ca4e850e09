package console

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// reservationsPageSize is how many reservations of each kind a page lists.
const reservationsPageSize = 50

// reservationsPage is GET /reservations (page=N): the account's current
// and future reservations and group reservations, 50 of each a page.
func (c *Console) reservationsPage(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	pg := store.Page{Limit: reservationsPageSize, Offset: (page - 1) * reservationsPageSize}
	now := c.now()
	res, resTotal, err := c.st.ListReservations(ctx, q.acct.ID, store.ReservationFilter{EndsAfter: now, Page: pg})
	if err != nil {
		return err
	}
	grs, grTotal, err := c.st.ListGroupReservations(ctx, q.acct.ID, store.GroupReservationFilter{EndsAfter: now, Page: pg})
	if err != nil {
		return err
	}
	var ids []int64
	for _, x := range res {
		ids = append(ids, x.PersonID)
	}
	for _, x := range grs {
		ids = append(ids, x.PersonID)
	}
	people, err := c.st.PersonNames(ctx, q.acct.ID, ids)
	if err != nil {
		return err
	}
	data, err := c.accessNames(ctx, q)
	if err != nil {
		return err
	}
	next := 0
	if page*reservationsPageSize < max(resTotal, grTotal) {
		next = page + 1
	}
	data["Title"], data["Reservations"], data["GroupReservations"], data["People"] = "Reservations", res, grs, people
	data["ResTotal"], data["GRTotal"], data["Page"], data["NextPage"], data["PrevPage"] = resTotal, grTotal, page, next, page-1
	data["Zones"], data["Now"] = c.reservationZones(ctx, q, res), now
	c.render(w, http.StatusOK, q, "reservations", "", data)
	return nil
}

// reservationZones maps each reservation to the zone its doors read its
// times in (the rule the store checks it with), for display.
func (c *Console) reservationZones(ctx context.Context, q *req, res []*domain.Reservation) map[int64]*time.Location {
	out := map[int64]*time.Location{}
	for _, x := range res {
		loc, err := c.st.DoorsLocation(ctx, q.acct.ID, x.ChannelIDs)
		if err != nil {
			loc = q.loc
		}
		out[x.ID] = loc
	}
	return out
}

// personReservations adds a person's current and future reservations and
// group reservations, what their forms offer, and their stored photo's
// thumbnail, to a person page's data.
func (c *Console) personReservations(ctx context.Context, q *req, p *domain.Person, data map[string]any) error {
	now := c.now()
	res, _, err := c.st.ListReservations(ctx, q.acct.ID, store.ReservationFilter{EndsAfter: now, PersonID: p.ID, Page: store.Page{Limit: reservationsPageSize}})
	if err != nil {
		return err
	}
	grs, _, err := c.st.ListGroupReservations(ctx, q.acct.ID, store.GroupReservationFilter{EndsAfter: now, PersonID: p.ID, Page: store.Page{Limit: reservationsPageSize}})
	if err != nil {
		return err
	}
	names, err := c.accessNames(ctx, q)
	if err != nil {
		return err
	}
	zones, err := c.zoneChoices(ctx, q)
	if err != nil {
		return err
	}
	data["Reservations"], data["GroupReservations"], data["ResZones"] = res, grs, c.reservationZones(ctx, q, res)
	data["DoorName"], data["AllDoors"], data["GroupName"], data["ZoneChoices"], data["Now"] = names["DoorName"], names["AllDoors"], names["GroupName"], zones, now
	return nil
}

// zoneChoice is a time zone a group reservation's times may be typed in.
type zoneChoice struct{ Zone, Label string }

// zoneChoices are the account's zone and each site's that differs.
func (c *Console) zoneChoices(ctx context.Context, q *req) ([]zoneChoice, error) {
	out := []zoneChoice{{q.loc.String(), q.loc.String() + " (the account's)"}}
	seen := map[string]bool{q.loc.String(): true}
	sites, _, err := c.st.ListSites(ctx, q.acct.ID, store.Page{})
	if err != nil {
		return nil, err
	}
	for _, s := range sites {
		if loc, ok := domain.LoadLocation(deref(s.TimeZone)); ok && !seen[loc.String()] {
			seen[loc.String()] = true
			out = append(out, zoneChoice{loc.String(), loc.String() + " (" + s.Name + ")"})
		}
	}
	return out, nil
}

// reservationCreate is POST /people/{id}/reservations: door_id (one or
// more), date (YYYY-MM-DD), start and end (HH:MM, end 24:00 for
// midnight), read on the clock of the doors' site (DoorsLocation). The
// store checks the window with the reservation rule the API uses.
func (c *Console) reservationCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	id, err := pathID(r, "person")
	if err != nil {
		return err
	}
	p, err := c.st.GetPerson(ctx, q.acct.ID, id)
	if err != nil {
		return err
	}
	x := &domain.Reservation{AccountID: q.acct.ID, PersonID: p.ID, ChannelIDs: postedIDs(r, "door_id"), CreatedAt: c.now().UTC().Truncate(time.Millisecond)}
	if len(x.ChannelIDs) == 0 {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, "Reservation: choose at least one door.", "")
	}
	loc, err := c.st.DoorsLocation(ctx, q.acct.ID, x.ChannelIDs)
	if err != nil {
		return err
	}
	day, err := time.ParseInLocation("2006-01-02", field(r, "date", 10), loc)
	if err != nil {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, "Reservation: the date must be YYYY-MM-DD.", "")
	}
	start, ok1 := clockOn(day, field(r, "start", 5), loc)
	end, ok2 := clockOn(day, field(r, "end", 5), loc)
	if !ok1 || !ok2 {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, "Reservation: times must be HH:MM (24:00 for midnight).", "")
	}
	x.StartTime, x.EndTime = start.UTC(), end.UTC()
	err = c.st.CreateReservation(audited(r, "reservations", 0, "create", map[string]any{"person_id": p.ID, "channel_ids": x.ChannelIDs,
		"start_time": x.StartTime, "end_time": x.EndTime}), x)
	if invalid(err) {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, "Reservation: "+formError(err), "")
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, idPath("people", p.ID))
}

// clockOn is the wall-clock time hh:mm on day in loc ("24:00" is the
// midnight that ends the day).
func clockOn(day time.Time, hhmm string, loc *time.Location) (time.Time, bool) {
	if hhmm == "24:00" {
		return time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc), true
	}
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, loc), true
}

// reservationDelete is POST /reservations/{id}/delete.
func (c *Console) reservationDelete(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "reservation")
	if err != nil {
		return err
	}
	x, err := c.st.GetReservation(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	if err := c.st.DeleteReservation(audited(r, "reservations", id, "delete", map[string]any{"person_id": x.PersonID}), q.acct.ID, id); err != nil {
		return err
	}
	if r.PostFormValue("back") == "reservations" {
		return seeOther(w, r, "/reservations")
	}
	return seeOther(w, r, idPath("people", x.PersonID))
}

// groupReservationCreate is POST /people/{id}/group_reservations:
// group_id (one or more), start and end as YYYY-MM-DDTHH:MM on the clock
// of zone (the account's or a site's). The store checks it with the rule
// the API uses.
func (c *Console) groupReservationCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	id, err := pathID(r, "person")
	if err != nil {
		return err
	}
	p, err := c.st.GetPerson(ctx, q.acct.ID, id)
	if err != nil {
		return err
	}
	loc := q.loc
	if z := field(r, "zone", 100); z != "" {
		l, ok := domain.LoadLocation(z)
		if !ok {
			return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, "Group reservation: "+z+" is not a known time zone.", "")
		}
		loc = l
	}
	start, err1 := time.ParseInLocation("2006-01-02T15:04", field(r, "start", 16), loc)
	end, err2 := time.ParseInLocation("2006-01-02T15:04", field(r, "end", 16), loc)
	if err1 != nil || err2 != nil {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, "Group reservation: give a start and an end date and time.", "")
	}
	g := &domain.GroupReservation{AccountID: q.acct.ID, PersonID: p.ID, GroupIDs: postedIDs(r, "group_id"), StartTime: start.UTC(), EndTime: end.UTC(),
		CreatedAt: c.now().UTC().Truncate(time.Millisecond)}
	err = c.st.CreateGroupReservation(audited(r, "group_reservations", 0, "create", map[string]any{"person_id": p.ID, "group_ids": g.GroupIDs,
		"start_time": g.StartTime, "end_time": g.EndTime}), g)
	if invalid(err) {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, "Group reservation: "+formError(err), "")
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, idPath("people", p.ID))
}

// groupReservationCancel is POST /group_reservations/{id}/cancel: one in
// progress ends now (kept, deactivated), any other is removed.
func (c *Console) groupReservationCancel(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "group reservation")
	if err != nil {
		return err
	}
	g, err := c.st.GetGroupReservation(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	if _, err := c.st.CancelGroupReservation(audited(r, "group_reservations", id, "cancel", map[string]any{"person_id": g.PersonID}), q.acct.ID, id, c.now()); err != nil {
		return err
	}
	if r.PostFormValue("back") == "reservations" {
		return seeOther(w, r, "/reservations")
	}
	return seeOther(w, r, idPath("people", g.PersonID))
}
