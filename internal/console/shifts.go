package console

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// maxWindows bounds the windows one shift form carries.
const maxWindows = 14

// weekdays names the days of a shift window, 0 = Sunday.
var weekdays = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// shiftsPage is GET /shifts: every shift, its windows and whether it is
// open now at the account's zone (or its own).
func (c *Console) shiftsPage(w http.ResponseWriter, r *http.Request, q *req) error {
	shifts, err := c.st.ListShifts(r.Context(), q.acct.ID)
	if err != nil {
		return err
	}
	now := c.now()
	open := map[int64]bool{}
	for _, sh := range shifts {
		open[sh.ID] = access.ShiftActive(sh, now, q.loc)
	}
	c.render(w, http.StatusOK, q, "shifts", "", map[string]any{"Title": "Shifts", "Shifts": shifts, "Open": open, "Days": weekdays})
	return nil
}

// windowRow is one window of the shift form, as typed.
type windowRow struct {
	Days       [7]bool
	Start, End string
}

// shiftForm is the shift form as typed.
type shiftForm struct {
	Name, TimeZone string
	Windows        []windowRow
}

func formOfShift(sh *domain.Shift) shiftForm {
	f := shiftForm{Name: sh.Name, TimeZone: deref(sh.TimeZone)}
	for _, w := range sh.Windows {
		row := windowRow{Start: w.Start, End: w.End}
		for _, d := range w.Days {
			if d >= 0 && d < 7 {
				row.Days[d] = true
			}
		}
		f.Windows = append(f.Windows, row)
	}
	return f
}

// withBlankRows adds empty window rows to type new windows into.
func (f shiftForm) withBlankRows() shiftForm {
	n := min(len(f.Windows)+2, maxWindows)
	for len(f.Windows) < n {
		f.Windows = append(f.Windows, windowRow{})
	}
	return f
}

// readShiftForm reads the form: rows w0..w13, each with day checkboxes
// (wN_day = 0..6), wN_start and wN_end as HH:MM.
func readShiftForm(r *http.Request) shiftForm {
	f := shiftForm{Name: field(r, "name", 300), TimeZone: field(r, "time_zone", 100)}
	for i := range maxWindows {
		p := "w" + strconv.Itoa(i) + "_"
		row := windowRow{Start: field(r, p+"start", 5), End: field(r, p+"end", 5)}
		for _, s := range r.PostForm[p+"day"] {
			if d, err := strconv.Atoi(s); err == nil && d >= 0 && d < 7 {
				row.Days[d] = true
			}
		}
		if row != (windowRow{}) {
			f.Windows = append(f.Windows, row)
		}
	}
	return f
}

// apply copies the form onto sh; the shift's rules (domain.Shift.Validate,
// applied by the store) judge the times and the zone. A window without a
// day is refused here, as it could never open.
func (f shiftForm) apply(sh *domain.Shift) error {
	v := &domain.Validation{}
	sh.Name, sh.TimeZone = f.Name, optional(f.TimeZone)
	sh.Windows = []domain.ShiftWindow{}
	for i, row := range f.Windows {
		w := domain.ShiftWindow{Days: []int{}, Start: row.Start, End: row.End}
		for d, on := range row.Days {
			if on {
				w.Days = append(w.Days, d)
			}
		}
		if len(w.Days) == 0 {
			v.Add("windows", fmt.Sprintf("window %d needs at least one day", i+1))
		}
		sh.Windows = append(sh.Windows, w)
	}
	return v.Err()
}

func (f shiftForm) changes(sh *domain.Shift) map[string]any {
	return map[string]any{"name": sh.Name, "time_zone": f.TimeZone, "windows": sh.Windows}
}

// zonePreview is whether a shift is open now on one wall clock.
type zonePreview struct {
	Where, Zone, Local string
	Open               bool
}

