package webhook

import (
	"bufio"
	"context"
	"encoding/json"
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
	errStreamAuth  = &domain.Error{Code: domain.EUNAUTHORIZED, Message: "The access token is invalid", Wire: "invalid_token"}
	errStreamScope = &domain.Error{Code: domain.EFORBIDDEN, Message: "You are not authorized to access this resource"}
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
		httpx.WriteError(w, r, s.log, errStreamScope)
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
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-time.After(s.cfg.PollInterval):
		case <-keep.C:
			bw.WriteString(": keep-alive\n\n")
		}
	}
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
