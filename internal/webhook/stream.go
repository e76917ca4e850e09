package webhook

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// streamJSON is an event as the stream sends it: the same fields as
// GET /api/3/events/{id}.
type streamJSON struct {
	ID                 int64   `json:"id"`
	EventID            int64   `json:"event_id"`
	EventCode          int     `json:"event_code"`
	EventLabel         string  `json:"event_label"`
	DoorControllerID   *int64  `json:"door_controller_id"`
	DoorControllerName *string `json:"door_controller_name"`
	ChannelID          *int64  `json:"channel_id"`
	ChannelName        *string `json:"channel_name"`
	PersonID           *int64  `json:"person_id"`
	PersonName         *string `json:"person_name"`
	CredentialsNumber  *string `json:"credentials_number"`
	CreatedAt          string  `json:"created_at"`
	UpdatedAt          string  `json:"updated_at"`
}

func newStreamJSON(e *domain.Event) streamJSON {
	f := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	return streamJSON{ID: e.ID, EventID: e.ID, EventCode: e.EventCode, EventLabel: e.EventLabel,
		DoorControllerID: e.ChannelID, DoorControllerName: e.ChannelName, ChannelID: e.ChannelID, ChannelName: e.ChannelName,
		PersonID: e.PersonID, PersonName: e.PersonName, CredentialsNumber: e.CredentialsNumber,
		CreatedAt: f(e.CreatedAt), UpdatedAt: f(e.UpdatedAt)}
}

var (
	errStreamAuth = &domain.Error{Code: domain.EUNAUTHORIZED, Message: "The access token is invalid", Wire: "invalid_token"}
)

// streamBatch is how many events one backfill query returns.
const streamBatch = 500

// StreamHandler serves GET /api/3/events/stream: the caller's account
// events as Server-Sent Events ("id:" is the event id, "event: event",
// "data:" the event JSON). A client resumes with the Last-Event-ID header
// (or a last_event_id query parameter) and first gets every later event;
// without one the stream starts with new events. Comments keep the
// connection alive. Errors: 401 without a valid token, 403 without
// account.event.access.readonly, 400 for a malformed Last-Event-ID.
//
// The stream lives no longer than its credential: every StreamRecheck
// (2s), and at the token's expiry, the request is authenticated again, and
// the stream ends with an "event: error" naming the reason once the token
// has expired or been revoked, its grant or application has been revoked
// or suspended, the scope has been withdrawn or the API key revoked.
func (s *Service) StreamHandler() http.Handler {
	return http.HandlerFunc(s.serveStream)
}

func (s *Service) serveStream(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Auth == nil {
		httpx.WriteError(w, r, s.log, errStreamAuth)
		return
	}
	p, err := s.cfg.Auth(r)
	if err != nil || p == nil {
		if err == nil || domain.ErrorCode(err) == domain.EINTERNAL {
			err = errStreamAuth
		}
		httpx.WriteError(w, r, s.log, err)
		return
	}
	if !p.Scopes.Has(eventScope) {
		httpx.WriteError(w, r, s.log, domain.InsufficientScope(eventScope))
		return
	}
	ctx := r.Context()
	cursor, err := s.streamStart(ctx, r, p.AccountID)
	if err != nil {
		httpx.WriteError(w, r, s.log, err)
		return
	}
	wake, stop := s.subscribe(p.AccountID)
	defer stop()

	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // the server's write timeout would end the stream
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	bw.WriteString("retry: 2000\n\n")
	keep := time.NewTicker(s.cfg.KeepAlive)
	defer keep.Stop()
	recheck := time.NewTicker(s.cfg.StreamRecheck)
	defer recheck.Stop()
	var expiry <-chan time.Time
	if p.ExpiresAt != nil {
		t := time.NewTimer(p.ExpiresAt.Sub(s.now()))
		defer t.Stop()
		expiry = t.C
	}
	for {
		top, err := s.advance(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("event stream: poll", "err", err)
			}
			return
		}
		for cursor < top {
			evs, err := s.st.ListEventsAfter(ctx, p.AccountID, cursor, streamBatch)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("event stream: read events", "err", err)
				}
				return
			}
			sent := 0
			for _, e := range evs {
				if e.ID > top {
					break
				}
				data, _ := json.Marshal(newStreamJSON(e))
				bw.WriteString("id: " + strconv.FormatInt(e.ID, 10) + "\nevent: event\ndata: ")
				bw.Write(data)
				bw.WriteString("\n\n")
				sent++
			}
			if sent == 0 {
				cursor = top
				break
			}
			cursor = evs[sent-1].ID
			if sent < len(evs) || len(evs) < streamBatch {
				cursor = top
				break
			}
		}
		if err := flush(bw, rc); err != nil {
			return
		}
		check := false
		// Woken by the announcements of new events; polled soon only
		// while the horizon waits at a gap, else as a fallback.
		poll := s.cfg.IdlePoll
		if s.horizon.waiting() {
			poll = s.cfg.PollInterval
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-time.After(poll):
		case <-keep.C:
			bw.WriteString(": keep-alive\n\n")
		case <-recheck.C:
			check = true
		case <-expiry:
			expiry, check = nil, true
		}
		if !check {
			continue
		}
		if derr := s.stillAllowed(r, p); derr != nil {
			data, _ := json.Marshal(map[string]string{"error": derr.Wire, "error_description": derr.Message})
			bw.WriteString("event: error\ndata: ")
			bw.Write(data)
			bw.WriteString("\n\n")
			_ = flush(bw, rc)
			return
		}
	}
}

