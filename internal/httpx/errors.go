package httpx

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/lintel-dev/lintel/internal/domain"
)

// ErrorBody is the DoorFlow error shape: {"error", "error_description", "errors"}.
type ErrorBody struct {
	Error       string              `json:"error"`
	Description string              `json:"error_description"`
	Errors      map[string][]string `json:"errors,omitempty"`
	// Scope is the scope a 403 is missing (domain.InsufficientScope).
	Scope string `json:"scope,omitempty"`
}

// codes maps each domain error code to its HTTP status and the default
// "error" member of the DoorFlow body. Unknown codes are internal errors.
var codes = map[string]struct {
	status int
	wire   string
}{
	domain.EBADREQUEST:   {http.StatusBadRequest, "bad_request"},
	domain.EUNAUTHORIZED: {http.StatusUnauthorized, "invalid_token"},
	domain.EFORBIDDEN:    {http.StatusForbidden, "forbidden"},
	domain.ENOTFOUND:     {http.StatusNotFound, "not_found"},
	domain.EMETHOD:       {http.StatusMethodNotAllowed, "method_not_allowed"},
	domain.ECONFLICT:     {http.StatusConflict, "conflict"},
	domain.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "request_too_large"},
	domain.EINVALID:      {http.StatusUnprocessableEntity, "validation_failed"},
	domain.ERATELIMIT:    {http.StatusTooManyRequests, "rate_limited"},
	domain.EUNAVAILABLE:  {http.StatusServiceUnavailable, "service_unavailable"},
}

// Status returns the HTTP status for a domain error code.
func Status(code string) int {
	if c, ok := codes[code]; ok {
		return c.status
	}
	return http.StatusInternalServerError
}

// wireName is the "error" member used when an *Error sets no Wire override.
func wireName(code string) string {
	if c, ok := codes[code]; ok {
		return c.wire
	}
	return "internal_error"
}

// ErrorBodyFor returns the status and DoorFlow body for err. Internal errors
// get a generic description: their detail is for the log only.
func ErrorBodyFor(err error) (int, ErrorBody) {
	code := domain.ErrorCode(err)
	body := ErrorBody{Error: wireName(code), Description: domain.ErrorMessage(err)}
	var e *domain.Error
	if errors.As(err, &e) {
		if e.Wire != "" {
			body.Error = e.Wire
		}
		body.Errors = e.Fields
		if code == domain.EFORBIDDEN {
			body.Scope = e.Scope
		}
	}
	return Status(code), body
}

// WriteError writes err in the DoorFlow shape. Errors that are not domain
// errors (or are EINTERNAL) are logged with the request's method and path;
// their text never reaches the client.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, body := ErrorBodyFor(err)
	if status >= 500 && log != nil {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", RequestID(r.Context()), "err", err)
	}
	var e *domain.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	switch {
	case status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="lintel", error="`+body.Error+`"`)
	case status == http.StatusForbidden && body.Scope != "":
		w.Header().Set("WWW-Authenticate", `Bearer realm="lintel", error="insufficient_scope", scope="`+body.Scope+`"`)
	}
	WriteJSON(w, status, body)
}
