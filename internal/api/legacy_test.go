package api_test

import (
	"fmt"
	"testing"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestLegacyPeople replays what the v2 Nexudus sync integrations send.
func TestLegacyPeople(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		groups, _, _ := e.ids()
		body := fmt.Sprintf(`{"first_name":"Nex","last_name":"Udus","email":"nex@example.com","system_id":"NX42","enabled":true,"group_ids":[%d],"credentials_number":"4455667788","pin":"2468","notes":"from v2"}`, groups["Members"])
		p := expect[obj](t, c.ext("POST", "/api/2/people", body), 201)
		id := num(t, p["id"])
		g := p["groups"].([]any)
		if len(g) != 1 || num(t, g[0].(obj)["id"]) != groups["Members"] || g[0].(obj)["name"] != "Members" || p["credentials_number"] != "4455667788" {
			t.Fatalf("v2 person %v", p)
		}
		// Someone whose address contains ours must not come first.
		expect[obj](t, c.ext("POST", "/api/2/people", `{"first_name":"A","last_name":"B","email":"anex@example.com"}`), 201)
		l := expect[list](t, c.ext("GET", "/api/2/people?email=NEX%40example.com", ""), 200)
		if len(l) != 1 || num(t, l[0]["id"]) != id {
			t.Fatalf("lookup by email %v", l)
		}
		// Update through the singular path answers 201, as the integrations check.
		u := expect[obj](t, c.ext("PUT", fmt.Sprintf("/api/2/person/%d", id), `{"first_name":"Nexus","key_fob_number":"778899"}`), 201)
		if u["first_name"] != "Nexus" || u["key_fob_number"] != "778899" || u["last_name"] != "Udus" {
			t.Fatalf("v2 update %v", u)
		}
		expect[obj](t, c.ext("GET", fmt.Sprintf("/api/2/person/%d.json", id), ""), 200)
		errorBody(t, c.ext("PUT", "/api/2/person/99999999", `{"first_name":"x"}`), 404, "not_found")
		errorBody(t, c.ext("POST", "/api/2/people", `{"first_name":""}`), 422, "validation_failed")
		if l := expect[list](t, c.ext("GET", "/api/2/groups", ""), 200); len(l) != 3 {
			t.Fatalf("v2 groups %v", l)
		}
		expect[obj](t, c.ext("POST", "/api/2/sync", ""), 200)
		errorBody(t, c.ext("POST", "/api/2/sync", ""), 429, "rate_limited")
		errorBody(t, e.as("").ext("GET", "/api/2/people", ""), 401, "invalid_token")
		errorBody(t, e.as("none").ext("GET", "/api/2/people", ""), 403, "forbidden")
		errorBody(t, c.ext("GET", "/api/2/unknown", ""), 404, "not_found")
		// The v3 answer keeps group ids.
		v3 := expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/people/%d", id), ""), 200)
		if _, ok := v3["groups"].([]any)[0].(obj); ok {
			t.Fatalf("v3 groups became objects: %v", v3["groups"])
		}
	})
}
