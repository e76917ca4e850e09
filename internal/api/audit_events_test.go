package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestAuditEvents: the audit log through GET /api/3/audit_events: the
// writes made through the API, newest first, paged with DoorFlow's
// headers, each filter, 400 for a malformed one, 403 without the scope or
// for a role that may not read the audit log, and nothing of another
// account.
func TestAuditEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		owner := e.tokens["all"]
		e.tokens["audit"] = &domain.Principal{AccountID: e.acct.ID, UserID: owner.UserID, Display: "owner@cowork.example",
			Scopes: domain.NewScopeSet(append(allScopes, domain.ScopeAuditRead)...)}
		c := e.as("audit")
		var siteIDs []int64
		for i := 0; i < 3; i++ {
			s := expect[obj](t, c.ext("POST", "/api/3/sites", fmt.Sprintf(`{"site":{"name":"Annex %d","time_zone":"Europe/Paris"}}`, i)), 201)
			siteIDs = append(siteIDs, num(t, s["id"]))
		}
		expect[obj](t, c.ext("PUT", fmt.Sprintf("/api/3/sites/%d", siteIDs[0]), `{"notes":"Back door"}`), 200)
		expect[obj](t, c.ext("DELETE", fmt.Sprintf("/api/3/sites/%d", siteIDs[2]), ""), 200)

		get := func(query string) (list, string) {
			t.Helper()
			rec := c.ext("GET", "/api/3/audit_events?"+query, "")
			return expect[list](t, rec, 200), rec.Header().Get("Total")
		}
		all, total := get("resource=sites")
		if len(all) != 5 || total != "5" {
			t.Fatalf("audit of sites: %d rows, Total %s: %v", len(all), total, all)
		}
		if all[0]["action"] != "delete" || all[0]["resource_id"] != fmt.Sprint(siteIDs[2]) || all[0]["actor_type"] != "operator" ||
			num(t, all[0]["actor_id"]) != owner.UserID || num(t, all[0]["user_id"]) != owner.UserID || all[0]["actor"] != "owner@cowork.example" {
			t.Errorf("newest row %v", all[0])
		}
		if ch := all[1]["changes"].(map[string]any); all[1]["action"] != "update" || ch["notes"] != "Back door" {
			t.Errorf("update row %v", all[1])
		}
		for i := 1; i < len(all); i++ {
			if num(t, all[i]["id"]) >= num(t, all[i-1]["id"]) {
				t.Fatalf("not newest first: %v", all)
			}
		}
		// Pages of two, DoorFlow's headers.
		rec := c.ext("GET", "/api/3/audit_events?resource=sites&per_page=2&page=3", "")
		page := expect[list](t, rec, 200)
		if len(page) != 1 || page[0]["id"] != all[4]["id"] || rec.Header().Get("X-Per-Page") != "2" || rec.Header().Get("X-Page") != "3" {
			t.Fatalf("page 3 of 2: %v %v", page, rec.Header())
		}
		for query, want := range map[string]int{
			"resource=sites&action=create":                             3,
			"resource=sites&resource_id=" + fmt.Sprint(siteIDs[0]):     2,
			"actor_type=operator&actor_id=" + fmt.Sprint(owner.UserID): 5,
			"actor_type=app":    0,
			"actor_type=holder": 0,
			"user_id=" + fmt.Sprint(owner.UserID) + "&action=delete": 1,
			"since=" + url.QueryEscape("2000-01-01T00:00:00Z"):       5,
			"until=2000-01-01": 0,
			"since=" + url.QueryEscape("2999-01-01T00:00:00+02:00"): 0,
			"resource=people": 0,
			"skip_pagination=true&per_page=1&resource=sites": 1,
		} {
			if got, _ := get(query); len(got) != want {
				t.Errorf("%s: %d rows, want %d", query, len(got), want)
			}
		}
		for _, query := range []string{"actor_type=robot", "actor_id=5", "actor_type=app&actor_id=x", "user_id=-1",
			"resource_id=7", "since=yesterday", "until=2025-13-45"} {
			errorBody(t, c.ext("GET", "/api/3/audit_events?"+query, ""), 400, "bad_request")
		}
		// The scope is needed, and only admins and owners may hold it.
		errorBody(t, e.as("all").ext("GET", "/api/3/audit_events", ""), 403, "forbidden")
		for _, role := range []domain.OperatorRole{domain.RoleOperator, domain.RoleViewer} {
			e.tokens["r"] = &domain.Principal{AccountID: e.acct.ID, UserID: owner.UserID, Role: role, Scopes: domain.NewScopeSet(domain.ScopeAuditRead)}
			errorBody(t, e.as("r").ext("GET", "/api/3/audit_events", ""), 403, "forbidden")
		}
		e.tokens["r"] = &domain.Principal{AccountID: e.acct.ID, UserID: owner.UserID, Role: domain.RoleAdmin, Scopes: domain.NewScopeSet(domain.ScopeAuditRead)}
		if l := expect[list](t, e.as("r").ext("GET", "/api/3/audit_events", ""), 200); len(l) < 5 {
			t.Errorf("admin reads %d rows", len(l))
		}
		// Another account's log is its own.
		e.tokens["theirs"] = &domain.Principal{AccountID: e.other.ID, Scopes: domain.NewScopeSet(domain.ScopeAuditRead)}
		if l := expect[list](t, e.as("theirs").ext("GET", "/api/3/audit_events", ""), 200); len(l) != 0 {
			t.Errorf("another account reads %v", l)
		}
		// Reading the log is not itself a write.
		if _, total := get("resource=audit_events"); total != "0" {
			t.Errorf("reads were audited: %s", total)
		}
	})
}
