package webhook

import (
	"crypto/hmac"
	"net/http"
	"regexp"
	"strconv"
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
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		if sw.status < 200 || sw.status > 299 {
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

// statusRecorder remembers the status the wrapped handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