// previews says whether the shift is open now: on its own zone's clock
// when it names one, else at the doors of each zone the account uses (the
// account's and every site's), with the same rule the doors apply.
func (c *Console) previews(r *http.Request, q *req, sh *domain.Shift) ([]zonePreview, error) {
	now := c.now()
	one := func(where string, loc *time.Location) zonePreview {
		return zonePreview{Where: where, Zone: loc.String(), Local: now.In(loc).Format("Mon 15:04 MST"), Open: access.ShiftActive(sh, now, loc)}
	}
	if sh.TimeZone != nil {
		if loc, ok := domain.LoadLocation(*sh.TimeZone); ok {
			return []zonePreview{one("every door (the shift's own zone)", loc)}, nil
		}
	}
	out := []zonePreview{one("doors using the account's zone", q.loc)}
	sites, _, err := c.st.ListSites(r.Context(), q.acct.ID, store.Page{})
	if err != nil {
		return nil, err
	}
	for _, s := range sites {
		if loc, ok := domain.LoadLocation(deref(s.TimeZone)); ok && loc.String() != q.loc.String() {
			out = append(out, one("doors at "+s.Name, loc))
		}
	}
	return out, nil
}

// shiftNew is GET /shifts/new.
func (c *Console) shiftNew(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.renderShift(w, r, q, http.StatusOK, nil, shiftForm{Windows: []windowRow{{Days: [7]bool{false, true, true, true, true, true, false}, Start: "09:00", End: "17:00"}}}, "")
}

func (c *Console) renderShift(w http.ResponseWriter, r *http.Request, q *req, status int, sh *domain.Shift, f shiftForm, msg string) error {
	data := map[string]any{"Title": "New shift", "Form": f.withBlankRows(), "Days": weekdays, "Zones": commonZones, "Error": msg}
	if sh != nil {
		data["Title"], data["Shift"] = sh.Name, sh
		pv, err := c.previews(r, q, sh)
		if err != nil {
			return err
		}
		data["Previews"] = pv
		roles, err := c.st.ListRoles(r.Context(), q.acct.ID)
		if err != nil {
			return err
		}
		var mine []*domain.Role
		for _, ro := range roles {
			if ro.ShiftID != nil && *ro.ShiftID == sh.ID {
				mine = append(mine, ro)
			}
		}
		data["Roles"] = mine
	}
	c.render(w, status, q, "shift", "", data)
	return nil
}

// shiftCreate is POST /shifts.
func (c *Console) shiftCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	f := readShiftForm(r)
	sh := &domain.Shift{AccountID: q.acct.ID, CreatedAt: c.now().UTC().Truncate(time.Millisecond)}
	err := f.apply(sh)
	if err == nil {
		err = c.st.CreateShift(audited(r, "shifts", 0, "create", f.changes(sh)), sh)
	}
	if invalid(err) {
		return c.renderShift(w, r, q, http.StatusUnprocessableEntity, nil, f, formError(err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, idPath("shifts", sh.ID))
}

// shiftPage is GET /shifts/{id}: the shift's form, whether it is open now
// and the roles that use it.
func (c *Console) shiftPage(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "shift")
	if err != nil {
		return err
	}
	sh, err := c.st.GetShift(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	return c.renderShift(w, r, q, http.StatusOK, sh, formOfShift(sh), "")
}

// shiftUpdate is POST /shifts/{id}: the form, or action=delete.
func (c *Console) shiftUpdate(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "shift")
	if err != nil {
		return err
	}
	sh, err := c.st.GetShift(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	if r.PostFormValue("action") == "delete" {
		if err := c.st.DeleteShift(audited(r, "shifts", id, "delete", nil), q.acct.ID, id); err != nil {
			return deleteRefused(err)
		}
		return seeOther(w, r, "/shifts")
	}
	saved := *sh
	f := readShiftForm(r)
	err = f.apply(sh)
	if err == nil {
		sh.UpdatedAt = c.now().UTC().Truncate(time.Millisecond)
		err = c.st.UpdateShift(audited(r, "shifts", id, "update", f.changes(sh)), sh)
	}
	if invalid(err) {
		return c.renderShift(w, r, q, http.StatusUnprocessableEntity, &saved, f, formError(err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, idPath("shifts", id))
}
