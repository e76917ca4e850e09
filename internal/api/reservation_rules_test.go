package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestReservationDayRules pins the one-local-day rule across daylight-
// saving changes and in a site's own time zone.
func TestReservationDayRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		ctx := context.Background()
		people, _, _ := st.ListPeople(ctx, e.acct.ID, store.PersonFilter{})
		_, _, channels := e.ids()
		p := people[0].ID
		ok := func(door int64, start, end string) {
			t.Helper()
			expect[obj](t, c.do("POST", "/api/3/reservations",
				fmt.Sprintf(`{"person_id":%d,"start_time":%q,"end_time":%q,"channel_ids":[%d]}`, p, start, end, door)), 201)
		}
		bad := func(door int64, start, end, want string) {
			t.Helper()
			b := errorBody(t, c.do("POST", "/api/3/reservations",
				fmt.Sprintf(`{"person_id":%d,"start_time":%q,"end_time":%q,"channel_ids":[%d]}`, p, start, end, door)), 422, "validation_failed")
			if msgs := b["errors"].(obj)["end_time"].([]any); len(msgs) != 1 || msgs[0] != want {
				t.Errorf("%s..%s: %v, want %q", start, end, msgs, want)
			}
		}
		const sameDay, length = "must be on the same day as the start time", "must be between 1 minute and 24 hours after the start time"
		london := channels[0]
		// London falls back on 26 October 2025: that local day lasts 25 hours, all of it may be reserved.
		ok(london, "2025-10-26T00:00:00+01:00", "2025-10-27T00:00:00Z")
		// It springs forward on 29 March 2026: a 23-hour day, also whole.
		ok(london, "2026-03-29T00:00:00", "2026-03-30T00:00:00")
		// Crossing local midnight is refused even when short; so is less than a minute.
		bad(london, "2025-07-01T23:30:00+01:00", "2025-07-02T00:30:00+01:00", sameDay)
		bad(london, "2025-07-01T22:30:00Z", "2025-07-01T23:30:00Z", sameDay) // 23:30 to 00:30 BST
		ok(london, "2025-07-01T22:00:00Z", "2025-07-01T23:00:00Z")           // 23:00 to 24:00 BST
		bad(london, "2025-07-01T10:00:00Z", "2025-07-01T10:00:30Z", length)
		bad(london, "2025-07-01T00:00:00Z", "2025-07-02T06:00:00Z", length)

		// A door at a site in New York is judged in New York time, offset-less times included.
		ny := &domain.Site{AccountID: e.acct.ID, Name: "Brooklyn", TimeZone: ptr("America/New_York")}
		if err := st.CreateSite(ctx, ny); err != nil {
			t.Fatal(err)
		}
		door := &domain.Channel{AccountID: e.acct.ID, SiteID: &ny.ID, Name: "Brooklyn Door", MACAddress: "00:1a:2b:3c:4d:99"}
		if err := st.CreateChannel(ctx, door); err != nil {
			t.Fatal(err)
		}
		ok(door.ID, "2025-07-01T22:00:00-04:00", "2025-07-01T23:59:00-04:00") // 03:00 BST the next day in London
		bad(door.ID, "2025-07-01T22:00:00-04:00", "2025-07-02T01:00:00-04:00", sameDay)
		r := expect[obj](t, c.do("POST", "/api/3/reservations",
			fmt.Sprintf(`{"person_id":%d,"start_time":"2025-07-01T09:00","end_time":"2025-07-01T10:00","channel_ids":[%d]}`, p, door.ID)), 201)
		if r["start_time"] != "2025-07-01T13:00:00.000Z" {
			t.Fatalf("offset-less time read in the site's zone: %v", r["start_time"])
		}
		// Doors in different zones fall back to the account's zone (London: 03:00 to 04:59, fine).
		expect[obj](t, c.do("POST", "/api/3/reservations",
			fmt.Sprintf(`{"person_id":%d,"start_time":"2025-07-01T22:00:00-04:00","end_time":"2025-07-02T00:30:00-04:00","channel_ids":[%d,%d]}`, p, london, door.ID)), 201)
	})
}
