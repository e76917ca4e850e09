package api

import (
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Extension scopes: write access to what DoorFlow leaves to its web UI.
const (
	scopeSite           = "account.site"
	scopeChannel        = "account.channel"
	scopeCredentialType = "account.credential_type"
	scopeGroup          = "account.group"
	scopeRole           = "account.role"
	scopeShiftRead      = "account.shift.readonly"
	scopeShift          = "account.shift"
)

// registerExtensions adds Lintel's write routes for what DoorFlow leaves to
// its web UI. They sit beside the compatible routes and change none of them:
// creates answer 201, updates 200 with the resource, deletes 200
// {"result":"ok"}.
func (a *API) registerExtensions(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/3/sites", a.route(scopeSite, a.createSite))
	mux.HandleFunc("PUT /api/3/sites/{id}", a.route(scopeSite, a.updateSite))
	mux.HandleFunc("DELETE /api/3/sites/{id}", a.route(scopeSite, a.deleteSite))

	mux.HandleFunc("POST /api/3/channels", a.route(scopeChannel, a.createChannel))
	mux.HandleFunc("PUT /api/3/channels/{id}", a.route(scopeChannel, a.updateChannel))
	mux.HandleFunc("DELETE /api/3/channels/{id}", a.route(scopeChannel, a.deleteChannel))

	mux.HandleFunc("POST /api/3/credential_types", a.route(scopeCredentialType, a.createCredentialType))
	mux.HandleFunc("PUT /api/3/credential_types/{id}", a.route(scopeCredentialType, a.updateCredentialType))
	mux.HandleFunc("DELETE /api/3/credential_types/{id}", a.route(scopeCredentialType, a.deleteCredentialType))

	mux.HandleFunc("POST /api/3/groups", a.route(scopeGroup, a.createGroup))
	mux.HandleFunc("PUT /api/3/groups/{id}", a.route(scopeGroup, a.updateGroup))
	mux.HandleFunc("DELETE /api/3/groups/{id}", a.route(scopeGroup, a.deleteGroup))

	mux.HandleFunc("POST /api/3/roles", a.route(scopeRole, a.createRole))
	mux.HandleFunc("PUT /api/3/roles/{id}", a.route(scopeRole, a.updateRole))
	mux.HandleFunc("DELETE /api/3/roles/{id}", a.route(scopeRole, a.deleteRole))

	mux.HandleFunc("GET /api/3/shifts", a.route(scopeShiftRead, a.listShifts))
	mux.HandleFunc("GET /api/3/shifts/{id}", a.route(scopeShiftRead, a.getShift))
	mux.HandleFunc("POST /api/3/shifts", a.route(scopeShift, a.createShift))
	mux.HandleFunc("PUT /api/3/shifts/{id}", a.route(scopeShift, a.updateShift))
	mux.HandleFunc("DELETE /api/3/shifts/{id}", a.route(scopeShift, a.deleteShift))

	mux.HandleFunc("GET /api/3/audit_events", a.route(domain.ScopeAuditRead, a.listAuditEvents))
}

// readResource reads an object body, unwrapping it from key when wrapped.
// Errors: 400 for malformed JSON or a body that is not an object; 422 for
// a wrapper that is not an object.
func readResource(r *http.Request, key string) (fields, error) {
	obj, err := readObject(r)
	if err != nil {
		return fields{}, err
	}
	if obj, err = unwrap(obj, key); err != nil {
		return fields{}, err
	}
	return fields{obj: obj, v: &domain.Validation{}}, nil
}

// text sets *dst from a nullable string field when present; blank strings
// become nil. It reports whether the field was present.
func (f fields) text(name string, dst **string, maxLen int) bool {
	s, ok := f.str(name, false)
	if !ok {
		return false
	}
	if s != nil {
		t := strings.TrimSpace(*s)
		if len(t) > maxLen {
			f.v.Add(name, "is too long")
			return true
		}
		if t == "" {
			s = nil
		} else {
			s = &t
		}
	}
	*dst = s
	return true
}

// name sets *dst from a required string field: present and blank is a
// validation error, and so is absent when required.
func (f fields) name(field string, dst *string, required bool) {
	s, ok := f.str(field, false)
	switch {
	case ok && s != nil && strings.TrimSpace(*s) != "":
		t := strings.TrimSpace(*s)
		if len(t) > 255 {
			f.v.Add(field, "is too long (maximum is 255 characters)")
			return
		}
		*dst = t
	case ok && !f.v.Has(field), !ok && required:
		f.v.Add(field, "can't be blank")
	}
}
