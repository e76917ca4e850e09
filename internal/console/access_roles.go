package console

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

func init() {
	funcs["add"] = func(a, b int) int { return a + b }
	funcs["val"] = func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
}

// rolesPage is GET /roles: every role with its groups, doors and shift.
func (c *Console) rolesPage(w http.ResponseWriter, r *http.Request, q *req) error {
	data, err := c.accessNames(r.Context(), q)
	if err != nil {
		return err
	}
	roles, err := c.st.ListRoles(r.Context(), q.acct.ID)
	if err != nil {
		return err
	}
	data["Title"], data["Roles"] = "Roles", roles
	c.render(w, http.StatusOK, q, "roles", "", data)
	return nil
}

// accessNames loads what a role form and list name: the account's groups,
// doors (with their sites) and shifts, and maps of their names by id.
func (c *Console) accessNames(ctx context.Context, q *req) (map[string]any, error) {
	groups, err := c.st.ListGroups(ctx, q.acct.ID)
	if err != nil {
		return nil, err
	}
	doors, _, err := c.st.ListChannels(ctx, q.acct.ID, nil, store.Page{})
	if err != nil {
		return nil, err
	}
	shifts, err := c.st.ListShifts(ctx, q.acct.ID)
	if err != nil {
		return nil, err
	}
	sites, _, err := c.st.ListSites(ctx, q.acct.ID, store.Page{})
	if err != nil {
		return nil, err
	}
	gn, dn, sn, siteName := map[int64]string{}, map[int64]string{}, map[int64]string{}, map[int64]string{}
	for _, g := range groups {
		gn[g.ID] = g.Name
	}
	for _, s := range sites {
		siteName[s.ID] = s.Name
	}
	for _, d := range doors {
		dn[d.ID] = d.Name
		if d.SiteID != nil && siteName[*d.SiteID] != "" {
			dn[d.ID] = d.Name + " (" + siteName[*d.SiteID] + ")"
		}
	}
	for _, s := range shifts {
		sn[s.ID] = s.Name
	}
	return map[string]any{"AllGroups": groups, "AllDoors": doors, "AllShifts": shifts, "GroupName": gn, "DoorName": dn, "ShiftName": sn}, nil
}

// roleForm is the role form as typed.
type roleForm struct {
	Name, Notes string
	ShiftID     int64 // 0: at all hours
	GroupIDs    []int64
	DoorIDs     []int64
}

func readRoleForm(r *http.Request) roleForm {
	shift, _ := strconv.ParseInt(r.PostFormValue("shift_id"), 10, 64)
	return roleForm{Name: field(r, "name", 300), Notes: field(r, "notes", 4000), ShiftID: max(shift, 0),
		GroupIDs: postedIDs(r, "group_id"), DoorIDs: postedIDs(r, "door_id")}
}

func (f roleForm) apply(ro *domain.Role) {
	ro.Name, ro.Notes, ro.GroupIDs, ro.ChannelIDs, ro.ShiftID = f.Name, optional(f.Notes), f.GroupIDs, f.DoorIDs, nil
	if f.ShiftID > 0 {
		id := f.ShiftID
		ro.ShiftID = &id
	}
}

func (f roleForm) changes() map[string]any {
	return map[string]any{"name": f.Name, "notes": f.Notes, "shift_id": f.ShiftID, "group_ids": f.GroupIDs, "channel_ids": f.DoorIDs}
}

// roleNew is GET /roles/new.
func (c *Console) roleNew(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.renderRole(w, r, q, http.StatusOK, nil, roleForm{}, "")
}

func (c *Console) renderRole(w http.ResponseWriter, r *http.Request, q *req, status int, ro *domain.Role, f roleForm, msg string) error {
	data, err := c.accessNames(r.Context(), q)
	if err != nil {
		return err
	}
	data["Title"], data["Form"], data["Error"] = "New role", f, msg
	if ro != nil {
		data["Title"], data["AccessRole"] = ro.Name, ro
	}
	c.render(w, status, q, "role", "", data)
	return nil
}

// roleCreate is POST /roles.
func (c *Console) roleCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	f := readRoleForm(r)
	ro := &domain.Role{AccountID: q.acct.ID, CreatedAt: c.now().UTC().Truncate(time.Millisecond)}
	f.apply(ro)
	err := c.st.CreateRole(audited(r, "roles", 0, "create", f.changes()), ro)
	if invalid(err) {
		return c.renderRole(w, r, q, http.StatusUnprocessableEntity, nil, f, formError(err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, idPath("roles", ro.ID))
}

// rolePage is GET /roles/{id}.
func (c *Console) rolePage(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "role")
	if err != nil {
		return err
	}
	ro, err := c.st.GetRole(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	f := roleForm{Name: ro.Name, Notes: deref(ro.Notes), GroupIDs: ro.GroupIDs, DoorIDs: ro.ChannelIDs}
	if ro.ShiftID != nil {
		f.ShiftID = *ro.ShiftID
	}
	return c.renderRole(w, r, q, http.StatusOK, ro, f, "")
}

// roleUpdate is POST /roles/{id}: the form (its groups and doors replace
// the role's), or action=delete.
func (c *Console) roleUpdate(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "role")
	if err != nil {
		return err
	}
	ro, err := c.st.GetRole(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	if r.PostFormValue("action") == "delete" {
		if err := c.st.DeleteRole(audited(r, "roles", id, "delete", nil), q.acct.ID, id); err != nil {
			return deleteRefused(err)
		}
		return seeOther(w, r, "/roles")
	}
	saved := *ro
	f := readRoleForm(r)
	f.apply(ro)
	ro.UpdatedAt = c.now().UTC().Truncate(time.Millisecond)
	err = c.st.UpdateRole(audited(r, "roles", id, "update", f.changes()), ro)
	if invalid(err) {
		return c.renderRole(w, r, q, http.StatusUnprocessableEntity, &saved, f, formError(err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, idPath("roles", id))
}
