package api

import (
	"net/http"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// roleDetailJSON is a role with the groups and doors it links; the
// extension routes answer with it (GET /roles keeps DoorFlow's shape).
type roleDetailJSON struct {
	roleJSON
	GroupIDs   []int64 `json:"group_ids"`
	ChannelIDs []int64 `json:"channel_ids"`
}

func newRoleDetailJSON(x *domain.Role) roleDetailJSON {
	out := roleDetailJSON{roleJSON: roleJSON{ID: x.ID, Name: x.Name, ShiftID: x.ShiftID, Notes: x.Notes,
		CreatedAt: formatTime(x.CreatedAt), UpdatedAt: formatTime(x.UpdatedAt)}, GroupIDs: x.GroupIDs, ChannelIDs: x.ChannelIDs}
	if out.GroupIDs == nil {
		out.GroupIDs = []int64{}
	}
	if out.ChannelIDs == nil {
		out.ChannelIDs = []int64{}
	}
	return out
}

// applyRole copies name, shift_id (null: all hours), notes, group_ids and
// channel_ids (alias door_controller_ids) onto x.
func applyRole(f fields, x *domain.Role, creating bool) {
	f.name("name", &x.Name, creating)
	if f.has("shift_id") {
		x.ShiftID, _ = f.int("shift_id")
	}
	f.text("notes", &x.Notes, 4000)
	if ids, ok := f.ids("group_ids"); ok {
		x.GroupIDs = ids
	}
	if ids, ok := f.ids("channel_ids"); ok {
		x.ChannelIDs = ids
	} else if ids, ok := f.ids("door_controller_ids"); ok {
		x.ChannelIDs = ids
	}
}

// createRole serves POST /api/3/roles (extension, 201 role with group_ids
// and channel_ids). Errors: 409 for a duplicate name; 422.
func (a *API) createRole(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := readResource(r, "role")
	if err != nil {
		return err
	}
	x := &domain.Role{AccountID: c.p.AccountID, CreatedAt: a.nowMS()}
	applyRole(f, x, true)
	if err := f.v.Err(); err != nil {
		return err
	}
	if err := a.st.CreateRole(r.Context(), x); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, newRoleDetailJSON(x))
	return nil
}

// updateRole serves PUT /api/3/roles/{id} (extension, 200): group_ids and
// channel_ids, when given, replace the role's links. Errors: 404; 409; 422.
func (a *API) updateRole(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "role")
	if err != nil {
		return err
	}
	x, err := a.st.GetRole(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	f, err := readResource(r, "role")
	if err != nil {
		return err
	}
	applyRole(f, x, false)
	if err := f.v.Err(); err != nil {
		return err
	}
	x.UpdatedAt = a.nowMS()
	if err := a.st.UpdateRole(r.Context(), x); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newRoleDetailJSON(x))
	return nil
}

// deleteRole serves DELETE /api/3/roles/{id} (extension): the people and
// groups it joined to doors lose that access. Errors: 404.
func (a *API) deleteRole(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "role")
	if err != nil {
		return err
	}
	if err := a.st.DeleteRole(r.Context(), c.p.AccountID, id); err != nil {
		return err
	}
	writeOK(w)
	return nil
}
