package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/httpx"
)

// DefaultSyncInterval is the least time between two accepted syncs of one
// account (DoorFlow's documented typical limit).
const DefaultSyncInterval = 30 * time.Second

// rateLimitedJSON is DoorFlow's 429 body for /sync: "description" and
// "retry_in" (seconds), plus the usual error_description and the
// retry_after spelling some clients read.
type rateLimitedJSON struct {
	Error            string `json:"error"`
	Description      string `json:"description"`
	ErrorDescription string `json:"error_description"`
	RetryIn          int    `json:"retry_in"`
	RetryAfter       int    `json:"retry_after"`
}

// initiateSync serves POST /api/3/sync: 200 {"result":"ok"}. Lintel
// pushes every change to doors as it is made, so there is never anything
// left to flush; the call records the sync time that GET /account reports.
// More than one sync per account within the sync interval answers 429
// with DoorFlow's body and a Retry-After header.
func (a *API) initiateSync(w http.ResponseWriter, r *http.Request, c *call) error {
	wait, err := a.st.ClaimSync(r.Context(), c.p.AccountID, a.nowMS(), a.sync)
	if err != nil {
		return err
	}
	if wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		msg := "Sync rate limit exceeded. Please wait before trying again."
		httpx.WriteJSON(w, http.StatusTooManyRequests, rateLimitedJSON{Error: "rate_limited", Description: msg, ErrorDescription: msg, RetryIn: secs, RetryAfter: secs})
		return nil
	}
	writeOK(w)
	return nil
}

// jsonString renders a decoded JSON value for an error message.
func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}
