package domain

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. Each maps to one HTTP status in internal/httpx.
const (
	ECONFLICT     = "conflict"           // 409
	EINTERNAL     = "internal"           // 500
	EINVALID      = "invalid"            // 422 (validation of a well-formed request)
	EBADREQUEST   = "bad_request"        // 400 (malformed request)
	ENOTFOUND     = "not_found"          // 404
	EUNAUTHORIZED = "unauthorized"       // 401
	EFORBIDDEN    = "forbidden"          // 403
	ETOOLARGE     = "too_large"          // 413
	ERATELIMIT    = "rate_limited"       // 429
	EUNAVAILABLE  = "unavailable"        // 503
	EMETHOD       = "method_not_allowed" // 405
)

// Error is the application error. Code selects the HTTP status; Message is
// safe to show to API clients; Fields carries per-field validation messages
// (DoorFlow's "errors" object).
type Error struct {
	Code    string
	Message string
	Fields  map[string][]string
	// Wire overrides the "error" member of the DoorFlow body when set
	// (for example "invalid_token" or "insufficient_scope").
	Wire string
	// RetryAfter, in seconds, is sent with rate-limit errors.
	RetryAfter int
	// Scope names the scope a 403 is missing (space-separated when any one
	// of several would do): the answer then carries WWW-Authenticate:
	// Bearer error="insufficient_scope", scope="..." (RFC 6750 section 3)
	// and a "scope" member. Set by InsufficientScope.
	Scope string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := fmt.Sprintf("%s: %s (", e.Code, e.Message)
	for i, k := range keys {
		if i > 0 {
			s += "; "
		}
		s += fmt.Sprintf("%s %v", k, e.Fields[k])
	}
	return s + ")"
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the standard 404 for a resource kind ("person", "channel").
func NotFound(kind string) *Error {
	return &Error{Code: ENOTFOUND, Message: "The requested " + kind + " was not found"}
}

// InsufficientScope is the 403 for a credential that lacks the scope an
// operation needs (or, with several, all of them: any one would do). The
// body keeps DoorFlow's "forbidden" and its description, followed by the
// scope, so a DoorFlow client sees what it expects and a person reading it
// sees what to ask for.
func InsufficientScope(scopes ...string) *Error {
	need := strings.Join(scopes, " ")
	msg := "You are not authorized to access this resource: it needs the scope " + need
	if len(scopes) > 1 {
		msg = "You are not authorized to access this resource: it needs one of the scopes " + strings.Join(scopes, ", ")
	}
	return &Error{Code: EFORBIDDEN, Message: msg, Scope: need}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, else EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An unexpected error occurred"
}

// Validation collects per-field validation messages and yields a single
// EINVALID error when any were added.
type Validation struct {
	fields map[string][]string
}

// Add records a message for a field.
func (v *Validation) Add(field, msg string) {
	if v.fields == nil {
		v.fields = map[string][]string{}
	}
	v.fields[field] = append(v.fields[field], msg)
}

// Merge adds the field messages of err when it is an EINVALID *Error (a
// rule's Validate), so one answer lists every problem. It returns nil
// then, and err unchanged when it is any other error.
func (v *Validation) Merge(err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Code != EINVALID {
		return err
	}
	for f, msgs := range e.Fields {
		for _, m := range msgs {
			v.Add(f, m)
		}
	}
	return nil
}

// Has reports whether a field already has a message.
func (v *Validation) Has(field string) bool { return len(v.fields[field]) > 0 }

// Err returns nil when nothing was added, else an EINVALID *Error.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Validation failed", Fields: v.fields}
}
