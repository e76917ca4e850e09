package sim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// errLinkCut is what every request of a controller gets while its link is
// cut.
var errLinkCut = errors.New("sim: network link cut")

// link is a controller's network: an http.RoundTripper that, while cut,
// fails every new request and has already aborted those in flight (a
// long poll waiting for changes, an upload), as a pulled cable would.
type link struct {
	base http.RoundTripper
	// uploaded, when set, is told how long each event upload (POST
	// /controller/v1/events) took until the server's answer, and whether
	// the answer was 200.
	uploaded func(took time.Duration, ok bool)

	mu       sync.Mutex
	down     bool
	next     int
	inflight map[int]context.CancelCauseFunc
	to       *url.URL // when set, every request goes to this server instead
}

func newLink(base http.RoundTripper) *link {
	return &link{base: base, inflight: map[int]context.CancelCauseFunc{}}
}

// RoundTrip sends the request unless the link is cut. Errors: errLinkCut,
// or the base transport's.
func (l *link) RoundTrip(req *http.Request) (*http.Response, error) {
	l.mu.Lock()
	if l.down {
		l.mu.Unlock()
		return nil, errLinkCut
	}
	if l.to != nil {
		r := req.Clone(req.Context())
		r.URL.Scheme, r.URL.Host, r.Host = l.to.Scheme, l.to.Host, ""
		req = r
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	id := l.next
	l.next++
	l.inflight[id] = cancel
	l.mu.Unlock()
	finish := func() {
		l.mu.Lock()
		delete(l.inflight, id)
		l.mu.Unlock()
		cancel(nil)
	}
	start := time.Now()
	resp, err := l.base.RoundTrip(req.WithContext(ctx))
	if l.uploaded != nil && req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/controller/v1/events") {
		l.uploaded(time.Since(start), err == nil && resp.StatusCode == http.StatusOK)
	}
	if err != nil {
		finish()
		if cause := context.Cause(ctx); errors.Is(cause, errLinkCut) {
			return nil, cause
		}
		return nil, err
	}
	resp.Body = &linkBody{ReadCloser: resp.Body, ctx: ctx, finish: sync.OnceFunc(finish)}
	return resp, nil
}

// cut takes the link down and aborts the requests in flight.
func (l *link) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	for id, cancel := range l.inflight {
		cancel(errLinkCut)
		delete(l.inflight, id)
	}
}

// redirect sends every request from now on to the server at base, as a
// load balancer does once its health check finds the first one gone.
func (l *link) redirect(base string) {
	u, _ := url.Parse(base)
	l.mu.Lock()
	l.to = u
	l.mu.Unlock()
}

// restore brings the link back up.
func (l *link) restore() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = false
}

// isDown reports whether the link is cut.
func (l *link) isDown() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.down
}

// linkBody is a response body that ends its request's registration when
// closed and reports a cut that interrupted the read as errLinkCut.
type linkBody struct {
	io.ReadCloser
	ctx    context.Context
	finish func()
}

func (b *linkBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		if cause := context.Cause(b.ctx); errors.Is(cause, errLinkCut) {
			err = cause
		}
	}
	return n, err
}

func (b *linkBody) Close() error {
	err := b.ReadCloser.Close()
	b.finish()
	return err
}
