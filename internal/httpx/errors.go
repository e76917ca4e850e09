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
}

// Status returns the HTTP status for a domain error code.
func Status(code string) int {
	switch code {
	case domain.EBADREQUEST:
		return http.StatusBadRequest
	case domain.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case domain.EFORBIDDEN:
		return http.StatusForbidden
	case domain.ENOTFOUND:
		return http.StatusNotFound
	case domain.EMETHOD:
		return http.StatusMethodNotAllowed
	case domain.ECONFLICT:
		return http.StatusConflict
	case domain.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case domain.EINVALID:
		return http.StatusUnprocessableEntity
	case domain.ERATELIMIT:
		return http.StatusTooManyRequests
	case domain.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// wireName is the "error" member used when an *Error sets no Wire override.
func wireName(code string) string {
	switch code {
	case domain.EBADREQUEST:
		return "bad_request"
	case domain.EUNAUTHORIZED:
		return "invalid_token"
	case domain.EFORBIDDEN:
		return "forbidden"
	case domain.ENOTFOUND:
		return "not_found"
	case domain.EMETHOD:
		return "method_not_allowed"
	case domain.ECONFLICT:
		return "conflict"
	case domain.ETOOLARGE:
		return "request_too_large"
	case domain.EINVALID:
		return "validation_failed"
	case domain.ERATELIMIT:
		return "rate_limited"
	case domain.EUNAVAILABLE:
		return "service_unavailable"
	default:
		return "internal_error"
	}
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
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="lintel", error="`+body.Error+`"`)
	}
	WriteJSON(w, status, body)
}
