package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/lintel-dev/lintel/internal/api"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// specOperations returns "METHOD path" -> operationId for every operation
// of the reference spec under /api/3.
func specOperations(t *testing.T) map[string]string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		t.Skipf("reference spec not available: %v", err)
	}
	out := map[string]string{}
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, "/api/3/") {
			continue
		}
		for method, op := range item.Operations() {
			out[method+" "+path] = op.OperationID
		}
	}
	return out
}

// TestRoutesCoverSpec fails when a path and method of the reference spec
// has no route of its own (only the 404 fallback would answer).
func TestRoutesCoverSpec(t *testing.T) {
	ops := specOperations(t)
	if len(ops) != 42 {
		t.Errorf("the spec has %d /api/3 operations, want 42", len(ops))
	}
	mux := http.NewServeMux()
	api.New(api.Config{}).Register(mux)
	for key := range ops {
		method, path, _ := strings.Cut(key, " ")
		concrete := strings.NewReplacer("{id}", "7", "{person_id}", "3").Replace(path)
		_, pattern := mux.Handler(httptest.NewRequest(method, concrete, nil))
		if pattern == "" || pattern == "/api/3/" {
			t.Errorf("%s %s has no route (pattern %q)", method, path, pattern)
		}
	}
}

// TestEveryOperation calls every operation of the reference spec and
// validates each request and response against it.
func TestEveryOperation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.strict = true
		c := e.as("all")
		ctx := context.Background()
		people, _, err := st.ListPeople(ctx, e.acct.ID, store.PersonFilter{})
		if err != nil {
			t.Fatal(err)
		}
		groups, types, channels := e.ids()
		staff := staffPerson(t, e)
		p := people[0].ID

		expect[obj](t, c.do("GET", "/api/3/account", ""), 200)
		expect[list](t, c.do("GET", "/api/3/sites", ""), 200)
		expect[list](t, c.do("GET", "/api/3/channels", ""), 200)
		expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/channels/%d", channels[2]), ""), 200)
		expect[list](t, c.do("GET", "/api/3/credential_types", ""), 200)
		expect[list](t, c.do("GET", "/api/3/groups", ""), 200)
		expect[list](t, c.do("GET", "/api/3/roles", ""), 200)

		np := expect[obj](t, c.do("POST", "/api/3/people", `{"first_name":"Every","last_name":"Op","email":"every@example.com"}`), 201)
		nid := num(t, np["id"])
		expect[list](t, c.do("GET", "/api/3/people?per_page=5", ""), 200)
		expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/people/%d", nid), ""), 200)
		expect[obj](t, c.do("PUT", fmt.Sprintf("/api/3/people/%d", nid), `{"job_title":"Tester"}`), 201)
		cr := expect[obj](t, c.do("POST", fmt.Sprintf("/api/3/people/%d/credentials", nid),
			fmt.Sprintf(`{"person_credential":{"credential_type_id":%d,"value":"******"}}`, types["PIN"])), 201)
		cid := cr["id"].(string)
		expect[list](t, c.do("GET", fmt.Sprintf("/api/3/people/%d/credentials", nid), ""), 200)
		expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/people/%d/credentials/%s", nid, cid), ""), 200)
		expect[obj](t, c.do("PUT", fmt.Sprintf("/api/3/people/%d/credentials/%s", nid, cid), `{"person_credential":{"value":"918273"}}`), 201)
		expect[any](t, c.do("DELETE", fmt.Sprintf("/api/3/people/%d/credentials/%s", nid, cid), ""), 200)
		expect[list](t, c.do("GET", "/api/3/credentials", ""), 200)

		evs := expect[list](t, c.do("GET", "/api/3/events?n=2", ""), 200)
		expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/events/%d", num(t, evs[0]["id"])), ""), 200)

		start := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
		end := e.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
		res := expect[obj](t, c.do("POST", "/api/3/reservations",
			fmt.Sprintf(`{"person_id":%d,"start_time":%q,"end_time":%q,"channel_ids":[%d]}`, p, start, end, channels[0])), 201)
		expect[list](t, c.do("GET", "/api/3/reservations", ""), 200)
		expect[obj](t, c.do("DELETE", fmt.Sprintf("/api/3/reservations/%d", num(t, res["id"])), ""), 200)
		gr := expect[obj](t, c.do("POST", "/api/3/group_reservations",
			fmt.Sprintf(`{"group_reservation":{"person_id":%d,"start_time":%q,"end_time":%q,"group_ids":[%d]}}`, p, start, end, groups["Staff"])), 201)
		expect[list](t, c.do("GET", "/api/3/group_reservations", ""), 200)
		expect[obj](t, c.do("DELETE", fmt.Sprintf("/api/3/group_reservations/%d", num(t, gr["id"])), ""), 200)

		door := fmt.Sprintf("/api/3/channels/%d", channels[2])
		adm := expect[obj](t, c.do("POST", door+"/admit", ""), 202)
		expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/admission_requests/%d", num(t, adm["admission_request_id"])), ""), 200)
		expect[obj](t, c.do("POST", door+"/admit_person", fmt.Sprintf(`{"person_id":%d}`, staff)), 202)
		expect[obj](t, c.do("POST", door+"/lockdown", `{"card_lockdown":true,"rex_lockdown":false,"aux_lockdown":true}`), 200)
		expect[obj](t, c.do("POST", door+"/unlockdown", ""), 200)
		expect[obj](t, c.do("POST", door+"/unlock", `{"relock_at":"2025-06-10T17:00:00Z"}`), 200)
		expect[obj](t, c.do("POST", door+"/normal", ""), 200)
		expect[obj](t, c.do("POST", door+"/auto_unlock", `{"shift_id":null}`), 200)
		expect[obj](t, c.do("POST", door+"/regenerate_encryption_key", ""), 200)
		expect[obj](t, c.do("POST", door+"/remove_encryption_key", ""), 200)

		rule := expect[obj](t, c.do("POST", "/api/3/notification_rules",
			fmt.Sprintf(`{"name":"Door hooks","call_back_url":"https://example.com/hook","match_event_codes":[10,20],"match_controller_ids":[%d]}`, channels[0])), 200)
		rid := num(t, rule["id"])
		expect[list](t, c.do("GET", "/api/3/notification_rules", ""), 200)
		expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/notification_rules/%d", rid), ""), 200)
		expect[obj](t, c.do("PUT", fmt.Sprintf("/api/3/notification_rules/%d", rid),
			`{"name":"Door hooks","active":false,"call_back_url":"https://example.com/hook2","match_event_codes":[11]}`), 200)
		expect[obj](t, c.do("DELETE", fmt.Sprintf("/api/3/notification_rules/%d", rid), ""), 200)

		expect[obj](t, c.do("POST", "/api/3/sync", ""), 200)
		expect[obj](t, c.do("DELETE", fmt.Sprintf("/api/3/people/%d", nid), ""), 200)

		var missing []string
		for key, id := range specOperations(t) {
			if !e.seen[id] {
				missing = append(missing, key)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("operations never called: %v", missing)
		}
	})
}

// staffPerson returns an enabled demo person in the Staff group (whose role
// opens every door at all hours).
func staffPerson(t *testing.T, e *env) int64 {
	t.Helper()
	groups, _, _ := e.ids()
	people, _, err := e.st.ListPeople(context.Background(), e.acct.ID, store.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		if p.Enabled && len(p.GroupIDs) == 1 && p.GroupIDs[0] == groups["Staff"] {
			return p.ID
		}
	}
	t.Fatal("no enabled staff member in the demo data")
	return 0
}

// personIn returns an enabled demo person whose only group is name.
func personIn(t *testing.T, e *env, name string) *domain.Person {
	t.Helper()
	groups, _, _ := e.ids()
	people, _, err := e.st.ListPeople(context.Background(), e.acct.ID, store.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		if p.Enabled && len(p.GroupIDs) == 1 && p.GroupIDs[0] == groups[name] && len(p.RoleIDs) == 0 {
			return p
		}
	}
	t.Fatalf("no enabled %s person in the demo data", name)
	return nil
}
