package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// auditEventJSON is one row of the audit log as the API shows it.
type auditEventJSON struct {
	ID         int64          `json:"id"`
	ActorType  string         `json:"actor_type"`
	ActorID    int64          `json:"actor_id"`
	UserID     *int64         `json:"user_id"`
	Actor      string         `json:"actor"`
	Resource   string         `json:"resource"`
	ResourceID *string        `json:"resource_id"`
	Action     string         `json:"action"`
	Changes    map[string]any `json:"changes"`
	IPAddress  *string        `json:"ip_address"`
	UserAgent  *string        `json:"user_agent"`
	CreatedAt  string         `json:"created_at"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newAuditEventJSON(e *store.AuditEvent) auditEventJSON {
	out := auditEventJSON{ID: e.ID, ActorType: e.ActorKind, ActorID: e.ActorID, Actor: e.ActorDisplay, Resource: e.Resource,
		ResourceID: optString(e.ResourceID), Action: e.Action, Changes: e.Changes, IPAddress: optString(e.IP),
		UserAgent: optString(e.UserAgent), CreatedAt: formatTime(e.CreatedAt)}
	if e.ActorUserID != 0 {
		id := e.ActorUserID
		out.UserID = &id
	}
	if out.Changes == nil {
		out.Changes = map[string]any{}
	}
	return out
}

// auditActorTypes are the values actor_type accepts.
var auditActorTypes = map[string]bool{store.ActorOperator: true, store.ActorApp: true, store.ActorAPIKey: true,
	store.ActorController: true, store.ActorCLI: true, store.ActorHolder: true}

// listAuditEvents serves GET /api/3/audit_events (extension, scope
// account.audit.readonly): the account's audit log, newest first, paged
// with page and per_page (default 50, at most 500) and DoorFlow's
// pagination headers. Filters: actor_type and actor_id, user_id (the
// operator, directly or through an application or key), resource and
// resource_id, action, since and until (ISO 8601; without an offset, in
// the account's time zone). Errors: 400 for a malformed filter.
func (a *API) listAuditEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	pg := parsePager(r, "per_page", 50, 500)
	pg.all = false // the audit log is always paginated
	f := store.AuditFilter{Page: pg.storePage()}
	bad := func(msg string) error { return domain.Errorf(domain.EBADREQUEST, "%s", msg) }
	if s := strings.TrimSpace(q.Get("actor_type")); s != "" {
		if !auditActorTypes[s] {
			return bad("actor_type must be operator, app, api_key, controller, cli or holder")
		}
		f.ActorKind = s
	}
	id := func(name string) (int64, error) {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, bad(name + " must be a non-negative integer")
		}
		return n, nil
	}
	var err error
	if f.ActorID, err = id("actor_id"); err != nil {
		return err
	}
	if f.ActorID != 0 && f.ActorKind == "" {
		return bad("actor_id needs actor_type")
	}
	if f.UserID, err = id("user_id"); err != nil {
		return err
	}
	f.Resource, f.ResourceID, f.Action = strings.TrimSpace(q.Get("resource")), strings.TrimSpace(q.Get("resource_id")), strings.TrimSpace(q.Get("action"))
	if f.ResourceID != "" && f.Resource == "" {
		return bad("resource_id needs resource")
	}
	if len(f.Resource) > 100 || len(f.ResourceID) > 100 || len(f.Action) > 100 {
		return bad("resource, resource_id and action are at most 100 characters")
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		s := q.Get(name)
		if s == "" {
			continue
		}
		loc, err := c.location(r.Context())
		if err != nil {
			return err
		}
		t, ok := parseTime(s, loc)
		if !ok {
			return bad(name + " must be an ISO 8601 date-time")
		}
		*dst = t
	}
	events, total, err := a.st.ListAuditEvents(r.Context(), c.p.AccountID, f)
	if err != nil {
		return err
	}
	out := make([]auditEventJSON, 0, len(events))
	for _, e := range events {
		out = append(out, newAuditEventJSON(e))
	}
	pg.writeHeaders(w, total)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
