package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestNotificationRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		_, _, channels := e.ids()
		if l := expect[list](t, c.do("GET", "/api/3/notification_rules", ""), 200); len(l) != 0 {
			t.Fatalf("no rules yet: %v", l)
		}
		// The SDK's unwrapped body; the legacy match_action key is ignored. Codes are sorted and deduplicated.
		n := expect[obj](t, c.do("POST", "/api/3/notification_rules", fmt.Sprintf(
			`{"name":"Front door","call_back_url":"https://example.com/hook","match_event_codes":[20,10,"10"],"match_controller_ids":[%d],"match_action":"post_to_callback_url"}`,
			channels[0])), 200)
		if n["active"] != true || len(n["events"].([]any)) != 2 || n["events"].([]any)[0].(obj)["name"] != "Admit Card" {
			t.Fatalf("rule %v", n)
		}
		cond := n["conditions"].([]any)[0].(obj)
		act := n["actions"].([]any)[0].(obj)
		if cond["type"] != "door_controller_id" || cond["value"] != fmt.Sprint(channels[0]) || num(t, act["type"]) != 0 || act["data"] != "https://example.com/hook" {
			t.Fatalf("conditions/actions %v %v", cond, act)
		}
		id := num(t, n["id"])
		// Without doors the conditions array is empty, never absent.
		n2 := expect[obj](t, c.do("POST", "/api/3/notification_rules", `{"notification_rule":{"name":"All","active":"false","call_back_url":"http://hooks.example/x","match_event_codes":[52]}}`), 200)
		if conds, ok := n2["conditions"].([]any); !ok || len(conds) != 0 || n2["active"] != false {
			t.Fatalf("wrapped rule %v", n2)
		}
		// PUT replaces codes and doors; active is kept unless given.
		u := expect[obj](t, c.do("PUT", fmt.Sprintf("/api/3/notification_rules/%d", id), `{"name":"Renamed","call_back_url":"https://example.com/2","match_event_codes":[11]}`), 200)
		if u["name"] != "Renamed" || len(u["conditions"].([]any)) != 0 || len(u["events"].([]any)) != 1 || u["active"] != true {
			t.Fatalf("updated %v", u)
		}
		if l := expect[list](t, c.do("GET", "/api/3/notification_rules", ""), 200); len(l) != 2 || l[0]["name"] != "Renamed" {
			t.Fatalf("list %v", l)
		}
		// Validation: 422 naming each field.
		for body, field := range map[string]string{
			`{}`: "name",
			`{"name":"x","call_back_url":"ftp://example.com","match_event_codes":[10]}`:                                   "call_back_url",
			`{"name":"x","call_back_url":"https://example.com","match_event_codes":[]}`:                                   "match_event_codes",
			`{"name":"x","call_back_url":"https://example.com","match_event_codes":[999]}`:                                "match_event_codes",
			`{"name":"x","call_back_url":"https://example.com","match_event_codes":"10"}`:                                 "match_event_codes",
			`{"name":"x","call_back_url":"https://example.com","match_event_codes":[10],"match_controller_ids":[999999]}`: "match_controller_ids",
			`{"name":"x","call_back_url":"/relative","match_event_codes":[10]}`:                                           "call_back_url",
		} {
			b := errorBody(t, c.do("POST", "/api/3/notification_rules", body), 422, "validation_failed")
			if _, ok := b["errors"].(obj)[field]; !ok {
				t.Errorf("%s: errors %v lack %s", body, b["errors"], field)
			}
		}
		e.skipSpec = true
		errorBody(t, c.do("POST", "/api/3/notification_rules", `[1]`), 400, "bad_request")
		// Another account sees none of them.
		if l := expect[list](t, e.as("other").do("GET", "/api/3/notification_rules", ""), 200); len(l) != 0 {
			t.Fatalf("other account sees %v", l)
		}
		errorBody(t, e.as("other").do("GET", fmt.Sprintf("/api/3/notification_rules/%d", id), ""), 404, "not_found")
		errorBody(t, e.as("other").do("DELETE", fmt.Sprintf("/api/3/notification_rules/%d", id), ""), 404, "not_found")
		expect[obj](t, c.do("DELETE", fmt.Sprintf("/api/3/notification_rules/%d", id), ""), 200)
		errorBody(t, c.do("GET", fmt.Sprintf("/api/3/notification_rules/%d", id), ""), 404, "not_found")
		errorBody(t, c.do("PUT", fmt.Sprintf("/api/3/notification_rules/%d", id), `{"name":"x","call_back_url":"https://e.x","match_event_codes":[10]}`), 404, "not_found")
	})
}

func TestSyncRateLimit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		if b := expect[obj](t, c.do("POST", "/api/3/sync", ""), 200); b["result"] != "ok" {
			t.Fatalf("sync %v", b)
		}
		*e.clock = testNow.Add(10 * time.Second)
		rec := c.do("POST", "/api/3/sync", "")
		b := expect[obj](t, rec, 429)
		if b["error"] != "rate_limited" || b["description"] == nil || num(t, b["retry_in"]) != 20 || rec.Header().Get("Retry-After") != "20" {
			t.Fatalf("429 %v %v", b, rec.Header())
		}
		// Another account has its own limit.
		expect[obj](t, e.as("other").do("POST", "/api/3/sync", ""), 200)
		*e.clock = testNow.Add(30 * time.Second)
		expect[obj](t, c.do("POST", "/api/3/sync", ""), 200)
		// The account reports the sync time.
		acct := expect[obj](t, c.do("GET", "/api/3/account", ""), 200)
		if acct["sync"].(obj)["last_sync"] != "2025-06-10T10:30:30.000Z" {
			t.Fatalf("account sync %v", acct["sync"])
		}
	})
}
