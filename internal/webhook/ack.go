package webhook

import (
	"crypto/hmac"
	"net/http"
	"regexp"
	"strconv"

	"github.com/lintel-dev/lintel/internal/httpx"
)

// ackPath matches the resource URLs notifications point at.
var ackPath = regexp.MustCompile(`^/api/3/events/([0-9]{1,18})$`)

// AckHandler wraps the API handler: a GET of an event with an ack_token
// query parameter that the wrapped handler answers with 2xx (so the caller
// is authenticated and may see the event) acknowledges the notification
// the token came with. Requests without a token pass through untouched; a
// wrong token changes nothing.
func (s *Service) AckHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("ack_token")
		if r.Method != http.MethodGet || tok == "" {
			next.ServeHTTP(w, r)
			return
		}
		m := ackPath.FindStringSubmatch(r.URL.Path)
		if m == nil {
			next.ServeHTTP(w, r)
			return
		}
		sw := httpx.NewStatusWriter(w)
		next.ServeHTTP(sw, r)
		if st := sw.Status(); st != 0 && (st < 200 || st > 299) { // 0: nothing written, net/http sends 200
			return
		}
		eventID, _ := strconv.ParseInt(m[1], 10, 64)
		if err := s.Ack(r, tok, eventID); err != nil {
			s.log.Warn("webhook: acknowledgement not recorded", "event", eventID, "err", err)
		}
	})
}

// Ack records the acknowledgement of event eventID carried by tok. A token
// that does not belong to the event is ignored (nil error).
func (s *Service) Ack(r *http.Request, tok string, eventID int64) error {
	endpointID, mac, ok := parseAckToken(tok)
	if !ok {
		return nil
	}
	ep, err := s.st.GetWebhookEndpoint(r.Context(), endpointID)
	if err != nil {
		return nil
	}
	if !hmac.Equal([]byte(mac), []byte(ackMAC(ep.Secret, endpointID, eventID))) {
		return nil
	}
	_, err = s.st.AckWebhookEvent(r.Context(), endpointID, eventID, s.now())
	return err
}
