package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestListEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		ctx := context.Background()
		_, _, channels := e.ids()
		// An old admit (outside the default 90 days) and a status event.
		old := &domain.Event{AccountID: e.acct.ID, EventCode: 10, EventLabel: "Old admit", CreatedAt: testNow.AddDate(0, 0, -100)}
		status := &domain.Event{AccountID: e.acct.ID, EventCode: 2, EventLabel: "Channel stopped", ChannelID: &channels[0], CreatedAt: testNow.Add(-time.Minute)}
		for _, ev := range []*domain.Event{old, status} {
			if err := st.CreateEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		rec := c.do("GET", "/api/3/events", "")
		evs := expect[list](t, rec, 200)
		if len(evs) != 50 || rec.Header().Get("Per-Page") != "50" {
			t.Fatalf("default page %d %v", len(evs), rec.Header())
		}
		prev := "9999"
		for _, ev := range evs {
			code := num(t, ev["event_code"])
			if code < 10 || code > 29 || ev["event_id"].(interface{ String() string }).String() != ev["id"].(interface{ String() string }).String() {
				t.Fatalf("non-access event by default: %v", ev)
			}
			if ev["channel_id"] == nil || fmt.Sprint(ev["channel_id"]) != fmt.Sprint(ev["door_controller_id"]) || ev["channel_name"] != ev["door_controller_name"] {
				t.Fatalf("aliases differ: %v", ev)
			}
			if s := ev["created_at"].(string); s > prev {
				t.Fatalf("not newest first")
			} else {
				prev = s
			}
		}
		total := rec.Header().Get("Total")
		all := expect[list](t, c.do("GET", "/api/3/events?n=5000", ""), 200)
		if fmt.Sprint(len(all)) != total {
			t.Fatalf("n=5000 gave %d of %s", len(all), total)
		}
		for _, ev := range all {
			if ev["event_label"] == "Old admit" {
				t.Fatal("event older than 90 days listed by default")
			}
		}
		withOld := expect[list](t, c.do("GET", "/api/3/events?n=1000&since=2025-01-01T00:00:00", ""), 200)
		if len(withOld) != len(all)+1 {
			t.Fatalf("since did not widen the window: %d vs %d", len(withOld), len(all))
		}
		debug := expect[list](t, c.do("GET", "/api/3/events?level=debug&n=1", ""), 200)
		if num(t, debug[0]["event_code"]) != 2 {
			t.Fatalf("level=debug: %v", debug[0])
		}
		asc := expect[list](t, c.do("GET", "/api/3/events?sort=asc&n=2", ""), 200)
		if asc[0]["created_at"].(string) > asc[1]["created_at"].(string) {
			t.Fatalf("ASC order: %v", asc)
		}
		// The SDK's CSV form, with codes and channels.
		codes := expect[list](t, c.do("GET", fmt.Sprintf("/api/3/events?event_codes=11%%2C24&channels=%d%%2C%d&n=1000", channels[0], channels[1]), ""), 200)
		for _, ev := range codes {
			if code := num(t, ev["event_code"]); code != 11 && code != 24 {
				t.Fatalf("code filter: %v", ev)
			}
			if id := num(t, ev["channel_id"]); id != channels[0] && id != channels[1] {
				t.Fatalf("channel filter: %v", ev)
			}
		}
		named := expect[list](t, c.do("GET", "/api/3/events?first_name=john&last_name=DOE", ""), 200)
		if len(named) == 0 || named[0]["person_name"] != "John Doe" {
			t.Fatalf("name filter: %v", named)
		}
		// Unknown codes: 400 naming them (50-63 are not filterable).
		b := errorBody(t, c.do("GET", "/api/3/events?event_codes=10,999,50,abc", ""), 400, "bad_request")
		if b["error_description"] != "The following event codes are not valid for this method: 999, 50, abc" {
			t.Fatalf("400 body %v", b)
		}
		errorBody(t, c.do("GET", "/api/3/events?sort=sideways", ""), 400, "bad_request")
		if past := expect[list](t, c.do("GET", "/api/3/events?page=999", ""), 200); len(past) != 0 {
			t.Fatal("page past the end not empty")
		}
		one := expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/events/%d", status.ID), ""), 200)
		if one["event_label"] != "Channel stopped" || one["person_id"] != nil {
			t.Fatalf("get event %v", one)
		}
		theirs, _, _ := st.ListEvents(ctx, e.other.ID, store.EventFilter{Page: store.Page{Limit: 1}})
		errorBody(t, c.do("GET", fmt.Sprintf("/api/3/events/%d", theirs[0].ID), ""), 404, "not_found")
	})
}
