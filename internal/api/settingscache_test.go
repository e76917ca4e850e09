package api_test

import (
	"net/http"
	"testing"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestSettingsCacheFollowsTheDatabase: a person's body is read against the
// account's time zone and credential types, which the API keeps between
// requests under the version read with the token. Changed with plain SQL,
// which no part of Lintel announces, the next write reads them anew.
func TestSettingsCacheFollowsTheDatabase(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.versionsAtAuth = true // as OAuth does
		create := func(what, extra string) obj {
			t.Helper()
			rec := e.as("all").do("POST", "/api/3/people",
				`{"first_name":"Ada","last_name":"Lovelace","valid_from":"2025-07-01T09:00:00"`+extra+`}`)
			return expect[obj](t, rec, http.StatusCreated)
		}
		validFrom := func(what string, p obj, want string) {
			t.Helper()
			if p["valid_from"] != want {
				t.Fatalf("%s: valid_from %v, want %s", what, p["valid_from"], want)
			}
		}
		stats := e.api.SettingsCacheStats()
		read := func(what string, hit bool) {
			t.Helper()
			now := e.api.SettingsCacheStats()
			if hit && now.Hits != stats.Hits+1 || !hit && now.Misses != stats.Misses+1 {
				t.Fatalf("%s: the settings cache went from %+v to %+v, want a hit: %v", what, stats, now, hit)
			}
			stats = now
		}
		// Europe/London: nine in the morning is 08:00 UTC in July.
		validFrom("the first write", create("first", ""), "2025-07-01T08:00:00.000Z")
		read("the first write", false)
		validFrom("a write from the cache", create("second", ""), "2025-07-01T08:00:00.000Z")
		read("the second write", true)

		plainSQL(t, st, `UPDATE accounts SET time_zone = 'America/New_York' WHERE id = ?`, e.acct.ID)
		validFrom("after plain SQL moved the account", create("third", ""), "2025-07-01T13:00:00.000Z")
		read("after the account moved", false)

		plainSQL(t, st, `UPDATE credential_types SET slug = 'door_pin' WHERE account_id = ? AND slug = 'pin'`, e.acct.ID)
		p := create("fourth", `,"door_pin":"991122"`)
		if p["door_pin"] != "991122" {
			t.Fatalf("after plain SQL renamed the PIN type's slug, a PIN sent under the new slug: %v", p)
		}
		read("after the type was renamed", false)
		create("fifth", "")
		read("the fifth write", true)
	})
}
