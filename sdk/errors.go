package lintel

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Error is what every operation returns when the server answers with an
// unexpected status. Get it with errors.As:
//
//	var apiErr *lintel.Error
//	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound { ... }
//
// It understands every error shape DoorFlow and Lintel send: the common
// {"error", "error_description", "errors"} body, the sync rate limit's
// {"error", "description", "retry_in"}, admit_person's {"error", "reason"},
// auto_unlock's {"success": false, "message"}, and the bodies that are a
// resource (a Channel when a door command fails, the existing Credential
// when a value is already in use).
type Error struct {
	Method     string // the request's method
	Path       string // the request's path, without the query
	StatusCode int    // the HTTP status
	// Code is the machine-readable error ("not_found", "invalid_token",
	// "validation_failed", "rate_limited", "forbidden", ...), or for
	// admit_person's refusal "Access denied".
	Code string
	// Message is the sentence for people: error_description, description,
	// reason or message, whichever the body carries.
	Message string
	// Fields maps each invalid field to what is wrong with it (422 answers).
	Fields map[string][]string
	// Scope is the scope a 403 says the request needs (Lintel's "scope"
	// member, or the scope of a WWW-Authenticate: Bearer
	// error="insufficient_scope" challenge); space-separated when any one
	// would do. Empty when the server did not say.
	Scope string
	// RetryAfter is how long the server asked the caller to wait (429 and
	// 503 answers: the Retry-After header, or retry_in / retry_after in
	// the body). Zero when it said nothing.
	RetryAfter time.Duration
	// Channel is the door as it stands when a door command failed with 400.
	Channel *Channel
	// Credential is the credential that already exists when issuing one
	// failed with 409.
	Credential *Credential
	// Body is the raw answer.
	Body []byte
}

// Error returns "lintel: METHOD PATH: STATUS code: message" and the field
// errors, if any.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lintel: %s %s: %d", e.Method, e.Path, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "; %s %s", k, strings.Join(e.Fields[k], ", "))
		}
	}
	return b.String()
}

// IsNotFound reports whether err is an *Error with status 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is an *Error with status 409.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsGone reports whether err is an *Error with status 410 (a person's
// photo that was replaced or removed).
func IsGone(err error) bool { return hasStatus(err, http.StatusGone) }

// IsRateLimited reports whether err is an *Error with status 429.
func IsRateLimited(err error) bool { return hasStatus(err, http.StatusTooManyRequests) }

func hasStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == status
}

// errorBody is the union of every error shape.
type errorBody struct {
	Error       any             `json:"error"`
	Description string          `json:"error_description"`
	Desc2       string          `json:"description"`
	Reason      string          `json:"reason"`
	Message     string          `json:"message"`
	Errors      json.RawMessage `json:"errors"`
	RetryIn     json.Number     `json:"retry_in"`
	RetryAfter  json.Number     `json:"retry_after"`
	Scope       string          `json:"scope"`
}

// newError reads an unexpected answer.
func newError(method, path string, r *response) *Error {
	e := &Error{Method: method, Path: path, StatusCode: r.status, Body: r.body}
	var body errorBody
	if json.Unmarshal(r.body, &body) == nil {
		switch v := body.Error.(type) {
		case string:
			e.Code = v
		case map[string]any: // a few servers nest {"error": {"code", "message"}}
			if s, ok := v["code"].(string); ok {
				e.Code = s
			}
			if s, ok := v["message"].(string); ok {
				e.Message = s
			}
		}
		for _, m := range []string{body.Description, body.Desc2, body.Reason, body.Message} {
			if e.Message == "" && m != "" {
				e.Message = m
			}
		}
		e.Fields = fieldErrors(body.Errors)
		if r.status == http.StatusForbidden {
			e.Scope = body.Scope
		}
		for _, n := range []json.Number{body.RetryAfter, body.RetryIn} {
			if s, err := n.Int64(); err == nil && s > 0 && e.RetryAfter == 0 {
				e.RetryAfter = time.Duration(s) * time.Second
			}
		}
	}
	if e.Scope == "" && r.status == http.StatusForbidden {
		e.Scope = challengeScope(r.header.Get("WWW-Authenticate"))
	}
	if ra := parseRetryAfter(r.header.Get("Retry-After"), time.Now()); ra > 0 {
		e.RetryAfter = ra
	}
	switch {
	case r.status == http.StatusBadRequest && strings.HasPrefix(path, "/api/3/channels/") && looksLike(r.body, "mac_address"):
		var ch Channel
		if json.Unmarshal(r.body, &ch) == nil {
			e.Channel = &ch
			if e.Message == "" {
				e.Message = "the door did not accept the command"
			}
		}
	case r.status == http.StatusConflict && looksLike(r.body, "credential_type_id"):
		var cr Credential
		if json.Unmarshal(r.body, &cr) == nil {
			e.Credential = &cr
			if e.Message == "" {
				e.Message = "a credential with this value or of this type already exists"
			}
		}
	}
	if e.Message == "" && e.Code == "" && strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		// A plain-text answer (the media routes' 410) is its own message.
		if line, _, _ := strings.Cut(strings.TrimSpace(string(r.body)), "\n"); len(line) <= 200 {
			e.Message = strings.TrimSpace(line)
		}
	}
	if e.Message == "" && e.Code == "" {
		e.Message = strings.TrimSpace(http.StatusText(r.status))
	}
	return e
}

// challengeScope returns the scope parameter of a Bearer
// error="insufficient_scope" challenge (RFC 6750 section 3), or "".
func challengeScope(h string) string {
	scheme, params, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") || !strings.Contains(params, `error="insufficient_scope"`) {
		return ""
	}
	_, rest, ok := strings.Cut(params, `scope="`)
	if !ok {
		return ""
	}
	scope, _, ok := strings.Cut(rest, `"`)
	if !ok {
		return ""
	}
	return scope
}

// looksLike reports whether body is a JSON object with the member key.
func looksLike(body []byte, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}

// fieldErrors reads "errors": each field maps to a list of messages, or a
// single message (DoorFlow's limit_reached).
func fieldErrors(raw json.RawMessage) map[string][]string {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		var list []string
		if json.Unmarshal(v, &list) == nil {
			out[k] = list
			continue
		}
		var one string
		if json.Unmarshal(v, &one) == nil {
			out[k] = []string{one}
		}
	}
	return out
}

// parseRetryAfter reads a Retry-After header: seconds, or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
