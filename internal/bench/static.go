package bench

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// staticServer is the ceiling a list page is compared with: a plain
// net/http server answering with bytes held in memory.
type staticServer struct {
	base string
	srv  *http.Server

	mu    sync.RWMutex
	pages map[string]staticPage
}

type staticPage struct {
	header http.Header
	body   []byte
}

func startStatic() (*staticServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &staticServer{base: "http://" + ln.Addr().String(), pages: map[string]staticPage{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// add serves body with the content headers Lintel sent, and returns its path.
func (s *staticServer) add(h http.Header, body []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := fmt.Sprintf("/page/%d", len(s.pages))
	keep := http.Header{}
	for _, k := range []string{"Content-Type", "Total", "Per-Page", "X-Total-Results", "X-Per-Page", "X-Page"} {
		if v := h.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	keep.Set("Content-Length", strconv.Itoa(len(body)))
	s.pages[path] = staticPage{header: keep, body: body}
	return path
}

func (s *staticServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	p, ok := s.pages[r.URL.Path]
	s.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	for k, v := range p.header {
		w.Header()[k] = v
	}
	_, _ = w.Write(p.body)
}

func (s *staticServer) close() { _ = s.srv.Close() }
