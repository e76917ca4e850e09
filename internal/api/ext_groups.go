package api

import (
	"net/http"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

func newGroupJSON(g *domain.Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Notes: g.Notes, GlobalAcrossSites: g.GlobalAcrossSites,
		CreatedAt: formatTime(g.CreatedAt), UpdatedAt: formatTime(g.UpdatedAt)}
}

// applyGroup copies name, notes and global_across_sites onto g.
func applyGroup(f fields, g *domain.Group, creating bool) {
	f.name("name", &g.Name, creating)
	f.text("notes", &g.Notes, 4000)
	if b, ok := f.bool("global_across_sites"); ok {
		g.GlobalAcrossSites = b
	}
}

// createGroup serves POST /api/3/groups (extension, 201 Group); a group
// applies at every site unless global_across_sites is false. Errors: 422.
func (a *API) createGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := readResource(r, "group")
	if err != nil {
		return err
	}
	g := &domain.Group{AccountID: c.p.AccountID, GlobalAcrossSites: true, CreatedAt: a.nowMS()}
	applyGroup(f, g, true)
	if err := f.v.Err(); err != nil {
		return err
	}
	if err := a.st.CreateGroup(r.Context(), g); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, newGroupJSON(g))
	return nil
}

// updateGroup serves PUT /api/3/groups/{id} (extension, 200 Group).
// Errors: 404; 422.
func (a *API) updateGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "group")
	if err != nil {
		return err
	}
	g, err := a.st.GetGroup(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	f, err := readResource(r, "group")
	if err != nil {
		return err
	}
	applyGroup(f, g, false)
	if err := f.v.Err(); err != nil {
		return err
	}
	g.UpdatedAt = a.nowMS()
	if err := a.st.UpdateGroup(r.Context(), g); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newGroupJSON(g))
	return nil
}

// deleteGroup serves DELETE /api/3/groups/{id} (extension): memberships and
// role links go with the group. Errors: 404; 409 while a current or future
// group reservation uses it.
func (a *API) deleteGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "group")
	if err != nil {
		return err
	}
	if err := a.st.DeleteGroup(r.Context(), c.p.AccountID, id, a.now()); err != nil {
		return err
	}
	writeOK(w)
	return nil
}
