package api

import (
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

type shiftJSON struct {
	ID        int64                `json:"id"`
	Name      string               `json:"name"`
	TimeZone  *string              `json:"time_zone"`
	Windows   []domain.ShiftWindow `json:"windows"`
	CreatedAt string               `json:"created_at"`
	UpdatedAt string               `json:"updated_at"`
}

func newShiftJSON(s *domain.Shift) shiftJSON {
	ws := s.Windows
	if ws == nil {
		ws = []domain.ShiftWindow{}
	}
	for i := range ws {
		if ws[i].Days == nil {
			ws[i].Days = []int{}
		}
	}
	return shiftJSON{ID: s.ID, Name: s.Name, TimeZone: s.TimeZone, Windows: ws, CreatedAt: formatTime(s.CreatedAt), UpdatedAt: formatTime(s.UpdatedAt)}
}

// applyShift copies name, time_zone (null: the account's) and windows onto
// s. windows is a list of {"days": [0-6, Sunday first], "start": "HH:MM",
// "end": "HH:MM" or "24:00"}; the store checks the values.
func applyShift(f fields, s *domain.Shift, creating bool) {
	f.name("name", &s.Name, creating)
	f.text("time_zone", &s.TimeZone, 64)
	raw, ok := f.obj["windows"]
	if !ok {
		return
	}
	list, isList := raw.([]any)
	if raw != nil && !isList {
		f.v.Add("windows", "must be a list of windows")
		return
	}
	ws := []domain.ShiftWindow{}
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			f.v.Add("windows", "must be a list of windows")
			return
		}
		wf := fields{obj: m, v: &domain.Validation{}}
		start, _ := wf.str("start", false)
		end, _ := wf.str("end", false)
		days, daysOK := m["days"].([]any)
		if wf.v.Err() != nil || start == nil || end == nil || !daysOK {
			f.v.Add("windows", "each window needs days, start and end")
			return
		}
		w := domain.ShiftWindow{Days: []int{}, Start: strings.TrimSpace(*start), End: strings.TrimSpace(*end)}
		for _, d := range days {
			n, ok := toInt(d)
			if !ok || n < 0 || n > 6 {
				f.v.Add("windows", "days must be 0 (Sunday) to 6 (Saturday)")
				return
			}
			w.Days = append(w.Days, int(n))
		}
		ws = append(ws, w)
	}
	s.Windows = ws
}

// listShifts serves GET /api/3/shifts (extension): every shift, by name.
func (a *API) listShifts(w http.ResponseWriter, r *http.Request, c *call) error {
	shifts, err := a.st.ListShifts(r.Context(), c.p.AccountID)
	if err != nil {
		return err
	}
	out := make([]shiftJSON, 0, len(shifts))
	for _, s := range shifts {
		out = append(out, newShiftJSON(s))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// getShift serves GET /api/3/shifts/{id} (extension). Errors: 404.
func (a *API) getShift(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "shift")
	if err != nil {
		return err
	}
	s, err := a.st.GetShift(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newShiftJSON(s))
	return nil
}

// createShift serves POST /api/3/shifts (extension, 201). Errors: 422.
func (a *API) createShift(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := readResource(r, "shift")
	if err != nil {
		return err
	}
	s := &domain.Shift{AccountID: c.p.AccountID, Windows: []domain.ShiftWindow{}, CreatedAt: a.nowMS()}
	applyShift(f, s, true)
	if err := f.v.Err(); err != nil {
		return err
	}
	if err := a.st.CreateShift(r.Context(), s); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, newShiftJSON(s))
	return nil
}

// updateShift serves PUT /api/3/shifts/{id} (extension, 200); windows, when
// given, replace the shift's. Errors: 404; 422.
func (a *API) updateShift(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "shift")
	if err != nil {
		return err
	}
	s, err := a.st.GetShift(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	f, err := readResource(r, "shift")
	if err != nil {
		return err
	}
	applyShift(f, s, false)
	if err := f.v.Err(); err != nil {
		return err
	}
	s.UpdatedAt = a.nowMS()
	if err := a.st.UpdateShift(r.Context(), s); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newShiftJSON(s))
	return nil
}

// deleteShift serves DELETE /api/3/shifts/{id} (extension). Errors: 404;
// 409 while a role or a door's auto-unlock uses the shift.
func (a *API) deleteShift(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "shift")
	if err != nil {
		return err
	}
	if err := a.st.DeleteShift(r.Context(), c.p.AccountID, id); err != nil {
		return err
	}
	writeOK(w)
	return nil
}
