package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// registerEditors adds the editors of the account's access rules: groups
// and their members, roles, shifts, sites, reservations and group
// reservations. Reading needs PermRead; groups, roles, shifts and sites
// are configuration (PermConfigure); memberships and reservations are
// people's (PermPeople).
func (c *Console) registerEditors(mux *http.ServeMux) {
	mux.Handle("GET /groups", c.handle(domain.PermRead, c.groupsPage))
	mux.Handle("GET /groups/new", c.handle(domain.PermConfigure, c.groupNew))
	mux.Handle("POST /groups", c.handle(domain.PermConfigure, c.groupCreate))
	mux.Handle("GET /groups/{id}", c.handle(domain.PermRead, c.groupPage))
	mux.Handle("POST /groups/{id}", c.handle(domain.PermConfigure, c.groupUpdate))
	mux.Handle("POST /groups/{id}/members", c.handle(domain.PermPeople, c.groupMember))

	mux.Handle("GET /roles", c.handle(domain.PermRead, c.rolesPage))
	mux.Handle("GET /roles/new", c.handle(domain.PermConfigure, c.roleNew))
	mux.Handle("POST /roles", c.handle(domain.PermConfigure, c.roleCreate))
	mux.Handle("GET /roles/{id}", c.handle(domain.PermRead, c.rolePage))
	mux.Handle("POST /roles/{id}", c.handle(domain.PermConfigure, c.roleUpdate))

	mux.Handle("GET /shifts", c.handle(domain.PermRead, c.shiftsPage))
	mux.Handle("GET /shifts/new", c.handle(domain.PermConfigure, c.shiftNew))
	mux.Handle("POST /shifts", c.handle(domain.PermConfigure, c.shiftCreate))
	mux.Handle("GET /shifts/{id}", c.handle(domain.PermRead, c.shiftPage))
	mux.Handle("POST /shifts/{id}", c.handle(domain.PermConfigure, c.shiftUpdate))

	mux.Handle("GET /sites", c.handle(domain.PermRead, c.sitesPage))
	mux.Handle("GET /sites/new", c.handle(domain.PermConfigure, c.siteNew))
	mux.Handle("POST /sites", c.handle(domain.PermConfigure, c.siteCreate))
	mux.Handle("GET /sites/{id}", c.handle(domain.PermRead, c.sitePage))
	mux.Handle("POST /sites/{id}", c.handle(domain.PermConfigure, c.siteUpdate))

	mux.Handle("GET /reservations", c.handle(domain.PermRead, c.reservationsPage))
	mux.Handle("POST /people/{id}/reservations", c.handle(domain.PermPeople, c.reservationCreate))
	mux.Handle("POST /reservations/{id}/delete", c.handle(domain.PermPeople, c.reservationDelete))
	mux.Handle("POST /people/{id}/group_reservations", c.handle(domain.PermPeople, c.groupReservationCreate))
	mux.Handle("POST /group_reservations/{id}/cancel", c.handle(domain.PermPeople, c.groupReservationCancel))
}

// audited describes the write the request is about to make for the audit
// log (the actor is the signed-in operator, set by handle).
func audited(r *http.Request, resource string, id int64, action string, changes map[string]any) context.Context {
	rid := ""
	if id > 0 {
		rid = strconv.FormatInt(id, 10)
	}
	return store.WithOperation(r.Context(), store.Operation{Resource: resource, ResourceID: rid, Action: action, Changes: changes})
}

// field reads a posted text field, trimmed and cut to n bytes.
func field(r *http.Request, name string, n int) string {
	s := strings.TrimSpace(r.PostFormValue(name))
	if len(s) > n {
		s = s[:n]
	}
	return s
}

// postedIDs reads the positive ids posted under name; anything else is
// dropped (the store says when an id is not the account's).
func postedIDs(r *http.Request, name string) []int64 {
	out := []int64{}
	for _, s := range r.PostForm[name] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

// invalid reports whether err is one a form shows next to its fields
// (EINVALID, ECONFLICT) rather than as an error page.
func invalid(err error) bool {
	code := domain.ErrorCode(err)
	return code == domain.EINVALID || code == domain.ECONFLICT
}

// formError is the message a form shows for a refused write.
func formError(err error) string {
	if err == nil {
		return ""
	}
	return describe(err)
}

// deleteMsg is the error page for a delete the store refused because the
// thing is still used (ECONFLICT).
func deleteRefused(err error) error {
	if domain.ErrorCode(err) == domain.ECONFLICT {
		return &pageErr{http.StatusConflict, domain.ErrorMessage(err)}
	}
	return err
}

// idPath is "/kind/id".
func idPath(kind string, id int64) string { return "/" + kind + "/" + strconv.FormatInt(id, 10) }
