package lintel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Headers of a webhook delivery.
const (
	HeaderSignature = "Signature"          // hex HMAC-SHA256 of "<Timestamp>.<raw body>"
	HeaderTimestamp = "Timestamp"          // Unix seconds
	HeaderDelivery  = "X-Lintel-Delivery"  // the same on every retry of a notification
	HeaderAttempt   = "X-Lintel-Attempt"   // 1 for the first attempt
	HeaderEventID   = "X-Lintel-Event-Id"  // the event an Event notification is about
	HeaderChangeID  = "X-Lintel-Change-Id" // the change a PersonCredential notification is about
)

// DefaultWebhookTolerance is how far a delivery's Timestamp may be from
// the receiver's clock: older deliveries are refused as replays.
const DefaultWebhookTolerance = 5 * time.Minute

// Errors of webhook verification.
var (
	ErrInvalidSignature = errors.New("lintel: webhook signature does not match")
	ErrStaleTimestamp   = errors.New("lintel: webhook timestamp is outside the replay window")
	ErrReplayed         = errors.New("lintel: webhook delivery was already received")
)

// SignWebhook returns the Signature header for body sent at timestamp
// (Unix seconds) with secret: hex(HMAC-SHA256(secret, "<timestamp>.<body>")),
// DoorFlow's scheme. Useful to test a receiver.
func SignWebhook(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks a delivery: the signature over the raw body (in
// constant time), and that the timestamp is within tolerance of now
// (DefaultWebhookTolerance when tolerance is 0). It returns
// ErrInvalidSignature or ErrStaleTimestamp.
func VerifyWebhook(secret string, body []byte, signature, timestamp string, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed Timestamp", ErrInvalidSignature)
	}
	want := SignWebhook(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(strings.TrimSpace(signature)))) {
		return ErrInvalidSignature
	}
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStaleTimestamp
	}
	return nil
}

// Notification is one item of a webhook delivery. Notifications carry no
// event data, by design: fetch it with FetchEvent or FetchCredential
// (which also acknowledges the notification), or let WebhookHandler do it.
type Notification struct {
	Action       string `json:"action"`        // CREATE, UPDATE or DESTROY
	Resource     string `json:"resource"`      // the resource's URL, with its ack_token
	ResourceType string `json:"resource_type"` // Event, PerimeterEvent or PersonCredential
	ResourceID   string `json:"resource_id"`
	AccountID    string `json:"account_id"`
	AckToken     string `json:"ack_token"`
	Callback     string `json:"callback,omitempty"` // the notification rule's id, for rule callbacks

	// From the delivery's headers.
	DeliveryID string `json:"-"` // dedupe on it: delivery is at least once
	Attempt    int    `json:"-"`

	// Filled by WebhookHandler when it has a Client: the event, or the
	// credential (nil after DESTROY).
	Event      *Event      `json:"-"`
	Credential *Credential `json:"-"`
}

