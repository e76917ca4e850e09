package api_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/api"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/netguard"
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
		e.clock.Set(testNow.Add(10 * time.Second))
		rec := c.do("POST", "/api/3/sync", "")
		b := expect[obj](t, rec, 429)
		if b["error"] != "rate_limited" || b["description"] == nil || num(t, b["retry_in"]) != 20 || rec.Header().Get("Retry-After") != "20" {
			t.Fatalf("429 %v %v", b, rec.Header())
		}
		// Another account has its own limit.
		expect[obj](t, e.as("other").do("POST", "/api/3/sync", ""), 200)
		e.clock.Set(testNow.Add(30 * time.Second))
		expect[obj](t, c.do("POST", "/api/3/sync", ""), 200)
		// The account reports the sync time.
		acct := expect[obj](t, c.do("GET", "/api/3/account", ""), 200)
		if acct["sync"].(obj)["last_sync"] != "2025-06-10T10:30:30.000Z" {
			t.Fatalf("account sync %v", acct["sync"])
		}
	})
}

// TestNotificationRuleURLGuard: a callback URL that points into the
// server's own network is refused when the rule is saved, with a 422 that
// says why, unless the server allows private targets.
func TestNotificationRuleURLGuard(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		body := func(u string) string {
			b, _ := json.Marshal(map[string]any{"name": "Hook", "call_back_url": u, "match_event_codes": []int{10}})
			return string(b)
		}
		bad := map[string]string{
			"http://127.0.0.1/":                "loopback",
			"http://2130706433/":               "non-standard form (127.0.0.1",
			"http://0x7f000001/":               "non-standard form (127.0.0.1",
			"http://0177.0.0.1/":               "non-standard form (127.0.0.1",
			"http://127.1:8080/":               "non-standard form",
			"http://10.0.0.8/":                 "private",
			"http://192.168.1.1/":              "private",
			"http://172.31.0.1/":               "private",
			"http://169.254.169.254/latest/":   "metadata",
			"http://[fd00:ec2::254]/":          "metadata",
			"http://metadata.google.internal/": "local network name",
			"http://metadata/":                 "without a dot",
			"http://localhost:3000/":           "local machine",
			"http://[::1]/":                    "loopback",
			"http://[::ffff:127.0.0.1]/":       "IPv4-mapped",
			"http://[::ffff:a9fe:a9fe]/":       "IPv4-mapped",
			"http://[fe80::1]/":                "link-local",
			"http://0.0.0.0/":                  "unspecified",
			"http://100.64.1.1/":               "carrier-grade NAT",
			"http://printer.local/":            "local network name",
			"http://user:pw@example.com/":      "user name or password",
			"http://example.com@127.0.0.1/":    "user name or password",
			"ftp://example.com/":               "http or https",
			"file:///etc/passwd":               "http or https",
			"gopher://127.0.0.1:6379/_INFO":    "http or https",
			"javascript:alert(1)":              "http or https",
			"https://example.com:99999/":       "port",
			"http://[64:ff9b::a9fe:a9fe]/":     "reserved",
		}
		for u, why := range bad {
			b := errorBody(t, c.do("POST", "/api/3/notification_rules", body(u)), 422, "validation_failed")
			msgs, _ := b["errors"].(obj)["call_back_url"].([]any)
			if len(msgs) != 1 || !strings.Contains(fmt.Sprint(msgs[0]), why) {
				t.Errorf("%s: errors %v, want call_back_url saying %q", u, b["errors"], why)
			}
		}
		// PUT checks the URL as POST does, and leaves the rule as it was.
		n := expect[obj](t, c.do("POST", "/api/3/notification_rules", body("https://93.184.216.34/hook")), 200)
		path := fmt.Sprintf("/api/3/notification_rules/%d", num(t, n["id"]))
		errorBody(t, c.do("PUT", path, body("http://169.254.169.254/")), 422, "validation_failed")
		if g := expect[obj](t, c.do("GET", path, ""), 200); g["actions"].([]any)[0].(obj)["data"] != "https://93.184.216.34/hook" {
			t.Fatalf("refused update changed the rule: %v", g)
		}
		// A server that allows private targets accepts them.
		hub := controller.New(controller.Config{Store: st})
		a := api.New(api.Config{Store: st, Log: slog.New(slog.DiscardHandler), Auth: e.auth, Decider: hub,
			Callbacks: &netguard.Guard{AllowPrivate: true}})
		mux := http.NewServeMux()
		a.Register(mux)
		e.h = mux
		for _, u := range []string{"http://127.0.0.1:9000/hook", "http://10.0.0.8/", "http://localhost:3000/in"} {
			expect[obj](t, c.do("POST", "/api/3/notification_rules", body(u)), 200)
		}
		// The form is still checked.
		errorBody(t, c.do("POST", "/api/3/notification_rules", body("file:///etc/passwd")), 422, "validation_failed")
	})
}