// stillAllowed authenticates an open stream's request again. It returns
// the reason to end the stream: the credential no longer authenticates,
// belongs to another account, or lacks the event scope. A database error
// ends it too (the client reconnects and is checked afresh).
func (s *Service) stillAllowed(r *http.Request, was *domain.Principal) *domain.Error {
	check := s.cfg.Recheck
	if check == nil {
		check = s.cfg.Auth
	}
	p, err := check(r)
	switch {
	case err != nil || p == nil:
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.EUNAUTHORIZED {
			out := *de
			if out.Wire == "" {
				out.Wire = "invalid_token"
			}
			return &out
		}
		if err != nil && r.Context().Err() == nil {
			s.log.Warn("event stream: re-checking the credential failed; ending the stream", "err", err)
		}
		return &domain.Error{Code: domain.EUNAUTHORIZED, Wire: "invalid_token", Message: "The credential could not be checked again"}
	case p.AccountID != was.AccountID:
		return errStreamAuth
	case p.ExpiresAt != nil && !s.now().Before(*p.ExpiresAt):
		return &domain.Error{Code: domain.EUNAUTHORIZED, Wire: "invalid_token", Message: "The access token has expired"}
	case !p.Scopes.Has(eventScope):
		// The stream's last event names the RFC 6750 code itself: there
		// is no header to carry it once the stream has begun.
		e := domain.InsufficientScope(eventScope)
		e.Wire = "insufficient_scope"
		e.Message = "The credential no longer holds the scope " + eventScope
		return e
	}
	return nil
}

func flush(bw *bufio.Writer, rc *http.ResponseController) error {
	if err := bw.Flush(); err != nil {
		return err
	}
	return rc.Flush()
}

// streamStart returns the event id the stream continues after.
func (s *Service) streamStart(ctx context.Context, r *http.Request, accountID int64) (int64, error) {
	raw := strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	if raw == "" {
		raw = strings.TrimSpace(r.URL.Query().Get("last_event_id"))
	}
	if raw == "" {
		return s.advance(ctx)
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 0 {
		return 0, domain.Errorf(domain.EBADREQUEST, "Last-Event-ID must be an event id")
	}
	return id, nil
}

// subscribe registers an event-stream listener for the account; Notify
// signals it. stop unregisters it.
func (s *Service) subscribe(accountID int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	if s.subs[accountID] == nil {
		s.subs[accountID] = map[chan struct{}]struct{}{}
	}
	s.subs[accountID][ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs[accountID], ch)
		if len(s.subs[accountID]) == 0 {
			delete(s.subs, accountID)
		}
		s.mu.Unlock()
	}
}
