package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestScopes checks every route: no token is 401, a token without the
// route's scope is 403 in the DoorFlow shape, the readonly scope is enough
// for reads and the write scope implies it.
func TestScopes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		routes := []struct{ method, path, scope string }{
			{"GET", "/api/3/sites", "account.site.readonly"},
			{"GET", "/api/3/channels", "account.channel.readonly"},
			{"GET", "/api/3/channels/1", "account.channel.readonly"},
			{"GET", "/api/3/credential_types", "account.credential_type.readonly"},
			{"GET", "/api/3/groups", "account.group.readonly"},
			{"GET", "/api/3/roles", "account.role.readonly"},
			{"GET", "/api/3/people", "account.person.readonly"},
			{"POST", "/api/3/people", "account.person"},
			{"GET", "/api/3/people/1", "account.person.readonly"},
			{"PUT", "/api/3/people/1", "account.person"},
			{"DELETE", "/api/3/people/1", "account.person"},
			{"GET", "/api/3/people/1/credentials", "account.person.readonly"},
			{"POST", "/api/3/people/1/credentials", "account.person"},
			{"GET", "/api/3/people/1/credentials/x", "account.person.readonly"},
			{"PUT", "/api/3/people/1/credentials/x", "account.person"},
			{"DELETE", "/api/3/people/1/credentials/x", "account.person"},
			{"GET", "/api/3/credentials", "account.person.readonly"},
			{"GET", "/api/3/events", "account.event.access.readonly"},
			{"GET", "/api/3/events/1", "account.event.access.readonly"},
			{"GET", "/api/3/reservations", "account.reservation.readonly"},
			{"POST", "/api/3/reservations", "account.reservation"},
			{"DELETE", "/api/3/reservations/1", "account.reservation"},
			{"GET", "/api/3/group_reservations", "account.group_reservation.readonly"},
			{"POST", "/api/3/group_reservations", "account.group_reservation"},
			{"DELETE", "/api/3/group_reservations/1", "account.group_reservation"},
		}
		for _, r := range routes {
			errorBody(t, e.as("").do(r.method, r.path, ""), 401, "invalid_token")
			// The 403 names the missing scope, in the body and in the
			// RFC 6750 challenge.
			rec := e.as("none").do(r.method, r.path, "")
			b := errorBody(t, rec, 403, "forbidden")
			if b["error_description"] != "You are not authorized to access this resource: it needs the scope "+r.scope || b["scope"] != r.scope {
				t.Errorf("%s %s: 403 body %v", r.method, r.path, b)
			}
			if got, want := rec.Header().Get("WWW-Authenticate"), `Bearer realm="lintel", error="insufficient_scope", scope="`+r.scope+`"`; got != want {
				t.Errorf("%s %s: WWW-Authenticate %q, want %q", r.method, r.path, got, want)
			}
			// Exactly the listed scope gets past the check (any status but 401/403).
			e.tokens["one"] = &domain.Principal{AccountID: e.acct.ID, Scopes: domain.NewScopeSet(r.scope)}
			e.skipSpec = true
			if rec := e.as("one").do(r.method, r.path, ""); rec.Code == 401 || rec.Code == 403 {
				t.Errorf("%s %s with %s: %d", r.method, r.path, r.scope, rec.Code)
			}
			// A neighbouring scope does not.
			e.tokens["wrong"] = &domain.Principal{AccountID: e.acct.ID, Scopes: domain.NewScopeSet("account.sync", "account.notification_rule")}
			errorBody(t, e.as("wrong").do(r.method, r.path, ""), 403, "forbidden")
		}
		// The account needs no scope.
		expect[obj](t, e.as("none").do("GET", "/api/3/account", ""), 200)
		errorBody(t, e.as("").do("GET", "/api/3/account", ""), 401, "invalid_token")
	})
}

func TestCatalogRoutes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		ctx := context.Background()
		sites := expect[list](t, c.do("GET", "/api/3/sites", ""), 200)
		if len(sites) != 2 || len(sites[0]["site_ips"].([]any)) != 1 {
			t.Fatalf("sites %v", sites)
		}
		roles := expect[list](t, c.do("GET", "/api/3/roles", ""), 200)
		withShift, without := 0, 0
		for _, r := range roles {
			if r["shift_id"] == nil {
				without++
			} else {
				withShift++
			}
		}
		if len(roles) != 4 || withShift == 0 || without == 0 || roles[0]["name"] != "Bike store" {
			t.Fatalf("roles %v", roles)
		}
		rec := c.do("GET", "/api/3/credential_types?per_page=3&page=2", "")
		if ct := expect[list](t, rec, 200); len(ct) != 1 || rec.Header().Get("Total") != "4" || ct[0]["slug"] != "mobile_pass" {
			t.Fatalf("credential types page 2 %v %v", ct, rec.Header())
		}
		_, _, channels := e.ids()
		ch := expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/channels/%d", channels[0]), ""), 200)
		if ch["lockdown"] != nil || ch["mode"].(obj)["description"] != "normal" || ch["sync"].(obj)["status"] != "ok" {
			t.Fatalf("channel %v", ch)
		}
		sitesList, _, _ := st.ListSites(ctx, e.acct.ID, store.Page{})
		annex := expect[list](t, c.do("GET", fmt.Sprintf("/api/3/channels?site_id=%d", sitesList[1].ID), ""), 200)
		if len(annex) != 2 {
			t.Fatalf("site filter %v", annex)
		}
		if n := expect[list](t, c.do("GET", "/api/3/channels?n=1000&page=2", ""), 200); len(n) != 0 {
			t.Fatalf("channels page 2 %v", n)
		}
		theirs, _, _ := st.ListChannels(ctx, e.other.ID, nil, store.Page{})
		errorBody(t, c.do("GET", fmt.Sprintf("/api/3/channels/%d", theirs[0].ID), ""), 404, "not_found")
		// Legacy ".json" suffixes; unknown paths are DoorFlow-shaped 404s.
		e.skipSpec = true
		expect[list](t, c.do("GET", "/api/3/groups.json", ""), 200)
		e.skipSpec = true
		expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/channels/%d.json", channels[0]), ""), 200)
		e.skipSpec = true
		errorBody(t, c.do("GET", "/api/3/nothing", ""), 404, "not_found")
		// Lists of another account never leak into ours.
		for _, path := range []string{"/api/3/channels", "/api/3/groups", "/api/3/roles", "/api/3/sites", "/api/3/credential_types"} {
			mine := expect[list](t, c.do("GET", path, ""), 200)
			theirs := expect[list](t, e.as("other").do("GET", path, ""), 200)
			seen := map[string]bool{}
			for _, x := range mine {
				seen[fmt.Sprint(x["id"])] = true
			}
			for _, x := range theirs {
				if seen[fmt.Sprint(x["id"])] {
					t.Fatalf("%s: id %v in both accounts", path, x["id"])
				}
			}
		}
	})
}

