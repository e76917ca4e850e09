package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// notification is one element of the JSON array a delivery POSTs, in
// DoorFlow's shape (resource_url and callback are extras).
type notification struct {
	Action       string `json:"action"`
	Resource     string `json:"resource"`
	ResourceURL  string `json:"resource_url"`
	ResourceType string `json:"resource_type"`
	ResourceID   string `json:"resource_id"`
	AccountID    string `json:"account_id"`
	AckToken     string `json:"ack_token"`
	Callback     string `json:"callback,omitempty"`
}

// resourceType is DoorFlow's name for the kind of event: door-state and
// alarm codes are perimeter events, everything else an access Event.
func resourceType(code int) string {
	if code >= 31 && code <= 37 {
		return "PerimeterEvent"
	}
	return "Event"
}

// payload renders the body of an event's delivery. It is deterministic, so
// every retry sends the same bytes (with a fresh timestamp and signature).
func (s *Service) payload(d *store.ClaimedDelivery) []byte {
	tok := ackToken(d.Secret, d.EndpointID, d.EventID)
	q := url.Values{"ack_token": {tok}}
	n := notification{Action: "CREATE", ResourceType: resourceType(d.EventCode),
		ResourceID: strconv.FormatInt(d.EventID, 10), AccountID: d.AccountUID, AckToken: tok}
	if d.Kind == store.WebhookRule {
		n.Callback = strconv.FormatInt(d.RuleID, 10)
		q.Set("callback", n.Callback)
	}
	n.Resource = s.cfg.BaseURL + "/api/3/events/" + n.ResourceID + "?" + q.Encode()
	n.ResourceURL = n.Resource
	b, _ := json.Marshal([]notification{n})
	return b
}

// changePayload renders the body of a resource change's delivery: one
// PersonCredential notification whose resource is the credential's URL.
// Like payload it is deterministic. Errors: ENOTFOUND when the change is
// gone (the account was deleted), or the store's.
func (s *Service) changePayload(ctx context.Context, d *store.ClaimedDelivery) ([]byte, error) {
	ch, err := s.st.GetResourceChange(ctx, d.ChangeID)
	if err != nil {
		return nil, err
	}
	tok := changeAckToken(d.Secret, d.EndpointID, ch.ID)
	q := url.Values{"ack_token": {tok}}
	n := notification{Action: ch.Action, ResourceType: ch.ResourceType, ResourceID: ch.ResourceID,
		AccountID: d.AccountUID, AckToken: tok}
	n.Resource = s.cfg.BaseURL + credentialPath(ch.PersonID, ch.ResourceID) + "?" + q.Encode()
	n.ResourceURL = n.Resource
	b, _ := json.Marshal([]notification{n})
	return b, nil
}

// credentialPath is the API path of a person's credential.
func credentialPath(personID int64, uid string) string {
	return "/api/3/people/" + strconv.FormatInt(personID, 10) + "/credentials/" + url.PathEscape(uid)
}

// snippetBytes is how much of a response body the delivery log keeps.
const snippetBytes = 256

// deliver makes one attempt at a claimed delivery and decides what happens
// next; record writes the outcome.
func (s *Service) deliver(ctx context.Context, d *store.ClaimedDelivery) *store.WebhookCompletion {
	var att store.WebhookAttempt
	switch {
	case d.ChangeID != 0:
		body, err := s.changePayload(ctx, d)
		if err != nil {
			att = store.WebhookAttempt{At: s.now(), Error: "resource change not readable: " + err.Error()}
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				att.GiveUp = true
				return &store.WebhookCompletion{Delivery: d, Attempt: att}
			}
		} else {
			att = s.attempt(ctx, d, body)
		}
	case d.EventID != 0:
		att = s.attempt(ctx, d, s.payload(d))
	default:
		// The store never queues such a row; there is nothing to send.
		att = store.WebhookAttempt{At: s.now(), Error: "the delivery names neither an event nor a resource change", GiveUp: true}
		return &store.WebhookCompletion{Delivery: d, Attempt: att}
	}
	switch {
	case att.Delivered:
	case ctx.Err() != nil:
		// The worker is stopping: hand the row back right away rather
		// than leaving it leased.
		att.Error, att.NextAt = "worker stopped during the attempt", att.At
	case att.At.Sub(d.CreatedAt) >= s.cfg.RetryWindow:
		att.GiveUp = true
	default:
		att.NextAt = att.At.Add(s.backoff(d.Attempts))
	}
	return &store.WebhookCompletion{Delivery: d, Attempt: att}
}

