package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// get sends method to u with an optional Authorization header and returns
// the status, headers and body.
func send(t *testing.T, method, u, auth string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// A known path asked with the wrong method answers 405 with Allow in the
// DoorFlow error shape; an unknown path still answers 404.
func TestWrongMethodIs405(t *testing.T) {
	a, _ := apptest.Start(t, apptest.Config(t, storetest.Backends(t)[0]), nil, 5)
	for _, tc := range []struct{ method, path, allow string }{
		{"GET", "/oauth/token", "POST"},
		{"PUT", "/oauth/token", "POST"},
		{"GET", "/oauth/revoke", "POST"},
		{"DELETE", "/oauth/authorize", "GET, HEAD, POST"},
		{"PATCH", "/api/3/people", "GET, HEAD, POST"},
		{"POST", "/api/3/people/1", "GET, HEAD, PUT, DELETE"},
		{"POST", "/healthz", "GET, HEAD"},
	} {
		status, hdr, body := send(t, tc.method, a.BaseURL()+tc.path, "")
		var b map[string]any
		_ = json.Unmarshal([]byte(body), &b)
		if status != http.StatusMethodNotAllowed || hdr.Get("Allow") != tc.allow || b["error"] != "method_not_allowed" || b["error_description"] == "" {
			t.Errorf("%s %s: %d Allow %q %s, want 405 Allow %q", tc.method, tc.path, status, hdr.Get("Allow"), body, tc.allow)
		}
	}
	for _, p := range []string{"/oauth/nothing", "/api/3/nothing", "/api/3/people/1/nothing"} {
		if status, hdr, body := send(t, "GET", a.BaseURL()+p, ""); status != http.StatusNotFound || hdr.Get("Allow") != "" || !strings.Contains(body, `"not_found"`) {
			t.Errorf("GET %s: %d %q %s, want 404", p, status, hdr.Get("Allow"), body)
		}
	}
}

// syncBuffer is a log destination tests read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With --metrics-token, /metrics needs the token as a bearer; the token
// never reaches the log.
func TestMetricsToken(t *testing.T) {
	cfg := apptest.Config(t, storetest.Backends(t)[0])
	const token = "metrics-secret-0123456789"
	cfg.MetricsToken = token
	cfg.LogLevel = "debug"
	var logs syncBuffer
	a, _ := apptest.StartWith(t, cfg, app.Options{Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, 5)
	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Bearer " + token + "x", "Bearer " + token[:len(token)-1], "Basic " + token} {
		status, hdr, body := send(t, "GET", a.BaseURL()+"/metrics", auth)
		if status != http.StatusUnauthorized || !strings.Contains(body, `"invalid_token"`) || hdr.Get("WWW-Authenticate") == "" || strings.Contains(body, "lintel_http") {
			t.Errorf("metrics with %q: %d %s", auth, status, body)
		}
	}
	status, _, body := send(t, "GET", a.BaseURL()+"/metrics", "Bearer "+token)
	if status != http.StatusOK || !strings.Contains(body, "lintel_http_requests_total") {
		t.Fatalf("metrics with the token: %d %.200s", status, body)
	}
	if strings.Contains(logs.String(), token) {
		t.Error("the metrics token was logged")
	}
}

// With --metrics-listen, /metrics is served on its own listener only.
func TestMetricsListen(t *testing.T) {
	cfg := apptest.Config(t, storetest.Backends(t)[0])
	cfg.MetricsListen = "127.0.0.1:0"
	a, _ := apptest.Start(t, cfg, nil, 5)
	if a.MetricsAddr() == nil {
		t.Fatal("no metrics listener")
	}
	if status, _, body := send(t, "GET", a.BaseURL()+"/metrics", ""); status != http.StatusNotFound {
		t.Errorf("public /metrics: %d %.200s, want 404", status, body)
	}
	m := "http://" + a.MetricsAddr().String()
	if status, _, body := send(t, "GET", m+"/metrics", ""); status != http.StatusOK || !strings.Contains(body, "lintel_http_requests_total") {
		t.Errorf("metrics listener: %d %.200s", status, body)
	}
	for _, p := range []string{"/api/3/account", "/oauth/token", "/"} {
		if status, _, _ := send(t, "GET", m+p, ""); status != http.StatusNotFound {
			t.Errorf("metrics listener serves %s: %d", p, status)
		}
	}
	// The default: public, on the main listener.
	b, _ := apptest.Start(t, apptest.Config(t, storetest.Backends(t)[0]), nil, 5)
	if b.MetricsAddr() != nil {
		t.Error("a metrics listener without --metrics-listen")
	}
	if status, _, _ := send(t, "GET", b.BaseURL()+"/metrics", ""); status != http.StatusOK {
		t.Errorf("default /metrics: %d", status)
	}
}

// The demo's callback page shows the real client_id of the code's
// application, never its secret, and a placeholder for a code it does not
// know.
func TestCallbackPageShowsTheClientID(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *server) {
		q := authorize(t, s, s.demo.AuthorizeURL)
		status, _, body := send(t, "GET", s.demo.RedirectURI+"?"+q.Encode(), "")
		if status != 200 || !strings.Contains(body, "client_id="+s.demo.ClientID) || strings.Contains(body, "YOUR_CLIENT_ID") ||
			strings.Contains(body, s.demo.ClientSecret) || !strings.Contains(body, "demo.json") {
			t.Fatalf("callback page: %d\n%s", status, body)
		}
		// A NUL is refused at the edge, like any input a database cannot store.
		if status, _, _ := send(t, "GET", s.demo.RedirectURI+"?code="+url.QueryEscape("x\x00y"), ""); status != http.StatusBadRequest {
			t.Errorf("callback page for a code with a NUL: %d", status)
		}
		for _, code := range []string{"not-a-code", strings.Repeat("A", 43), "x y"} {
			status, _, body := send(t, "GET", s.demo.RedirectURI+"?code="+url.QueryEscape(code), "")
			if status != 200 || !strings.Contains(body, "client_id=CLIENT_ID") || strings.Contains(body, s.demo.ClientID) {
				t.Errorf("callback page for code %q: %d\n%s", code, status, body)
			}
		}
	})
}
