package api

import (
	"net/http"

	"github.com/lintel-dev/lintel/internal/httpx"
)

type roleJSON struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	ShiftID   *int64  `json:"shift_id"`
	Notes     *string `json:"notes"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
}

// listRoles serves GET /api/3/roles: every role, by name, unpaginated.
// shift_id null means the role grants access at all hours.
func (a *API) listRoles(w http.ResponseWriter, r *http.Request, c *call) error {
	roles, err := a.st.ListRoles(r.Context(), c.p.AccountID)
	if err != nil {
		return err
	}
	out := make([]roleJSON, 0, len(roles))
	for _, x := range roles {
		out = append(out, roleJSON{ID: x.ID, Name: x.Name, ShiftID: x.ShiftID, Notes: x.Notes,
			CreatedAt: formatTime(x.CreatedAt), UpdatedAt: formatTime(x.UpdatedAt)})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
