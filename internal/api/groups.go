package api

import (
	"net/http"

	"github.com/lintel-dev/lintel/internal/httpx"
)

type groupJSON struct {
	ID                int64   `json:"id"`
	Name              string  `json:"name"`
	Notes             *string `json:"notes"`
	GlobalAcrossSites bool    `json:"global_across_sites"`
	CreatedAt         string  `json:"created_at"`
	UpdatedAt         string  `json:"updated_at"`
}

// listGroups serves GET /api/3/groups: every group, by name, unpaginated.
func (a *API) listGroups(w http.ResponseWriter, r *http.Request, c *call) error {
	groups, err := a.st.ListGroups(r.Context(), c.p.AccountID)
	if err != nil {
		return err
	}
	out := make([]groupJSON, 0, len(groups))
	for _, g := range groups {
		out = append(out, groupJSON{ID: g.ID, Name: g.Name, Notes: g.Notes, GlobalAcrossSites: g.GlobalAcrossSites,
			CreatedAt: formatTime(g.CreatedAt), UpdatedAt: formatTime(g.UpdatedAt)})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
