package oauth

import (
	"net/http"
	"strconv"

	"github.com/lintel-dev/lintel/internal/httpx"
)

// oauthError is an RFC 6749 section 5.2 error, answered by the token and
// revocation endpoints and carried in error redirects from /oauth/authorize.
type oauthError struct {
	Status      int
	Code        string // error
	Description string // error_description
	RetryAfter  int    // seconds, for 429 and 503
	basic       bool   // the client tried HTTP Basic: answer WWW-Authenticate: Basic
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func errInvalidRequest(desc string) *oauthError {
	return &oauthError{Status: http.StatusBadRequest, Code: "invalid_request", Description: desc}
}

func errInvalidGrant(desc string) *oauthError {
	return &oauthError{Status: http.StatusBadRequest, Code: "invalid_grant", Description: desc}
}

func errInvalidScope(desc string) *oauthError {
	return &oauthError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: desc}
}

func errUnauthorizedClient(desc string) *oauthError {
	return &oauthError{Status: http.StatusBadRequest, Code: "unauthorized_client", Description: desc}
}

func errInvalidClient(basic bool) *oauthError {
	return &oauthError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "Client authentication failed", basic: basic}
}

func errServer() *oauthError {
	return &oauthError{Status: http.StatusInternalServerError, Code: "server_error", Description: "An unexpected error occurred; please try again"}
}

func errTooMany(desc string, retryAfter int) *oauthError {
	return &oauthError{Status: http.StatusTooManyRequests, Code: "rate_limited", Description: desc, RetryAfter: retryAfter}
}

// busyRetryAfter is the Retry-After, in seconds, of a 503 from a full
// password gate.
const busyRetryAfter = 1

func errBusy() *oauthError {
	return &oauthError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable",
		Description: "The server is busy checking other passwords; try again shortly", RetryAfter: busyRetryAfter}
}

// writeOAuthError writes e as JSON with the no-store headers every token
// endpoint response carries.
func writeOAuthError(w http.ResponseWriter, e *oauthError) {
	noStore(w)
	if e.basic && e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="lintel", charset="UTF-8"`)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	httpx.WriteJSON(w, e.Status, map[string]string{"error": e.Code, "error_description": e.Description})
}

// noStore marks a response as not cacheable (RFC 6749 section 5.1).
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}
