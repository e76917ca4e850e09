package webhook

import (
	"crypto/hmac"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// ackPath matches the resource URLs event notifications point at.
var ackPath = regexp.MustCompile(`^/api/3/events/([0-9]{1,18})$`)

// credentialAckPath matches the resource URLs PersonCredential
// notifications point at.
var credentialAckPath = regexp.MustCompile(`^/api/3/people/([0-9]{1,18})/credentials/([^/]{1,64})$`)

// AckHandler wraps the API handler: a GET of an event, or of a person's
// credential, with an ack_token query parameter that the wrapped handler
// answers with 2xx (so the caller is authenticated and may see the
// resource) acknowledges the notification the token came with; for a
// credential DESTROY notification a 404 does too (see AckChange). Requests
// without a token pass through untouched; a wrong token changes nothing.
func (s *Service) AckHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("ack_token")
		if r.Method != http.MethodGet || tok == "" {
			next.ServeHTTP(w, r)
			return
		}
		if c := credentialAckPath.FindStringSubmatch(r.URL.Path); c != nil {
			sw := httpx.NewStatusWriter(w)
			next.ServeHTTP(sw, r)
			personID, _ := strconv.ParseInt(c[1], 10, 64)
			if err := s.AckChange(r, tok, personID, strings.TrimSuffix(c[2], ".json"), sw.Status()); err != nil {
				s.log.Warn("webhook: acknowledgement not recorded", "person", personID, "err", err)
			}
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
	if !hmac.Equal([]byte(mac), []byte(ackMAC(ep.Secret, ackEvent, endpointID, eventID))) {
		return nil
	}
	_, err = s.st.AckWebhookEvent(r.Context(), endpointID, eventID, s.now())
	return err
}

// AckChange records the acknowledgement of a PersonCredential notification
// carried by tok, fetched at the credential uid of person personID and
// answered with status (0 meaning 200). The token must belong to a change
// of that very credential. The answer must be 2xx, or 404 for a DESTROY
// (the credential is gone, which is what the notification said; a caller
// without a valid token and scope gets 401 or 403 instead). Anything else
// is ignored (nil error); the error is the store's.
func (s *Service) AckChange(r *http.Request, tok string, personID int64, uid string, status int) error {
	if status == 0 {
		status = http.StatusOK
	}
	endpointID, changeID, mac, ok := parseChangeAckToken(tok)
	if !ok || (status != http.StatusNotFound && (status < 200 || status > 299)) {
		return nil
	}
	ep, err := s.st.GetWebhookEndpoint(r.Context(), endpointID)
	if err != nil {
		return nil
	}
	if !hmac.Equal([]byte(mac), []byte(ackMAC(ep.Secret, ackChange, endpointID, changeID))) {
		return nil
	}
	ch, err := s.st.GetResourceChange(r.Context(), changeID)
	if err != nil {
		return nil
	}
	if ch.PersonID != personID || ch.ResourceID != uid || (status == http.StatusNotFound && ch.Action != store.ChangeDestroy) {
		return nil
	}
	_, err = s.st.AckWebhookChange(r.Context(), endpointID, changeID, s.now())
	return err
}
