package webhook

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// sseEvent is one parsed Server-Sent Event.
type sseEvent struct {
	id   int64
	data map[string]any
}

// readEvents reads n events from an SSE body, skipping comments.
func readEvents(t *testing.T, sc *bufio.Scanner, n int) []sseEvent {
	t.Helper()
	var out []sseEvent
	cur := sseEvent{}
	for len(out) < n && sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			cur.id, _ = strconv.ParseInt(strings.TrimPrefix(line, "id: "), 10, 64)
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &cur.data); err != nil {
				t.Fatalf("data is not JSON: %q", line)
			}
		case line == "" && cur.id != 0:
			out = append(out, cur)
			cur = sseEvent{}
		}
	}
	if len(out) < n {
		t.Fatalf("stream ended after %d events: %v", len(out), sc.Err())
	}
	return out
}

func TestEventStreamResumes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, eventScope)
		other := newFixture(t, st, eventScope)
		auth := func(r *http.Request) (*domain.Principal, error) {
			switch r.Header.Get("Authorization") {
			case "Bearer good":
				return &domain.Principal{AccountID: f.acct.ID, Scopes: domain.NewScopeSet(eventScope)}, nil
			case "Bearer people":
				return &domain.Principal{AccountID: f.acct.ID, Scopes: domain.NewScopeSet("account.person")}, nil
			}
			return nil, domain.Errorf(domain.EUNAUTHORIZED, "The access token is invalid")
		}
		svc := New(Config{Store: st, Auth: auth, KeepAlive: 50 * time.Millisecond})
		srv := httptest.NewServer(svc.StreamHandler())
		defer srv.Close()

		var ids []int64
		for i := 0; i < 5; i++ {
			ids = append(ids, f.event(t, 10+i, nil))
			other.event(t, 20, nil) // another account's events never show
		}
		for _, tc := range []struct {
			token, lastID string
			want          int
		}{{"", "", 401}, {"bad", "", 401}, {"people", "", 403}, {"good", "abc", 400}, {"good", "-4", 400}} {
			req, _ := http.NewRequest("GET", srv.URL, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			req.Header.Set("Last-Event-ID", tc.lastID)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode != tc.want || body["error"] == nil || body["error_description"] == nil {
				t.Errorf("%+v: status %d body %v", tc, resp.StatusCode, body)
			}
			if tc.want == 403 && (body["scope"] != "account.event.access.readonly" ||
				resp.Header.Get("WWW-Authenticate") != `Bearer realm="lintel", error="insufficient_scope", scope="account.event.access.readonly"`) {
				t.Errorf("403 without the event scope: %v, WWW-Authenticate %q", body, resp.Header.Get("WWW-Authenticate"))
			}
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		req.Header.Set("Authorization", "Bearer good")
		req.Header.Set("Last-Event-ID", strconv.FormatInt(ids[1], 10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
			t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
		}
		sc := bufio.NewScanner(resp.Body)
		got := readEvents(t, sc, 3)
		for i, e := range got {
			if e.id != ids[i+2] || e.data["id"] != float64(ids[i+2]) || e.data["event_code"] != float64(12+i) {
				t.Fatalf("event %d: %+v, want id %d", i, e, ids[i+2])
			}
		}
		// Live: a new event arrives after Notify; keep-alives flow meanwhile.
		time.Sleep(120 * time.Millisecond)
		id := f.event(t, 17, nil)
		svc.Notify(f.acct.ID)
		live := readEvents(t, sc, 1)
		if live[0].id != id || live[0].data["channel_id"] != nil {
			t.Fatalf("live event %+v, want %d", live[0], id)
		}
	})
}

func TestEventStreamKeepAlive(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, eventScope)
		auth := func(*http.Request) (*domain.Principal, error) {
			return &domain.Principal{AccountID: f.acct.ID, Scopes: domain.NewScopeSet("account.event.access")}, nil
		}
		svc := New(Config{Store: st, Auth: auth, KeepAlive: 20 * time.Millisecond})
		srv := httptest.NewServer(svc.StreamHandler())
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"?last_event_id=0", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() == ": keep-alive" {
				return
			}
		}
		t.Fatal("no keep-alive comment")
	})
}
