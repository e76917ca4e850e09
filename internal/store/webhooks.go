package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Webhook endpoint kinds.
const (
	WebhookApp  = "app"  // an OAuth application's webhook URL
	WebhookRule = "rule" // a notification rule's callback URL
)

// Webhook delivery statuses.
const (
	DeliveryPending   = "pending"   // waiting for (another) attempt
	DeliveryDelivered = "delivered" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // given up after the retry window
)

// WebhookEndpoint is where notifications go. Secret signs requests; it is
// kept recoverable and must never be logged.
type WebhookEndpoint struct {
	ID                  int64
	Kind                string // WebhookApp or WebhookRule
	AppID               int64  // kind app (0 otherwise)
	RuleID              int64  // kind rule (0 otherwise)
	AccountID           int64  // kind rule: the rule's account (0 otherwise)
	URL                 string
	Secret              string
	EventCursor         int64 // highest event id already turned into deliveries
	ConsecutiveFailures int
	FailingSince        *time.Time
	DisabledAt          *time.Time
	DisabledReason      string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// WebhookDelivery is one notification to one endpoint, of an event or of a
// resource change: exactly one of EventID and ChangeID is set. ID is the
// idempotency id sent to receivers.
type WebhookDelivery struct {
	ID              int64
	EndpointID      int64
	EventID         int64 // the event it announces (0 for a change's delivery)
	ChangeID        int64 // the resource change it announces (0 for an event's delivery)
	AccountID       int64
	Status          string
	Attempts        int
	NextAttemptAt   time.Time
	LastAttemptAt   *time.Time
	LastStatusCode  int
	LastError       string
	LastLatency     time.Duration
	ResponseSnippet string
	ReplayOf        int64 // 0 unless this is a replay of another delivery
	DeliveredAt     *time.Time
	AckedAt         *time.Time
	CreatedAt       time.Time
}

// ClaimedDelivery is a delivery leased to a worker, with what it needs to
// send it.
type ClaimedDelivery struct {
	WebhookDelivery
	Kind       string
	RuleID     int64
	URL        string
	Secret     string
	AccountUID string
	EventCode  int // 0 for a change's delivery, or if the event is gone
}

// WebhookEventRef is what the enqueuer needs to know about an event.
type WebhookEventRef struct {
	ID        int64
	AccountID int64
	Code      int
	ChannelID *int64
}

// WebhookAttempt is the outcome of one delivery attempt.
type WebhookAttempt struct {
	At         time.Time
	StatusCode int // 0 when no response arrived
	Error      string
	Latency    time.Duration
	Snippet    string // start of the response body
	Delivered  bool
	GiveUp     bool      // not delivered and out of retries
	NextAt     time.Time // when not delivered and not given up
}

const webhookEndpointCols = `id, kind, app_id, rule_id, account_id, url, secret, event_cursor, consecutive_failures,
	failing_since, disabled_at, disabled_reason, created_at, updated_at`

func scanWebhookEndpoint(sc scanner) (*WebhookEndpoint, error) {
	var (
		e                 WebhookEndpoint
		app, rule, acct   sql.NullInt64
		failing, disabled sql.NullInt64
		created, updated  int64
	)
	if err := sc.Scan(&e.ID, &e.Kind, &app, &rule, &acct, &e.URL, &e.Secret, &e.EventCursor, &e.ConsecutiveFailures,
		&failing, &disabled, &e.DisabledReason, &created, &updated); err != nil {
		return nil, err
	}
	e.AppID, e.RuleID, e.AccountID = app.Int64, rule.Int64, acct.Int64
	e.FailingSince, e.DisabledAt = timePtr(failing), timePtr(disabled)
	e.CreatedAt, e.UpdatedAt = fromMS(created), fromMS(updated)
	return &e, nil
}

const webhookDeliveryCols = `d.id, d.endpoint_id, d.event_id, d.change_id, d.account_id, d.status, d.attempts, d.next_attempt_at,
	d.last_attempt_at, d.last_status_code, d.last_error, d.last_latency_ms, d.response_snippet, d.replay_of, d.delivered_at,
	d.acked_at, d.created_at`

func scanWebhookDelivery(sc scanner, extra ...any) (*WebhookDelivery, error) {
	var (
		d                             WebhookDelivery
		event, change                 sql.NullInt64
		next, created                 int64
		last, delivered, acked, reply sql.NullInt64
		latency                       int64
	)
	dest := append([]any{&d.ID, &d.EndpointID, &event, &change, &d.AccountID, &d.Status, &d.Attempts, &next, &last,
		&d.LastStatusCode, &d.LastError, &latency, &d.ResponseSnippet, &reply, &delivered, &acked, &created}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	d.EventID, d.ChangeID = event.Int64, change.Int64
	d.NextAttemptAt, d.CreatedAt = fromMS(next), fromMS(created)
	d.LastAttemptAt, d.DeliveredAt, d.AckedAt = timePtr(last), timePtr(delivered), timePtr(acked)
	d.LastLatency = time.Duration(latency) * time.Millisecond
	d.ReplayOf = reply.Int64
	return &d, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// MaxEventID returns the highest event id of the account, or of every
// account when accountID is 0 (0 when there are none).
func (s *Store) MaxEventID(ctx context.Context, accountID int64) (int64, error) {
	var id sql.NullInt64
	var err error
	if accountID == 0 {
		err = s.queryRow(ctx, `SELECT MAX(id) FROM events`).Scan(&id)
	} else {
		err = s.queryRow(ctx, `SELECT MAX(id) FROM events WHERE account_id = ?`, accountID).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("max event id: %w", err)
	}
	return id.Int64, nil
}

// ListEventsAfter returns up to limit events of the account with ids above
// afterID, in id order (the event stream's backfill).
func (s *Store) ListEventsAfter(ctx context.Context, accountID, afterID int64, limit int) ([]*domain.Event, error) {
	rows, err := s.query(ctx, `SELECT `+eventCols+` FROM events WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?`,
		accountID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list events after %d: %w", afterID, err)
	}
	defer rows.Close()
	out := []*domain.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ScanWebhookEvents returns up to limit events (of every account) with ids
// above afterID, in id order, reduced to what routing needs.
func (s *Store) ScanWebhookEvents(ctx context.Context, afterID int64, limit int) ([]WebhookEventRef, error) {
	rows, err := s.query(ctx, `SELECT id, account_id, event_code, channel_id FROM events WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("scan events after %d: %w", afterID, err)
	}
	defer rows.Close()
	var out []WebhookEventRef
	for rows.Next() {
		var (
			e  WebhookEventRef
			ch sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &e.AccountID, &e.Code, &ch); err != nil {
			return nil, err
		}
		e.ChannelID = int64Ptr(ch)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AppWebhookAccounts returns, for an application, the accounts that have
// authorised it and the union of the scopes their users granted. A
// suspended application has none.
func (s *Store) AppWebhookAccounts(ctx context.Context, appID int64) (map[int64]domain.ScopeSet, error) {
	rows, err := s.query(ctx, `SELECT g.account_id, g.scopes FROM oauth_grants g JOIN oauth_apps a ON a.id = g.app_id
		WHERE g.app_id = ? AND a.state <> ?`, appID, domain.AppSuspended)
	if err != nil {
		return nil, fmt.Errorf("app webhook accounts: %w", err)
	}
	defer rows.Close()
	out := map[int64]domain.ScopeSet{}
	for rows.Next() {
		var (
			acct   int64
			scopes string
		)
		if err := rows.Scan(&acct, &scopes); err != nil {
			return nil, err
		}
		set := out[acct]
		if set == nil {
			set = domain.ScopeSet{}
			out[acct] = set
		}
		for n := range domain.ParseScopes(scopes) {
			set[n] = struct{}{}
		}
	}
	return out, rows.Err()
}

// SetAppWebhook sets (or, with an empty url, removes) an application's
// webhook URL and signing secret, and creates or updates its endpoint. A new
// or re-enabled endpoint starts after the newest event, so history is not
// sent; pending deliveries resume. A missing application gives ENOTFOUND.
func (s *Store) SetAppWebhook(ctx context.Context, appID int64, url, secret string, now time.Time) (*WebhookEndpoint, error) {
	var ep *WebhookEndpoint
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.exec(ctx, `UPDATE oauth_apps SET webhook_url = ?, webhook_secret = ?, updated_at = ? WHERE id = ?`,
			url, secret, ms(now), appID)
		if err != nil {
			return fmt.Errorf("set app webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("application")
		}
		cur, err := tx.WebhookEndpointForApp(ctx, appID)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		if url == "" {
			if cur != nil {
				return tx.DisableWebhookEndpoint(ctx, cur.ID, "webhook URL removed", now)
			}
			return nil
		}
		max, err := tx.MaxEventID(ctx, 0)
		if err != nil {
			return err
		}
		if cur == nil {
			id, err := tx.insert(ctx, `INSERT INTO webhook_endpoints (kind, app_id, url, secret, event_cursor, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, WebhookApp, appID, url, secret, max, ms(now), ms(now))
			if err != nil {
				return fmt.Errorf("create app webhook endpoint: %w", err)
			}
			ep, err = tx.GetWebhookEndpoint(ctx, id)
			return err
		}
		cursor := cur.EventCursor
		if cur.DisabledAt != nil {
			cursor = max
		}
		if _, err := tx.exec(ctx, `UPDATE webhook_endpoints SET url = ?, secret = ?, event_cursor = ?, consecutive_failures = 0,
			failing_since = NULL, disabled_at = NULL, disabled_reason = '', updated_at = ? WHERE id = ?`,
			url, secret, cursor, ms(now), cur.ID); err != nil {
			return fmt.Errorf("update app webhook endpoint: %w", err)
		}
		ep, err = tx.GetWebhookEndpoint(ctx, cur.ID)
		return err
	})
	return ep, err
}

// RuleInactiveReason is why the endpoint of a removed or inactive rule is
// disabled; SaveRuleEndpoint re-enables only those (or ones whose URL or
// secret changed), not endpoints disabled for failing.
const RuleInactiveReason = "notification rule removed or inactive"

// RuleEndpoint is what a notification rule needs from the delivery side.
type RuleEndpoint struct {
	RuleID    int64
	AccountID int64
	URL       string
	Secret    string // "" keeps the current secret (or, for a new endpoint, uses newSecret)
	// Since, for a new endpoint, is when the rule was made: events stored
	// from then on are delivered. Zero means from the newest event on.
	Since time.Time
}

// SaveRuleEndpoint creates or updates the endpoint of an active rule. It
// re-enables an endpoint disabled with RuleInactiveReason, or any disabled
// endpoint whose URL or secret changes. A new endpoint starts with the
// events stored since r.Since (the rule's creation), a re-enabled one after
// the account's newest event. newSecret is used when the rule brings
// no secret and the endpoint has none yet.
func (s *Store) SaveRuleEndpoint(ctx context.Context, r RuleEndpoint, newSecret string, now time.Time) (*WebhookEndpoint, error) {
	var ep *WebhookEndpoint
	err := s.InTx(ctx, func(tx *Store) error {
		cur, err := scanWebhookEndpoint(tx.queryRow(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints WHERE rule_id = ?`, r.RuleID))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("get rule endpoint: %w", err)
		}
		max, err := tx.MaxEventID(ctx, r.AccountID)
		if err != nil {
			return err
		}
		if cur == nil {
			secret := r.Secret
			if secret == "" {
				secret = newSecret
			}
			if !r.Since.IsZero() {
				// Events are stored with updated_at at the time of storage.
				if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM events WHERE account_id = ? AND updated_at < ?`,
					r.AccountID, ms(r.Since)).Scan(&max); err != nil {
					return fmt.Errorf("rule endpoint start: %w", err)
				}
			}
			id, err := tx.insert(ctx, `INSERT INTO webhook_endpoints (kind, rule_id, account_id, url, secret, event_cursor, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, WebhookRule, r.RuleID, r.AccountID, r.URL, secret, max, ms(now), ms(now))
			if err != nil {
				return fmt.Errorf("create rule endpoint: %w", err)
			}
			ep, err = tx.GetWebhookEndpoint(ctx, id)
			return err
		}
		secret := r.Secret
		if secret == "" {
			secret = cur.Secret
		}
		if cur.URL == r.URL && cur.Secret == secret && (cur.DisabledAt == nil || cur.DisabledReason != RuleInactiveReason) {
			ep = cur
			return nil
		}
		cursor := cur.EventCursor
		if cur.DisabledAt != nil {
			cursor = max
		}
		if _, err := tx.exec(ctx, `UPDATE webhook_endpoints SET url = ?, secret = ?, event_cursor = ?, consecutive_failures = 0,
			failing_since = NULL, disabled_at = NULL, disabled_reason = '', updated_at = ? WHERE id = ?`,
			r.URL, secret, cursor, ms(now), cur.ID); err != nil {
			return fmt.Errorf("update rule endpoint: %w", err)
		}
		ep, err = tx.GetWebhookEndpoint(ctx, cur.ID)
		return err
	})
	return ep, err
}

// DisableWebhookEndpoint stops deliveries to an endpoint, recording why.
// Its pending deliveries stay queued. A missing endpoint gives ENOTFOUND.
func (s *Store) DisableWebhookEndpoint(ctx context.Context, id int64, reason string, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = ?, updated_at = ? WHERE id = ?`,
		ms(now), reason, ms(now), id)
	if err != nil {
		return fmt.Errorf("disable webhook endpoint %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("webhook endpoint")
	}
	return nil
}

// GetWebhookEndpoint returns an endpoint, or ENOTFOUND.
func (s *Store) GetWebhookEndpoint(ctx context.Context, id int64) (*WebhookEndpoint, error) {
	e, err := scanWebhookEndpoint(s.queryRow(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("webhook endpoint")
	}
	if err != nil {
		return nil, fmt.Errorf("get webhook endpoint %d: %w", id, err)
	}
	return e, nil
}

// WebhookEndpointForApp returns an application's endpoint, or ENOTFOUND.
func (s *Store) WebhookEndpointForApp(ctx context.Context, appID int64) (*WebhookEndpoint, error) {
	e, err := scanWebhookEndpoint(s.queryRow(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints WHERE app_id = ?`, appID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("webhook endpoint")
	}
	if err != nil {
		return nil, fmt.Errorf("get app webhook endpoint: %w", err)
	}
	return e, nil
}

// ListWebhookEndpoints returns every endpoint, oldest first.
func (s *Store) ListWebhookEndpoints(ctx context.Context) ([]*WebhookEndpoint, error) {
	rows, err := s.query(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	defer rows.Close()
	var out []*WebhookEndpoint
	for rows.Next() {
		e, err := scanWebhookEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EnqueueWebhookDeliveries moves an endpoint's event cursor from oldCursor
// to newCursor and queues one delivery per event, atomically. It returns
// false (and queues nothing) when the cursor was no longer oldCursor:
// another worker got there first.
func (s *Store) EnqueueWebhookDeliveries(ctx context.Context, endpointID, oldCursor, newCursor int64, events []WebhookEventRef, now time.Time) (bool, error) {
	subjects := make([]deliverySubject, len(events))
	for i, e := range events {
		subjects[i] = deliverySubject{id: e.ID, accountID: e.AccountID}
	}
	return s.enqueueDeliveries(ctx, eventDeliveries, endpointID, oldCursor, newCursor, subjects, now)
}

// deliveryKind is what is delivered: events or resource changes. Each
// kind has its own cursor column on webhook_endpoints and its own column
// naming the subject on webhook_deliveries.
type deliveryKind struct {
	name, cursorColumn, subjectColumn string
}

var (
	eventDeliveries  = deliveryKind{name: "event", cursorColumn: "event_cursor", subjectColumn: "event_id"}
	changeDeliveries = deliveryKind{name: "change", cursorColumn: "change_cursor", subjectColumn: "change_id"}
)

// deliverySubject is one event or change to queue a delivery of.
type deliverySubject struct {
	id, accountID int64
}

// enqueueDeliveries moves the endpoint's cursor of the kind from oldCursor
// to newCursor and, only if that succeeded, inserts one delivery per
// subject, in one transaction. Moving the cursor by compare-and-set is what
// queues each subject once per endpoint, however many workers run.
func (s *Store) enqueueDeliveries(ctx context.Context, kind deliveryKind, endpointID, oldCursor, newCursor int64, subjects []deliverySubject, now time.Time) (bool, error) {
	moved := false
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.exec(ctx, `UPDATE webhook_endpoints SET `+kind.cursorColumn+` = ? WHERE id = ? AND `+kind.cursorColumn+` = ?`,
			newCursor, endpointID, oldCursor)
		if err != nil {
			return fmt.Errorf("advance webhook %s cursor: %w", kind.name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		moved = true
		const chunk = 100
		for start := 0; start < len(subjects); start += chunk {
			part := subjects[start:min(start+chunk, len(subjects))]
			var q strings.Builder
			q.WriteString(`INSERT INTO webhook_deliveries (endpoint_id, ` + kind.subjectColumn + `, account_id, next_attempt_at, created_at) VALUES `)
			args := make([]any, 0, len(part)*5)
			for i, e := range part {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?)")
				args = append(args, endpointID, e.id, e.accountID, ms(now), ms(now))
			}
			if _, err := tx.exec(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("queue webhook %s deliveries: %w", kind.name, err)
			}
		}
		return nil
	})
	return moved, err
}

// ClaimWebhookDeliveries leases up to limit due deliveries of enabled
// endpoints to the caller: each gets one more attempt counted and becomes
// invisible to other workers until now+lease. A worker that dies holding a
// lease loses it when the lease runs out.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*ClaimedDelivery, error) {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE OF d SKIP LOCKED"
	}
	rows, err := s.query(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?
		WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
			WHERE d.status = ? AND d.next_attempt_at <= ? AND ep.disabled_at IS NULL
			ORDER BY d.next_attempt_at, d.id LIMIT ?`+lock+`)
		RETURNING id`, ms(now.Add(lease)), DeliveryPending, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err = s.query(ctx, `SELECT `+webhookDeliveryCols+`, ep.kind, ep.rule_id, ep.url, ep.secret, a.uid, COALESCE(ev.event_code, 0)
		FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id JOIN accounts a ON a.id = d.account_id
		LEFT JOIN events ev ON ev.id = d.event_id
		WHERE d.id IN (`+placeholders(len(ids))+`) ORDER BY d.id`, idArgs(ids)...)
	if err != nil {
		return nil, fmt.Errorf("load claimed deliveries: %w", err)
	}
	defer rows.Close()
	out := make([]*ClaimedDelivery, 0, len(ids))
	for rows.Next() {
		var (
			c    ClaimedDelivery
			rule sql.NullInt64
		)
		d, err := scanWebhookDelivery(rows, &c.Kind, &rule, &c.URL, &c.Secret, &c.AccountUID, &c.EventCode)
		if err != nil {
			return nil, err
		}
		c.WebhookDelivery, c.RuleID = *d, rule.Int64
		out = append(out, &c)
	}
	return out, rows.Err()
}

// WebhookCompletion is an attempt to record with CompleteWebhookDeliveries,
// and (filled in) what recording it found.
type WebhookCompletion struct {
	Delivery *ClaimedDelivery
	Attempt  WebhookAttempt

	// Recorded is false when the lease was lost (the delivery was claimed
	// again since); nothing was written for it then.
	Recorded bool
	// After a failure: the endpoint's streak of failed attempts and when
	// it began, for the caller's decision to disable it.
	Failures     int
	FailingSince time.Time
}

// CompleteWebhookDelivery records one attempt; see CompleteWebhookDeliveries.
func (s *Store) CompleteWebhookDelivery(ctx context.Context, d *ClaimedDelivery, a WebhookAttempt) (ok bool, failures int, failingSince time.Time, err error) {
	c := &WebhookCompletion{Delivery: d, Attempt: a}
	err = s.CompleteWebhookDeliveries(ctx, []*WebhookCompletion{c})
	return c.Recorded, c.Failures, c.FailingSince, err
}

// CompleteWebhookDeliveries records attempts on claimed deliveries, and the
// endpoints' failure streaks, in one transaction. An attempt whose lease was
// lost is skipped (Recorded stays false).
func (s *Store) CompleteWebhookDeliveries(ctx context.Context, cs []*WebhookCompletion) error {
	return s.InTx(ctx, func(tx *Store) error {
		for _, c := range cs {
			if err := tx.completeWebhookDelivery(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) completeWebhookDelivery(ctx context.Context, c *WebhookCompletion) error {
	d, a := c.Delivery, c.Attempt
	status, next := DeliveryPending, a.NextAt
	var delivered any
	switch {
	case a.Delivered:
		status, next, delivered = DeliveryDelivered, a.At, ms(a.At)
	case a.GiveUp:
		status, next = DeliveryFailed, a.At
	}
	res, err := s.exec(ctx, `UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, last_attempt_at = ?, last_status_code = ?,
		last_error = ?, last_latency_ms = ?, response_snippet = ?, delivered_at = ? WHERE id = ? AND attempts = ? AND status = ?`,
		status, ms(next), ms(a.At), a.StatusCode, a.Error, a.Latency.Milliseconds(), a.Snippet, delivered,
		d.ID, d.Attempts, DeliveryPending)
	if err != nil {
		return fmt.Errorf("complete webhook delivery %d: %w", d.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	c.Recorded = true
	if a.Delivered {
		if _, err := s.exec(ctx, `UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL
			WHERE id = ? AND consecutive_failures <> 0`, d.EndpointID); err != nil {
			return fmt.Errorf("reset webhook failures: %w", err)
		}
		return nil
	}
	var since int64
	if err := s.queryRow(ctx, `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1,
		failing_since = COALESCE(failing_since, ?) WHERE id = ? RETURNING consecutive_failures, failing_since`,
		ms(a.At), d.EndpointID).Scan(&c.Failures, &since); err != nil {
		return fmt.Errorf("count webhook failure: %w", err)
	}
	c.FailingSince = fromMS(since)
	return nil
}

// ListWebhookDeliveries returns an endpoint's deliveries, newest first, with
// ids below beforeID (0 = from the newest), up to limit.
func (s *Store) ListWebhookDeliveries(ctx context.Context, endpointID, beforeID int64, limit int) ([]*WebhookDelivery, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := s.query(ctx, `SELECT `+webhookDeliveryCols+` FROM webhook_deliveries d WHERE d.endpoint_id = ? AND d.id < ?
		ORDER BY d.id DESC LIMIT ?`, endpointID, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	defer rows.Close()
	out := []*WebhookDelivery{}
	for rows.Next() {
		d, err := scanWebhookDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// GetWebhookDelivery returns a delivery, or ENOTFOUND.
func (s *Store) GetWebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error) {
	d, err := scanWebhookDelivery(s.queryRow(ctx, `SELECT `+webhookDeliveryCols+` FROM webhook_deliveries d WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("webhook delivery")
	}
	if err != nil {
		return nil, fmt.Errorf("get webhook delivery %d: %w", id, err)
	}
	return d, nil
}

// ReplayWebhookDelivery queues a new delivery of the same event or change
// to the same endpoint, due now, with its own id (receivers see it as new).
// A missing delivery gives ENOTFOUND.
func (s *Store) ReplayWebhookDelivery(ctx context.Context, id int64, now time.Time) (*WebhookDelivery, error) {
	orig, err := s.GetWebhookDelivery(ctx, id)
	if err != nil {
		return nil, err
	}
	nid, err := s.insert(ctx, `INSERT INTO webhook_deliveries (endpoint_id, event_id, change_id, account_id, next_attempt_at, replay_of, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, orig.EndpointID, nullID(orig.EventID), nullID(orig.ChangeID), orig.AccountID, ms(now), orig.ID, ms(now))
	if err != nil {
		return nil, fmt.Errorf("replay webhook delivery %d: %w", id, err)
	}
	return s.GetWebhookDelivery(ctx, nid)
}

// RewindWebhookEndpoint moves an endpoint's cursor back to afterEventID so
// every later event is delivered again (as new deliveries). A cursor already
// at or before it is left alone. A missing endpoint gives ENOTFOUND.
func (s *Store) RewindWebhookEndpoint(ctx context.Context, endpointID, afterEventID int64, now time.Time) error {
	if _, err := s.GetWebhookEndpoint(ctx, endpointID); err != nil {
		return err
	}
	if _, err := s.exec(ctx, `UPDATE webhook_endpoints SET event_cursor = ?, updated_at = ? WHERE id = ? AND event_cursor > ?`,
		afterEventID, ms(now), endpointID, afterEventID); err != nil {
		return fmt.Errorf("rewind webhook endpoint %d: %w", endpointID, err)
	}
	return nil
}

// AckWebhookEvent records that the receiver fetched the event deliveries to
// the endpoint announced. It reports whether an unacknowledged delivery was
// found.
func (s *Store) AckWebhookEvent(ctx context.Context, endpointID, eventID int64, now time.Time) (bool, error) {
	return s.ackWebhook(ctx, eventDeliveries, endpointID, eventID, now)
}

// AckWebhookChange records that the receiver fetched the resource change
// deliveries to the endpoint announced. It reports whether an
// unacknowledged delivery was found.
func (s *Store) AckWebhookChange(ctx context.Context, endpointID, changeID int64, now time.Time) (bool, error) {
	return s.ackWebhook(ctx, changeDeliveries, endpointID, changeID, now)
}

func (s *Store) ackWebhook(ctx context.Context, kind deliveryKind, endpointID, id int64, now time.Time) (bool, error) {
	res, err := s.exec(ctx, `UPDATE webhook_deliveries SET acked_at = ? WHERE endpoint_id = ? AND `+kind.subjectColumn+` = ? AND acked_at IS NULL`,
		ms(now), endpointID, id)
	if err != nil {
		return false, fmt.Errorf("ack webhook %s: %w", kind.name, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// AppWebhookSecret returns an application's webhook signing secret ("" when
// it has none), or ENOTFOUND.
func (s *Store) AppWebhookSecret(ctx context.Context, appID int64) (string, error) {
	var secret string
	err := s.queryRow(ctx, `SELECT webhook_secret FROM oauth_apps WHERE id = ?`, appID).Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) {
		return "", domain.NotFound("application")
	}
	if err != nil {
		return "", fmt.Errorf("get app webhook secret: %w", err)
	}
	return secret, nil
}

// ListActiveNotificationRules returns the active notification rules of
// every account, by id: what the webhook worker routes events to.
func (s *Store) ListActiveNotificationRules(ctx context.Context) ([]*domain.NotificationRule, error) {
	rows, err := s.query(ctx, `SELECT `+notificationRuleCols+` FROM notification_rules WHERE active = ? ORDER BY id`, true)
	if err != nil {
		return nil, fmt.Errorf("list active notification rules: %w", err)
	}
	defer rows.Close()
	out := []*domain.NotificationRule{}
	for rows.Next() {
		n, err := scanNotificationRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// PurgeWebhookDeliveries deletes up to limit delivered or failed deliveries
// whose last attempt was before before (pending ones are kept), and
// returns how many it deleted.
func (s *Store) PurgeWebhookDeliveries(ctx context.Context, before time.Time, limit int) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries
		WHERE status IN (?, ?) AND next_attempt_at < ? LIMIT ?)`, DeliveryDelivered, DeliveryFailed, ms(before), limit)
	if err != nil {
		return 0, fmt.Errorf("purge webhook deliveries: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// NextWebhookDeliveryDue returns when the earliest pending delivery of an
// enabled endpoint is next due (claimed ones: when their lease ends), and
// false when none is pending: how long a delivery worker with nothing
// announced may sleep.
func (s *Store) NextWebhookDeliveryDue(ctx context.Context) (time.Time, bool, error) {
	var due sql.NullInt64
	if err := s.queryRow(ctx, `SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
		WHERE d.status = ? AND ep.disabled_at IS NULL`, DeliveryPending).Scan(&due); err != nil {
		return time.Time{}, false, fmt.Errorf("next webhook delivery: %w", err)
	}
	if !due.Valid {
		return time.Time{}, false, nil
	}
	return fromMS(due.Int64), true, nil
}
