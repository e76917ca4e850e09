package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// membersPageSize is how many members (and search results) a group page shows.
const membersPageSize = 50

// candidatesSize is how many people the add-a-member search shows.
const candidatesSize = 10

// groupsPage is GET /groups: every group (an account has tens, not
// thousands) and the roles that name it.
func (c *Console) groupsPage(w http.ResponseWriter, r *http.Request, q *req) error {
	groups, err := c.st.ListGroups(r.Context(), q.acct.ID)
	if err != nil {
		return err
	}
	roles, err := c.st.ListRoles(r.Context(), q.acct.ID)
	if err != nil {
		return err
	}
	rolesOf := map[int64][]*domain.Role{}
	for _, ro := range roles {
		for _, g := range ro.GroupIDs {
			rolesOf[g] = append(rolesOf[g], ro)
		}
	}
	c.render(w, http.StatusOK, q, "groups", "", map[string]any{"Title": "Groups", "Groups": groups, "RolesOf": rolesOf})
	return nil
}

// groupForm is the group form as typed.
type groupForm struct {
	Name, Notes string
	Global      bool
}

func readGroupForm(r *http.Request) groupForm {
	return groupForm{Name: field(r, "name", 300), Notes: field(r, "notes", 4000), Global: r.PostFormValue("global_across_sites") == "on"}
}

func (f groupForm) apply(g *domain.Group) {
	g.Name, g.Notes, g.GlobalAcrossSites = f.Name, optional(f.Notes), f.Global
}

// groupNew is GET /groups/new.
func (c *Console) groupNew(w http.ResponseWriter, r *http.Request, q *req) error {
	c.render(w, http.StatusOK, q, "group", "", map[string]any{"Title": "New group", "Form": groupForm{Global: true}})
	return nil
}

// groupCreate is POST /groups.
func (c *Console) groupCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	f := readGroupForm(r)
	g := &domain.Group{AccountID: q.acct.ID, CreatedAt: c.now().UTC().Truncate(time.Millisecond)}
	f.apply(g)
	err := c.st.CreateGroup(audited(r, "groups", 0, "create", map[string]any{"name": g.Name, "notes": g.Notes, "global_across_sites": g.GlobalAcrossSites}), g)
	if invalid(err) {
		c.render(w, http.StatusUnprocessableEntity, q, "group", "", map[string]any{"Title": "New group", "Form": f, "Error": formError(err)})
		return nil
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, idPath("groups", g.ID))
}

// groupPage is GET /groups/{id}: the group's form, its roles, its members
// a page at a time (after: the last person id of the previous page) and,
// for an operator who may change memberships, a search (q) for people to
// add; ?fragment=candidates answers the search alone, as the operator
// types.
func (c *Console) groupPage(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "group")
	if err != nil {
		return err
	}
	g, err := c.st.GetGroup(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	return c.renderGroup(w, r, q, http.StatusOK, g, nil, "")
}

func (c *Console) renderGroup(w http.ResponseWriter, r *http.Request, q *req, status int, g *domain.Group, form *groupForm, msg string) error {
	ctx := r.Context()
	search := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(search) > 200 {
		search = search[:200]
	}
	data := map[string]any{"Title": g.Name, "Group": g, "Search": search, "Error": msg}
	if search != "" && q.can(domain.PermPeople) {
		found, err := c.st.SearchPeople(ctx, q.acct.ID, search, 0, candidatesSize)
		if err != nil {
			return err
		}
		data["Candidates"] = found
	}
	if fragment(r) == "candidates" {
		c.render(w, status, q, "group", "candidates", data)
		return nil
	}
	f := groupForm{Name: g.Name, Notes: deref(g.Notes), Global: g.GlobalAcrossSites}
	if form != nil {
		f = *form
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	members, err := c.st.GroupMembers(ctx, q.acct.ID, g.ID, max(after, 0), membersPageSize+1)
	if err != nil {
		return err
	}
	var next int64
	if len(members) > membersPageSize {
		members = members[:membersPageSize]
		next = members[len(members)-1].ID
	}
	roles, err := c.st.ListRoles(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	var mine []*domain.Role
	for _, ro := range roles {
		for _, gid := range ro.GroupIDs {
			if gid == g.ID {
				mine = append(mine, ro)
				break
			}
		}
	}
	data["Form"], data["Members"], data["Next"], data["After"], data["Roles"] = f, members, next, after, mine
	c.render(w, status, q, "group", "", data)
	return nil
}

// groupUpdate is POST /groups/{id}: the form, or action=delete.
func (c *Console) groupUpdate(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "group")
	if err != nil {
		return err
	}
	g, err := c.st.GetGroup(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	if r.PostFormValue("action") == "delete" {
		if err := c.st.DeleteGroup(audited(r, "groups", id, "delete", nil), q.acct.ID, id, c.now()); err != nil {
			return deleteRefused(err)
		}
		return seeOther(w, r, "/groups")
	}
	f := readGroupForm(r)
	f.apply(g)
	g.UpdatedAt = c.now().UTC().Truncate(time.Millisecond)
	err = c.st.UpdateGroup(audited(r, "groups", id, "update", map[string]any{"name": g.Name, "notes": g.Notes, "global_across_sites": g.GlobalAcrossSites}), g)
	if invalid(err) {
		return c.renderGroup(w, r, q, http.StatusUnprocessableEntity, g, &f, formError(err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, idPath("groups", id))
}

// groupMember is POST /groups/{id}/members: person_id joins the group
// (action=add) or leaves it (action=remove); their other groups stay.
func (c *Console) groupMember(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "group")
	if err != nil {
		return err
	}
	person, _ := strconv.ParseInt(r.PostFormValue("person_id"), 10, 64)
	action := r.PostFormValue("action")
	if action != "add" && action != "remove" {
		return &pageErr{http.StatusUnprocessableEntity, "Choose whether to add or remove the person."}
	}
	if person <= 0 {
		return &pageErr{http.StatusUnprocessableEntity, "Choose a person."}
	}
	ctx := audited(r, "groups", id, action+"_member", map[string]any{"person_id": person})
	if err := c.st.SetGroupMember(ctx, q.acct.ID, id, person, action == "add", c.now().UTC().Truncate(time.Millisecond)); err != nil {
		return err
	}
	back := idPath("groups", id)
	if b := r.PostFormValue("back"); b == "person" {
		back = idPath("people", person)
	}
	return seeOther(w, r, back)
}