// TestCommandAndExtensionScopes checks the routes added beside the first
// slice: no token is 401, the wrong scope 403, the listed scope passes.
func TestCommandAndExtensionScopes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		routes := []struct{ method, path, scope string }{
			{"POST", "/api/3/channels/1/admit", "account.channel.admit"},
			{"POST", "/api/3/channels/1/admit_person", "account.channel.admit.person"},
			{"POST", "/api/3/channels/1/lockdown", "account.channel.admit"},
			{"POST", "/api/3/channels/1/unlockdown", "account.channel.admit"},
			{"POST", "/api/3/channels/1/unlock", "account.channel.admit"},
			{"POST", "/api/3/channels/1/normal", "account.channel.admit"},
			{"POST", "/api/3/channels/1/auto_unlock", "account.channel.admit"},
			{"POST", "/api/3/channels/1/regenerate_encryption_key", "account.channel.admit"},
			{"POST", "/api/3/channels/1/remove_encryption_key", "account.channel.admit"},
			{"GET", "/api/3/admission_requests/1", "account.channel.admit"},
			{"GET", "/api/3/admission_requests/1", "account.channel.admit.person"},
			{"GET", "/api/3/notification_rules", "account.notification_rule.readonly"},
			{"POST", "/api/3/notification_rules", "account.notification_rule"},
			{"GET", "/api/3/notification_rules/1", "account.notification_rule.readonly"},
			{"PUT", "/api/3/notification_rules/1", "account.notification_rule"},
			{"DELETE", "/api/3/notification_rules/1", "account.notification_rule"},
			{"POST", "/api/3/sync", "account.sync"},
			{"POST", "/api/3/sites", "account.site"},
			{"PUT", "/api/3/sites/1", "account.site"},
			{"DELETE", "/api/3/sites/1", "account.site"},
			{"POST", "/api/3/channels", "account.channel"},
			{"PUT", "/api/3/channels/1", "account.channel"},
			{"DELETE", "/api/3/channels/1", "account.channel"},
			{"POST", "/api/3/credential_types", "account.credential_type"},
			{"PUT", "/api/3/credential_types/1", "account.credential_type"},
			{"DELETE", "/api/3/credential_types/1", "account.credential_type"},
			{"POST", "/api/3/groups", "account.group"},
			{"PUT", "/api/3/groups/1", "account.group"},
			{"DELETE", "/api/3/groups/1", "account.group"},
			{"POST", "/api/3/roles", "account.role"},
			{"PUT", "/api/3/roles/1", "account.role"},
			{"DELETE", "/api/3/roles/1", "account.role"},
			{"GET", "/api/3/shifts", "account.shift.readonly"},
			{"GET", "/api/3/shifts/1", "account.shift.readonly"},
			{"POST", "/api/3/shifts", "account.shift"},
			{"PUT", "/api/3/shifts/1", "account.shift"},
			{"DELETE", "/api/3/shifts/1", "account.shift"},
			{"GET", "/api/2/people", "account.person.readonly"},
			{"POST", "/api/2/people", "account.person"},
			{"PUT", "/api/2/person/1", "account.person"},
			{"POST", "/api/2/sync", "account.sync"},
		}
		for _, r := range routes {
			e.skipSpec = true
			errorBody(t, e.as("").do(r.method, r.path, ""), 401, "invalid_token")
			// The readonly form of a write scope, and unrelated scopes, are not enough.
			e.tokens["wrong"] = &domain.Principal{AccountID: e.acct.ID, Scopes: domain.NewScopeSet(r.scope+".readonly", "account.person.readonly", "account.event.access.readonly")}
			if r.scope == "account.person.readonly" {
				e.tokens["wrong"].Scopes = domain.NewScopeSet("account.event.access.readonly")
			}
			e.skipSpec = true
			errorBody(t, e.as("wrong").do(r.method, r.path, ""), 403, "forbidden")
			e.tokens["one"] = &domain.Principal{AccountID: e.acct.ID, Scopes: domain.NewScopeSet(r.scope)}
			e.skipSpec = true
			if rec := e.as("one").do(r.method, r.path, ""); rec.Code == 401 || rec.Code == 403 {
				t.Errorf("%s %s with %s: %d %s", r.method, r.path, r.scope, rec.Code, rec.Body)
			}
		}
	})
}
