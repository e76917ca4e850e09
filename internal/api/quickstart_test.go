package api_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestQuickstart replays the DoorFlow quickstart with the bodies it sends,
// only the ids replaced by the demo account's.
func TestQuickstart(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		groups, types, channels := e.ids()

		acct := expect[obj](t, c.do("GET", "/api/3/account", ""), 200)
		if acct["name"] != "CoWork HQ" || acct["time_zone"] != "Europe/London" || acct["id"] != e.acct.UID {
			t.Fatalf("account %v", acct)
		}
		if u := acct["user"].(obj); u["email"] != "owner@cowork.example" {
			t.Fatalf("user %v", u)
		}
		chs := expect[list](t, c.do("GET", "/api/3/channels", ""), 200)
		if len(chs) != 6 || chs[0]["name"] != "Front Door" || chs[0]["auto_unlock"].(obj)["name"] != "Morning unlock" {
			t.Fatalf("channels %v", chs)
		}
		cts := expect[list](t, c.do("GET", "/api/3/credential_types", ""), 200)
		if len(cts) != 4 {
			t.Fatalf("credential types %v", cts)
		}
		gs := expect[list](t, c.do("GET", "/api/3/groups", ""), 200)
		if len(gs) != 3 || gs[0]["name"] != "Members" {
			t.Fatalf("groups %v", gs)
		}

		rec := c.do("POST", "/api/3/people", fmt.Sprintf(`{
"first_name": "Jane",
"last_name": "Doe",
"email": "jane.doe@example.com",
"enabled": true,
"group_ids": [%d]
}`, groups["Members"]))
		jane := expect[obj](t, rec, 201)
		pid := num(t, jane["id"])
		if jane["first_name"] != "Jane" || jane["enabled"] != true || num(t, jane["groups"].([]any)[0]) != groups["Members"] {
			t.Fatalf("created %v", jane)
		}

		card := expect[obj](t, c.do("POST", fmt.Sprintf("/api/3/people/%d/credentials", pid), fmt.Sprintf(`{
"person_credential": {
"credential_type_id": %d,
"value": "1234567890",
"enabled": true
}
}`, types["Card"])), 201)
		if card["value"] != "1234567890" || card["label"] != "Card" || num(t, card["person_id"]) != pid {
			t.Fatalf("card %v", card)
		}
		pin := expect[obj](t, c.do("POST", fmt.Sprintf("/api/3/people/%d/credentials", pid),
			fmt.Sprintf(`{"person_credential": {"credential_type_id": %d, "value": "******", "enabled": true}}`, types["PIN"])), 201)
		if !regexp.MustCompile(`^\d{4,8}$`).MatchString(fmt.Sprint(pin["value"])) {
			t.Fatalf("generated PIN %v", pin["value"])
		}

		evs := expect[list](t, c.do("GET", "/api/3/events?last_name=Doe", ""), 200)
		if len(evs) == 0 {
			t.Fatal("no events for Doe")
		}
		for _, ev := range evs {
			if !strings.HasSuffix(fmt.Sprint(ev["person_name"]), " Doe") {
				t.Fatalf("event of someone else: %v", ev)
			}
		}
		byChannel := expect[list](t, c.do("GET", fmt.Sprintf("/api/3/events?channel_id=%d", channels[0]), ""), 200)
		for _, ev := range byChannel {
			if num(t, ev["channel_id"]) != channels[0] {
				t.Fatalf("event of another door: %v", ev)
			}
		}
		recent := expect[list](t, c.do("GET", "/api/3/events?since_utc=2025-06-10T09:30:00Z", ""), 200)
		for _, ev := range recent {
			if fmt.Sprint(ev["created_at"]) < "2025-06-10T09:30:00.000Z" {
				t.Fatalf("event before since_utc: %v", ev)
			}
		}

		gr := expect[obj](t, c.do("POST", "/api/3/group_reservations", fmt.Sprintf(`{
"person_id": %d,
"channel_ids": [%d],
"start_time": "2024-01-15T09:00:00Z",
"end_time": "2024-01-15T17:00:00Z",
"group_ids": [
%d
]
}`, pid, channels[0], groups["Members"])), 201)
		if gr["start_time"] != "2024-01-15T09:00:00.000Z" || gr["state"] != "deactivated" {
			t.Fatalf("group reservation %v", gr)
		}

		// Jane now shows her card and PIN under the credential type slugs.
		got := expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/people/%d", pid), ""), 200)
		if got["credentials_number"] != "1234567890" || got["pin"] != pin["value"] || got["key_fob_number"] != nil {
			t.Fatalf("flattened credentials %v", got)
		}
	})
}