// record writes a batch of attempts in one transaction, then disables
// endpoints that have failed for too long (or answered 410 Gone).
func (s *Service) record(ctx context.Context, batch []*store.WebhookCompletion) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.st.CompleteWebhookDeliveries(wctx, batch); err != nil {
		// The leases run out and the rows are retried.
		s.log.Error("webhook: record attempts", "count", len(batch), "err", err)
		return
	}
	disabled := map[int64]bool{}
	for _, c := range batch {
		d, att := c.Delivery, c.Attempt
		if !c.Recorded || att.Delivered || ctx.Err() != nil || disabled[d.EndpointID] {
			continue
		}
		s.log.Info("webhook: delivery failed", "delivery", d.ID, "endpoint", d.EndpointID, "attempt", d.Attempts,
			"status", att.StatusCode, "err", att.Error, "give_up", att.GiveUp)
		reason := ""
		switch {
		case att.StatusCode == http.StatusGone:
			reason = "the receiver answered 410 Gone"
		case c.Failures >= s.cfg.DisableMinFailures && att.At.Sub(c.FailingSince) >= s.cfg.DisableAfter:
			last := att.Error
			if att.StatusCode != 0 {
				last = "HTTP " + strconv.Itoa(att.StatusCode)
			}
			reason = fmt.Sprintf("%d failed attempts in a row since %s; last: %s", c.Failures, c.FailingSince.UTC().Format(time.RFC3339), last)
		}
		if reason == "" {
			continue
		}
		if err := s.st.DisableWebhookEndpoint(wctx, d.EndpointID, reason, att.At); err != nil {
			s.log.Error("webhook: disable endpoint", "endpoint", d.EndpointID, "err", err)
			continue
		}
		disabled[d.EndpointID] = true
		s.log.Warn("webhook: endpoint disabled", "endpoint", d.EndpointID, "reason", reason)
	}
}

// attempt POSTs body to the endpoint with the signing headers, within the
// per-attempt timeout.
func (s *Service) attempt(ctx context.Context, d *store.ClaimedDelivery, body []byte) store.WebhookAttempt {
	actx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	now := s.now()
	att := store.WebhookAttempt{At: now}
	req, err := http.NewRequestWithContext(actx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		att.Error = "invalid URL"
		return att
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Lintel-Webhooks/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(d.Secret, ts, body))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(d.ID, 10))
	req.Header.Set(HeaderAttempt, strconv.Itoa(d.Attempts))
	if d.ChangeID != 0 {
		req.Header.Set(HeaderChange, strconv.FormatInt(d.ChangeID, 10))
	} else {
		req.Header.Set(HeaderEvent, strconv.FormatInt(d.EventID, 10))
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		att.Latency, att.At = time.Since(start), s.now()
		att.Error = attemptError(err)
		return att
	}
	snip, _ := io.ReadAll(io.LimitReader(resp.Body, snippetBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	att.Latency, att.At = time.Since(start), s.now()
	att.StatusCode = resp.StatusCode
	att.Snippet = validUTF8(snip)
	att.Delivered = resp.StatusCode >= 200 && resp.StatusCode < 300
	if !att.Delivered {
		att.Error = "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	return att
}

// attemptError describes a transport error without the URL (which may
// carry tokens).
func attemptError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, ErrForbiddenAddress):
		return "refused: the URL resolves to a private or reserved address"
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300]
	}
	return msg
}

func validUTF8(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }

// backoff is the wait before the attempt after attempt n (1-based): 2s
// doubling up to an hour, scaled by a random factor in [0.5, 1.5).
func (s *Service) backoff(n int) time.Duration {
	d := 2 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return d/2 + time.Duration(s.cfg.Jitter()*float64(d))
}
