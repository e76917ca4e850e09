package lintel

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// StreamOptions tune Events.Stream.
type StreamOptions struct {
	// LastEventID resumes after this event: every later event is sent
	// first, then live ones. 0 starts with new events. Keep the ID of the
	// last event you processed to resume across restarts.
	LastEventID int64
	// RetryWait is the first wait before reconnecting; the server's
	// "retry:" field replaces it. Waits double up to MaxRetryWait while
	// connections keep failing. Defaults: 2 s and 1 minute.
	RetryWait    time.Duration
	MaxRetryWait time.Duration
	// IdleTimeout ends a connection that has sent nothing, not even the
	// keep-alive comment the server sends every 15 s, for this long
	// (default 45 s). The stream then reconnects.
	IdleTimeout time.Duration
	// OnDisconnect is told why a connection ended before the stream
	// reconnects; nil ignores it.
	OnDisconnect func(err error)
}

// errStreamIdle ends a connection that went silent.
var errStreamIdle = errors.New("lintel: event stream idle for too long")

// Stream follows the access log live through GET /api/3/events/stream (a
// Lintel extension): it yields every event as it is recorded, reconnects
// when a connection drops, and resumes after the last event it yielded, so
// nothing is missed or repeated. Errors that reconnecting cannot fix (no
// scope, a refused token after a refresh) are yielded once and end the
// iteration; so does ending ctx, silently. Stopping the loop closes the
// connection.
//
//	for ev, err := range c.Events.Stream(ctx, &lintel.StreamOptions{LastEventID: saved}) {
//		if err != nil { return err }
//		saved = ev.ID
//	}
func (s *EventsService) Stream(ctx context.Context, opt *StreamOptions) iter.Seq2[*Event, error] {
	o := deref(opt)
	if o.RetryWait <= 0 {
		o.RetryWait = 2 * time.Second
	}
	if o.MaxRetryWait <= 0 {
		o.MaxRetryWait = time.Minute
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 45 * time.Second
	}
	return func(yield func(*Event, error) bool) {
		st := &streamState{c: s.c, opt: o, last: o.LastEventID, wait: o.RetryWait}
		failures := 0
		for ctx.Err() == nil {
			progressed, stop, err := st.connect(ctx, yield)
			if stop {
				return
			}
			if ctx.Err() != nil {
				return
			}
			var fatal *fatalStreamError
			if errors.As(err, &fatal) {
				yield(nil, fatal.err)
				return
			}
			if o.OnDisconnect != nil && err != nil {
				o.OnDisconnect(err)
			}
			if progressed {
				failures = 0
			}
			wait := st.wait
			for range failures {
				wait = min(wait*2, o.MaxRetryWait)
			}
			failures++
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// fatalStreamError wraps what ends a stream for good.
type fatalStreamError struct{ err error }

func (e *fatalStreamError) Error() string { return e.err.Error() }

type streamState struct {
	c       *Client
	opt     StreamOptions
	last    int64
	wait    time.Duration
	reauths int // new tokens fetched since the last successful connection
}

// connect runs one connection. progressed says it got an answer; stop
// says the consumer stopped.
func (st *streamState) connect(ctx context.Context, yield func(*Event, error) bool) (progressed, stop bool, err error) {
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(cctx, "GET", st.c.url("/api/3/events/stream", nil), nil)
	if err != nil {
		return false, false, &fatalStreamError{err}
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("User-Agent", st.c.userAgent)
	if st.last > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(st.last, 10))
	}
	if st.c.subKey != "" {
		req.Header.Set("Ocp-Apim-Subscription-Key", st.c.subKey)
	}
	if err := st.c.creds.apply(ctx, req); err != nil {
		if errors.Is(err, ErrNotConnected) {
			return false, false, &fatalStreamError{err}
		}
		return false, false, err
	}
	// The client's timeout would end a healthy stream: use its transport
	// without one, and watch for silence instead.
	hc := &http.Client{Transport: st.c.http.Transport, CheckRedirect: st.c.http.CheckRedirect, Jar: st.c.http.Jar}
	resp, err := hc.Do(req)
	if err != nil {
		return false, false, fmt.Errorf("lintel: event stream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		apiErr := newError("GET", "/api/3/events/stream", &response{status: resp.StatusCode, header: resp.Header, body: b})
		switch {
		case resp.StatusCode == http.StatusUnauthorized && apiErr.Code == "invalid_token" && st.reauths < maxReauths:
			st.reauths++
			if st.c.creds.rejected(ctx, req.Header.Get("Authorization")) {
				st.wait = 0
				return false, false, apiErr
			}
			return false, false, &fatalStreamError{apiErr}
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			if apiErr.RetryAfter > 0 {
				st.wait = apiErr.RetryAfter
			}
			return false, false, apiErr
		}
		return false, false, &fatalStreamError{apiErr}
	}
	st.reauths = 0
	st.wait = st.opt.RetryWait
	idle := time.AfterFunc(st.opt.IdleTimeout, func() { cancel(errStreamIdle) })
	defer idle.Stop()

	r := bufio.NewReaderSize(resp.Body, 64<<10)
	var id, event string
	var data strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if cause := context.Cause(cctx); errors.Is(cause, errStreamIdle) {
				return true, false, cause
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return true, false, fmt.Errorf("lintel: event stream: %w", err)
		}
		idle.Reset(st.opt.IdleTimeout)
		line = strings.TrimRight(line, "\r\n")
		if line == "" { // dispatch
			if data.Len() > 0 && (event == "" || event == "event" || event == "message") {
				var ev Event
				if err := json.Unmarshal([]byte(data.String()), &ev); err != nil {
					return true, false, fmt.Errorf("lintel: event stream: decode event: %w", err)
				}
				if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
					st.last = n
				} else if ev.ID > 0 {
					st.last = ev.ID
				}
				if !yield(&ev, nil) {
					return true, true, nil
				}
			}
			id, event = "", ""
			data.Reset()
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			id = value
		case "event":
			event = value
		case "data":
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(value)
		case "retry":
			if ms, err := strconv.Atoi(value); err == nil && ms >= 0 {
				st.opt.RetryWait = time.Duration(ms) * time.Millisecond
				st.wait = st.opt.RetryWait
			}
		}
	}
}
