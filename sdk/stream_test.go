package lintel

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestStreamResumes: the stream reconnects after a dropped connection with
// Last-Event-ID set to the last event it yielded, so every event arrives
// once and in order.
func TestStreamResumes(t *testing.T) {
	var mu sync.Mutex
	var lastIDs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		conn := len(lastIDs)
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			return
		}
		after, _ := strconv.Atoi(r.Header.Get("Last-Event-ID"))
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "retry: 1\n\n: hello\n\n")
		// Each connection sends two events after the cursor, then drops
		// (the first one in the middle of an event, which must not count).
		for id := after + 1; id <= after+2; id++ {
			fmt.Fprintf(w, "id: %d\nevent: event\ndata: {\"id\":%d,\"event_code\":10,\n", id, id)
			fmt.Fprintf(w, "data: \"event_label\":\"admitted %d\"}\n\n", id)
		}
		if conn == 1 {
			fmt.Fprint(w, "id: 99\nevent: event\ndata: {\"id\":99")
		}
		w.(http.Flusher).Flush()
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, WithAccessToken("tok"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []int64
	drops := 0
	for ev, err := range c.Events.Stream(ctx, &StreamOptions{LastEventID: 10, OnDisconnect: func(error) { drops++ }}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.ID)
		if ev.EventLabel != fmt.Sprintf("admitted %d", ev.ID) {
			t.Fatalf("event %+v", ev)
		}
		if len(got) == 6 {
			break
		}
	}
	want := []int64{11, 12, 13, 14, 15, 16}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(lastIDs) != "[10 12 14]" || drops != 2 {
		t.Fatalf("Last-Event-IDs %v, drops %d", lastIDs, drops)
	}
}

func TestStreamFatalError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(403)
		fmt.Fprint(w, `{"error":"forbidden","error_description":"You are not authorized to access this resource"}`)
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, WithAccessToken("tok"))
	n := 0
	for ev, err := range c.Events.Stream(context.Background(), nil) {
		n++
		if ev != nil || !hasStatus(err, 403) {
			t.Fatalf("%v %v", ev, err)
		}
	}
	if n != 1 {
		t.Fatalf("%d yields", n)
	}
}
