package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// maxAuditBody is how much of a request body is read to name the fields a
// write sets; a longer body is still served whole.
const maxAuditBody = 64 << 10

// auditContext returns r with its context carrying the caller as the
// actor of the audit log and, for a write, the operation the route
// performs: the resource and id from the route's pattern, the action from
// the method (or the command a route ends with, such as admit or
// lockdown), and the fields from the JSON body. The store records it in the
// write's own transaction (see store.WithActor).
func auditContext(r *http.Request, p *domain.Principal) *http.Request {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return r
	}
	ctx := store.WithActor(r.Context(), store.PrincipalActor(p, remoteIP(r), r.UserAgent()))
	op := routeOperation(r)
	if r.Body != nil && r.Body != http.NoBody {
		head, _ := io.ReadAll(io.LimitReader(r.Body, maxAuditBody))
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
		var obj map[string]any
		if len(head) < maxAuditBody && json.Unmarshal(head, &obj) == nil {
			op.Changes = flattenWrapper(obj)
		}
	}
	return r.WithContext(store.WithOperation(ctx, op))
}

// flattenWrapper unwraps a Rails-style {"person": {...}} body.
func flattenWrapper(obj map[string]any) map[string]any {
	if len(obj) == 1 {
		for _, v := range obj {
			if m, ok := v.(map[string]any); ok {
				return m
			}
		}
	}
	return obj
}

// routeOperation names what a write route does from its pattern:
// "PUT /api/3/people/{id}" updates people {id}; "POST
// /api/3/channels/{id}/lockdown" is the lockdown of channels {id}; "POST
// /api/3/people/{person_id}/credentials" creates credentials (the id is
// the new row's, filled in by the store).
func routeOperation(r *http.Request) store.Operation {
	_, path, _ := strings.Cut(r.Pattern, " ")
	path = strings.TrimPrefix(strings.TrimPrefix(path, "/api/3/"), "/api/2/")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	op := store.Operation{Action: methodAction(r.Method)}
	isParam := func(s string) bool { return strings.HasPrefix(s, "{") }
	last := len(segs) - 1
	switch {
	case last >= 1 && !isParam(segs[last]) && isParam(segs[last-1]):
		// .../{id}/verb
		op.Action = segs[last]
		op.ResourceID = r.PathValue(strings.Trim(segs[last-1], "{}"))
		if last >= 2 {
			op.Resource = segs[last-2]
		}
		if op.Action == "credentials" { // POST people/{person_id}/credentials
			op.Resource, op.Action, op.ResourceID = "credentials", methodAction(r.Method), ""
		}
	case isParam(segs[last]):
		op.ResourceID = r.PathValue(strings.Trim(segs[last], "{}"))
		if last >= 1 {
			op.Resource = segs[last-1]
		}
	default:
		op.Resource = segs[last]
	}
	if op.Resource == "sync" {
		op.Resource, op.Action = "account", "sync"
	}
	op.ResourceID = strings.TrimSuffix(op.ResourceID, ".json")
	return op
}

func methodAction(method string) string {
	switch method {
	case http.MethodPost:
		return "create"
	case http.MethodDelete:
		return "delete"
	}
	return "update"
}

// remoteIP is the address of the peer without its port.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
