package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// listQueries are the list pages the cache keeps, in several spellings.
var listQueries = []string{
	"/api/3/people",
	"/api/3/people?per_page=5&page=2",
	"/api/3/people?page=2&per_page=5", // the same page, spelled otherwise
	"/api/3/people?email=example",
	"/api/3/people?since_utc=2025-06-01T00:00:00Z",
	"/api/2/people",
	"/api/3/credentials?per_page=7",
	"/api/3/events",
	"/api/3/events?n=3&page=2",
	"/api/3/events?sort=ASC&level=debug",
	"/api/3/events?since=2025-06-09",
}

// TestListCacheAnswersAsTheDatabase compares every cached list answer
// (status, paging headers, body) with the same API's answer without its
// cache, after each kind of change: writes through the API, plain SQL that
// no part of Lintel announces, events recorded by the store, and the clock
// moving the events window past the oldest event.
func TestListCacheAnswersAsTheDatabase(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		compare := func(when string) {
			t.Helper()
			for _, q := range listQueries {
				for round := 0; round < 4; round++ { // a miss, then hits
					// Versions read with the token (as OAuth does), then
					// by the API itself (as for an API key).
					e.versionsAtAuth = round%2 == 0
					req := httptest.NewRequest("GET", q, nil)
					req.Header.Set("Authorization", "Bearer all")
					got, want := httptest.NewRecorder(), httptest.NewRecorder()
					e.h.ServeHTTP(got, req)
					e.plain.ServeHTTP(want, req.Clone(ctx))
					if got.Code != http.StatusOK || want.Code != http.StatusOK {
						t.Fatalf("%s: GET %s: %d, uncached %d: %s", when, q, got.Code, want.Code, got.Body)
					}
					if got.Body.String() != want.Body.String() {
						t.Fatalf("%s: GET %s (round %d) differs from the database:\n%s\nwant\n%s", when, q, round, got.Body, want.Body)
					}
					for _, h := range []string{"Total", "Per-Page", "X-Total-Results", "X-Per-Page", "X-Page", "Content-Type"} {
						if got.Header().Get(h) != want.Header().Get(h) {
							t.Fatalf("%s: GET %s: %s %q, want %q", when, q, h, got.Header().Get(h), want.Header().Get(h))
						}
					}
				}
			}
		}
		compare("at first")
		before := e.api.ListCacheStats()
		compare("unchanged")
		if after := e.api.ListCacheStats(); after.Hits-before.Hits < int64(4*len(listQueries)) || after.Misses != before.Misses {
			t.Fatalf("an unchanged account missed the cache: %+v, then %+v", before, after)
		}

		rec := e.as("all").do("POST", "/api/3/people", `{"first_name":"Nina","last_name":"Simone","email":"nina@example.com"}`)
		p := expect[obj](t, rec, http.StatusCreated)
		id := num(t, p["id"])
		compare("after a person was created")

		_, types, _ := e.ids()
		expect[obj](t, e.as("all").do("POST", fmt.Sprintf("/api/3/people/%d/credentials", id),
			fmt.Sprintf(`{"person_credential":{"credential_type_id":%d,"value":"7788"}}`, types["PIN"])), http.StatusCreated)
		compare("after a card was issued")

		plainSQL(t, st, `UPDATE people SET last_name = 'Waymon' WHERE id = ?`, id)
		compare("after plain SQL renamed them")

		plainSQL(t, st, `UPDATE credential_types SET slug = 'door_pin' WHERE id = ?`, types["PIN"])
		compare("after plain SQL renamed a credential type's slug")

		if err := st.CreateEvent(ctx, &domain.Event{AccountID: e.acct.ID, EventCode: 12, EventLabel: "Access granted",
			CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		compare("after an event was recorded")

		e.skipSpec = true
		if rec := e.as("all").do("DELETE", fmt.Sprintf("/api/3/people/%d", id), ""); rec.Code >= 300 {
			t.Fatalf("delete: %d %s", rec.Code, rec.Body)
		}
		compare("after the person was deleted")

		// The 90-day window moves on; nothing is written.
		for _, d := range []time.Duration{24 * time.Hour, 30 * 24 * time.Hour, 60 * 24 * time.Hour, 365 * 24 * time.Hour} {
			e.clock.Add(d)
			compare(fmt.Sprintf("after the clock moved %s", d))
		}
	})
}
