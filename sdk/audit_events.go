package lintel

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// AuditEvent is one write recorded in the account's audit log (a Lintel
// extension; DoorFlow has no audit log).
type AuditEvent struct {
	ID int64 `json:"id"`
	// ActorType is who made the write: operator, app, api_key, controller,
	// cli, or holder (a mobile pass holder activating their pass).
	ActorType string `json:"actor_type"`
	// ActorID is the operator, application, key or controller (0 for the
	// command line).
	ActorID int64 `json:"actor_id"`
	// UserID is the operator the write was made by or for (an application
	// or key acts for one).
	UserID *int64 `json:"user_id"`
	// Actor is how the actor was shown at the time, such as an email.
	Actor string `json:"actor"`
	// Resource is the kind of resource written: people, channels,
	// credentials, operators, accounts, ...
	Resource   string  `json:"resource"`
	ResourceID *string `json:"resource_id"`
	// Action is create, update, delete, or a verb such as unlock,
	// lockdown, invite or disable.
	Action string `json:"action"`
	// Changes are the fields the write set; secret values read
	// "[redacted]".
	Changes   map[string]any `json:"changes"`
	IPAddress *string        `json:"ip_address"`
	UserAgent *string        `json:"user_agent"`
	CreatedAt time.Time      `json:"created_at"`
}

// AuditEventListOptions filter and page the audit log. The zero value
// asks for the first page (50 rows) of everything, newest first.
type AuditEventListOptions struct {
	ListOptions // PerPage: at most 500
	// ActorType keeps the writes of one kind of actor: operator, app,
	// api_key, controller, cli or holder.
	ActorType string
	// ActorID, with ActorType, keeps the writes of one operator,
	// application, key or controller.
	ActorID int64
	// UserID keeps the writes of one operator, made directly or through an
	// application or key acting for them.
	UserID int64
	// Resource keeps the writes to one kind of resource ("people").
	Resource string
	// ResourceID, with Resource, keeps the writes to one of them.
	ResourceID string
	// Action keeps one action ("create", "update", "delete", "unlock").
	Action string
	// Since and Until keep the writes at or after Since and before Until.
	Since, Until time.Time
}

// AuditEventsService reads the account's audit log (listAuditEvents, a
// Lintel extension; scope account.audit.readonly, which only owners and
// admins may grant).
type AuditEventsService struct{ c *Client }

// List returns one page of the audit log, newest first (listAuditEvents).
// A malformed filter (an unknown actor type, ActorID without ActorType,
// ResourceID without Resource) is a 400 *Error.
func (s *AuditEventsService) List(ctx context.Context, opt *AuditEventListOptions) ([]*AuditEvent, PageInfo, error) {
	o := deref(opt)
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("actor_type", o.ActorType)
	if o.ActorID != 0 {
		q.Set("actor_id", strconv.FormatInt(o.ActorID, 10))
	}
	if o.UserID != 0 {
		q.Set("user_id", strconv.FormatInt(o.UserID, 10))
	}
	set("resource", o.Resource)
	set("resource_id", o.ResourceID)
	set("action", o.Action)
	if !o.Since.IsZero() {
		q.Set("since", formatTime(o.Since))
	}
	if !o.Until.IsZero() {
		q.Set("until", formatTime(o.Until))
	}
	return listPage[AuditEvent](ctx, s.c, "/api/3/audit_events", q, o.ListOptions, "per_page")
}

// All iterates over every row of the audit log matching opt, newest
// first, page by page. Rows written while it runs may shift the pages, so
// a row can come twice; bound the walk with Until to avoid that.
func (s *AuditEventsService) All(ctx context.Context, opt *AuditEventListOptions) iter.Seq2[*AuditEvent, error] {
	o := deref(opt)
	return all(ctx, o.ListOptions, func(ctx context.Context, lo ListOptions) ([]*AuditEvent, PageInfo, error) {
		o.ListOptions = lo
		return s.List(ctx, &o)
	})
}