// UnmarshalJSON also accepts resource_url, the name DoorFlow's guides use.
func (n *Notification) UnmarshalJSON(b []byte) error {
	type plain Notification
	var v struct {
		plain
		ResourceURL string `json:"resource_url"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = Notification(v.plain)
	if n.Resource == "" {
		n.Resource = v.ResourceURL
	}
	return nil
}

// IsEvent reports whether the notification is about an access-log event
// (including door-state "PerimeterEvent"s).
func (n *Notification) IsEvent() bool {
	return n.ResourceType == "Event" || n.ResourceType == "PerimeterEvent"
}

// ParseNotifications decodes a delivery's body: a JSON array of
// notifications (a single object is accepted too).
func ParseNotifications(body []byte) ([]*Notification, error) {
	var list []*Notification
	if err := json.Unmarshal(body, &list); err != nil {
		var one Notification
		if err2 := json.Unmarshal(body, &one); err2 != nil {
			return nil, fmt.Errorf("lintel: webhook body: %w", err)
		}
		list = []*Notification{&one}
	}
	return list, nil
}

// ackQuery is the acknowledgement the resource URL carries.
func (n *Notification) ackQuery() url.Values {
	q := url.Values{}
	if n.AckToken != "" {
		q.Set("ack_token", n.AckToken)
	}
	if n.Callback != "" {
		q.Set("callback", n.Callback)
	}
	if u, err := url.Parse(n.Resource); err == nil {
		for _, k := range []string{"ack_token", "callback"} {
			if v := u.Query().Get(k); v != "" && q.Get(k) == "" {
				q.Set(k, v)
			}
		}
	}
	return q
}

// FetchEvent fetches the event an Event or PerimeterEvent notification is
// about, which acknowledges the notification. It asks c's server (the
// resource URL only supplies the ids), so the client's token never goes
// to another host.
func (n *Notification) FetchEvent(ctx context.Context, c *Client) (*Event, error) {
	if !n.IsEvent() {
		return nil, fmt.Errorf("lintel: notification is about a %s, not an event", n.ResourceType)
	}
	id, err := strconv.ParseInt(n.ResourceID, 10, 64)
	if err != nil || id <= 0 {
		return nil, fmt.Errorf("lintel: notification resource_id %q is not an event id", n.ResourceID)
	}
	return c.Events.get(ctx, id, n.ackQuery())
}

// FetchCredential fetches the credential a PersonCredential notification
// is about, which acknowledges it. After DESTROY the credential is gone:
// the answer is a 404 *Error (which still acknowledges).
func (n *Notification) FetchCredential(ctx context.Context, c *Client) (*Credential, error) {
	if n.ResourceType != "PersonCredential" {
		return nil, fmt.Errorf("lintel: notification is about a %s, not a credential", n.ResourceType)
	}
	u, err := url.Parse(n.Resource)
	if err != nil {
		return nil, fmt.Errorf("lintel: notification resource: %w", err)
	}
	// .../api/3/people/{person_id}/credentials/{id}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 4 || parts[len(parts)-2] != "credentials" || parts[len(parts)-4] != "people" {
		return nil, fmt.Errorf("lintel: notification resource %q is not a credential URL", u.Path)
	}
	personID, err := strconv.ParseInt(parts[len(parts)-3], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("lintel: notification resource %q has no person id", u.Path)
	}
	return c.Credentials.get(ctx, personID, n.ResourceID, n.ackQuery())
}

// WebhookHandler is an http.Handler for webhook deliveries. It verifies
// each delivery's signature and timestamp against Secret, refuses a
// delivery it has already received within the tolerance window (a
// replay), and hands every notification to Handle. With a Client it first
// fetches the event or credential each notification is about, which
// acknowledges it, and puts it in Notification.Event or .Credential.
//
// Answers: 401 for a bad signature, stale timestamp or replay; 400 for a
// body that is not notifications; 500 when Handle (or a fetch) fails, so
// the server delivers again later; 204 otherwise. Deliveries are at least
// once: make Handle idempotent (dedupe on DeliveryID or the resource id).
type WebhookHandler struct {
	Secret    string
	Tolerance time.Duration // DefaultWebhookTolerance when 0
	Client    *Client       // optional: fetch each notification's resource
	Handle    func(ctx context.Context, n *Notification) error
	// ErrorLog is told why deliveries were refused or failed; nil
	// discards.
	ErrorLog func(err error)
	Now      func() time.Time // time.Now when nil
	MaxBody  int64            // 1 MiB when 0

	mu   sync.Mutex
	seen map[string]time.Time // signature -> when it stops mattering
}

// ServeHTTP verifies and dispatches one delivery.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	limit := h.MaxBody
	if limit <= 0 {
		limit = 1 << 20
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil || int64(len(body)) > limit {
		h.fail(w, http.StatusBadRequest, fmt.Errorf("lintel: webhook body unreadable or over %d bytes", limit))
		return
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	sig := r.Header.Get(HeaderSignature)
	if err := VerifyWebhook(h.Secret, body, sig, r.Header.Get(HeaderTimestamp), now, h.Tolerance); err != nil {
		h.fail(w, http.StatusUnauthorized, err)
		return
	}
	list, err := ParseNotifications(body)
	if err != nil {
		h.fail(w, http.StatusBadRequest, err)
		return
	}
	if !h.firstTime(strings.ToLower(sig), now) {
		h.fail(w, http.StatusUnauthorized, ErrReplayed)
		return
	}
	attempt, _ := strconv.Atoi(r.Header.Get(HeaderAttempt))
	for _, n := range list {
		n.DeliveryID, n.Attempt = r.Header.Get(HeaderDelivery), attempt
		if err := h.dispatch(r.Context(), n); err != nil {
			h.forget(strings.ToLower(sig)) // let the retry in
			h.fail(w, http.StatusInternalServerError, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *WebhookHandler) dispatch(ctx context.Context, n *Notification) error {
	if h.Client != nil {
		switch {
		case n.IsEvent():
			ev, err := n.FetchEvent(ctx, h.Client)
			if err != nil {
				return err
			}
			n.Event = ev
		case n.ResourceType == "PersonCredential":
			cr, err := n.FetchCredential(ctx, h.Client)
			if err != nil && !(IsNotFound(err) && n.Action == "DESTROY") {
				return err
			}
			n.Credential = cr
		}
	}
	if h.Handle == nil {
		return nil
	}
	return h.Handle(ctx, n)
}

// firstTime records a signature and reports whether it is new. Entries
// older than the tolerance are dropped: the timestamp check refuses
// those deliveries anyway.
func (h *WebhookHandler) firstTime(sig string, now time.Time) bool {
	tol := h.Tolerance
	if tol <= 0 {
		tol = DefaultWebhookTolerance
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen == nil {
		h.seen = map[string]time.Time{}
	}
	for k, until := range h.seen {
		if now.After(until) {
			delete(h.seen, k)
		}
	}
	if _, dup := h.seen[sig]; dup {
		return false
	}
	h.seen[sig] = now.Add(2 * tol)
	return true
}

func (h *WebhookHandler) forget(sig string) {
	h.mu.Lock()
	delete(h.seen, sig)
	h.mu.Unlock()
}

func (h *WebhookHandler) fail(w http.ResponseWriter, status int, err error) {
	if h.ErrorLog != nil {
		h.ErrorLog(err)
	}
	http.Error(w, http.StatusText(status), status)
}
