package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// ext sends a request to an extension route, which the reference spec
// does not describe.
func (c client) ext(method, path, body string) *httptest.ResponseRecorder {
	c.e.t.Helper()
	c.e.skipSpec = true
	return c.do(method, path, body)
}

func TestExtensionSitesAndChannels(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		s := expect[obj](t, c.ext("POST", "/api/3/sites", `{"site":{"name":"Depot","time_zone":"Europe/Paris","site_ips":["10.0.0.0/8",{"ip_address":"192.168.1.7"}]}}`), 201)
		sid := num(t, s["id"])
		if len(s["site_ips"].([]any)) != 2 || s["time_zone"] != "Europe/Paris" {
			t.Fatalf("site %v", s)
		}
		errorBody(t, c.ext("POST", "/api/3/sites", `{"name":"","site_ips":["not an ip"],"time_zone":"Mars/Base"}`), 422, "validation_failed")
		s = expect[obj](t, c.ext("PUT", fmt.Sprintf("/api/3/sites/%d", sid), `{"notes":"Loading bay","site_ips":[]}`), 200)
		if s["name"] != "Depot" || s["notes"] != "Loading bay" || len(s["site_ips"].([]any)) != 0 {
			t.Fatalf("updated site %v", s)
		}
		// The compatible list shows the new site in DoorFlow's shape.
		if l := expect[list](t, c.do("GET", "/api/3/sites", ""), 200); len(l) != 3 {
			t.Fatalf("sites %v", l)
		}

		ch := expect[obj](t, c.ext("POST", "/api/3/channels", fmt.Sprintf(`{"name":"Depot Gate","mac_address":"AA-BB-CC-DD-EE-01","site_id":%d,"unit":"2"}`, sid)), 201)
		cid := num(t, ch["id"])
		if ch["mac_address"] != "aa:bb:cc:dd:ee:01" || ch["status"] != "offline" || num(t, ch["unit"]) != 2 || ch["mode"].(obj)["description"] != "normal" {
			t.Fatalf("channel %v", ch)
		}
		expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/channels/%d", cid), ""), 200)
		for _, body := range []string{`{"name":"X"}`, `{"name":"X","mac_address":"zz"}`, `{"mac_address":"aa:bb:cc:dd:ee:02"}`,
			`{"name":"X","mac_address":"aa:bb:cc:dd:ee:02","unit":0}`, `{"name":"X","mac_address":"aa:bb:cc:dd:ee:02","site_id":999999}`} {
			errorBody(t, c.ext("POST", "/api/3/channels", body), 422, "validation_failed")
		}
		ch = expect[obj](t, c.ext("PUT", fmt.Sprintf("/api/3/channels/%d", cid), `{"name":"Depot Main Gate","site_id":null}`), 200)
		if ch["name"] != "Depot Main Gate" || ch["site_id"] != nil || ch["mac_address"] != "aa:bb:cc:dd:ee:01" {
			t.Fatalf("updated channel %v", ch)
		}
		// A site with doors cannot be deleted; one without can.
		_, _, channels := e.ids()
		sites, _, _ := st.ListSites(context.Background(), e.acct.ID, store.Page{})
		errorBody(t, c.ext("DELETE", fmt.Sprintf("/api/3/sites/%d", sites[0].ID), ""), 409, "conflict")
		expect[obj](t, c.ext("DELETE", fmt.Sprintf("/api/3/sites/%d", sid), ""), 200)
		errorBody(t, c.ext("DELETE", fmt.Sprintf("/api/3/sites/%d", sid), ""), 404, "not_found")
		// Deleting a door drops it from roles; its events keep their name.
		expect[obj](t, c.ext("DELETE", fmt.Sprintf("/api/3/channels/%d", channels[0]), ""), 200)
		errorBody(t, c.do("GET", fmt.Sprintf("/api/3/channels/%d", channels[0]), ""), 404, "not_found")
		roles, _ := st.ListRoles(context.Background(), e.acct.ID)
		for _, r := range roles {
			for _, id := range r.ChannelIDs {
				if id == channels[0] {
					t.Fatalf("role %s still links the deleted door", r.Name)
				}
			}
		}
		// Another account's site is not ours to change.
		theirs, _, _ := st.ListSites(context.Background(), e.other.ID, store.Page{})
		errorBody(t, c.ext("PUT", fmt.Sprintf("/api/3/sites/%d", theirs[0].ID), `{"name":"Mine"}`), 404, "not_found")
		// Read-only scopes do not write.
		e.tokens["ro"] = &domain.Principal{AccountID: e.acct.ID, Scopes: domain.NewScopeSet("account.site.readonly", "account.channel.readonly")}
		errorBody(t, e.as("ro").ext("POST", "/api/3/sites", `{"name":"x"}`), 403, "forbidden")
		errorBody(t, e.as("ro").ext("DELETE", fmt.Sprintf("/api/3/channels/%d", channels[1]), ""), 403, "forbidden")
	})
}

func TestExtensionAccessModel(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		ctx := context.Background()
		groups, types, channels := e.ids()

		// Credential types: kind is fixed, in-use types are kept.
		ct := expect[obj](t, c.ext("POST", "/api/3/credential_types", `{"label":"Visitor Badge","kind":"card","code":200}`), 201)
		if ct["slug"] != "visitor_badge" {
			t.Fatalf("credential type %v", ct)
		}
		errorBody(t, c.ext("POST", "/api/3/credential_types", `{"label":"Visitor Badge","kind":"card"}`), 409, "conflict")
		errorBody(t, c.ext("POST", "/api/3/credential_types", `{"label":"Odd","kind":"laser"}`), 422, "validation_failed")
		errorBody(t, c.ext("PUT", fmt.Sprintf("/api/3/credential_types/%d", num(t, ct["id"])), `{"kind":"pin"}`), 422, "validation_failed")
		ct = expect[obj](t, c.ext("PUT", fmt.Sprintf("/api/3/credential_types/%d", num(t, ct["id"])), `{"label":"Guest Badge","slug":""}`), 200)
		if ct["slug"] != "guest_badge" {
			t.Fatalf("renamed type %v", ct)
		}
		errorBody(t, c.ext("DELETE", fmt.Sprintf("/api/3/credential_types/%d", types["Card"]), ""), 409, "conflict")
		expect[obj](t, c.ext("DELETE", fmt.Sprintf("/api/3/credential_types/%d", num(t, ct["id"])), ""), 200)

		// Shifts: Sunday is day 0; a shift in use cannot go.
		sh := expect[obj](t, c.ext("POST", "/api/3/shifts", `{"name":"Weekend","windows":[{"days":[0,6],"start":"10:00","end":"24:00"}]}`), 201)
		shID := num(t, sh["id"])
		errorBody(t, c.ext("POST", "/api/3/shifts", `{"name":"Bad","windows":[{"days":[7],"start":"10:00","end":"09:00"}]}`), 422, "validation_failed")
		errorBody(t, c.ext("POST", "/api/3/shifts", `{"name":"Bad","windows":[{"days":[1],"start":"25:00","end":"26:00"}]}`), 422, "validation_failed")
		if l := expect[list](t, c.ext("GET", "/api/3/shifts", ""), 200); len(l) != 4 {
			t.Fatalf("shifts %v", l)
		}
		e.tokens["shift-ro"] = &domain.Principal{AccountID: e.acct.ID, Scopes: domain.NewScopeSet("account.shift.readonly")}
		expect[obj](t, e.as("shift-ro").ext("GET", fmt.Sprintf("/api/3/shifts/%d", shID), ""), 200)
		errorBody(t, e.as("shift-ro").ext("DELETE", fmt.Sprintf("/api/3/shifts/%d", shID), ""), 403, "forbidden")

		// Groups and roles.
		g := expect[obj](t, c.ext("POST", "/api/3/groups", `{"name":"Weekenders"}`), 201)
		gid := num(t, g["id"])
		if g["global_across_sites"] != true {
			t.Fatalf("group %v", g)
		}
		r := expect[obj](t, c.ext("POST", "/api/3/roles", fmt.Sprintf(`{"name":"Weekend access","shift_id":%d,"group_ids":[%d],"channel_ids":[%d]}`, shID, gid, channels[0])), 201)
		rid := num(t, r["id"])
		if num(t, r["shift_id"]) != shID || len(r["group_ids"].([]any)) != 1 {
			t.Fatalf("role %v", r)
		}
		errorBody(t, c.ext("POST", "/api/3/roles", `{"name":"Weekend access"}`), 409, "conflict")
		errorBody(t, c.ext("POST", "/api/3/roles", `{"name":"Ghost","group_ids":[999999]}`), 422, "validation_failed")
		// The compatible role list keeps DoorFlow's shape.
		expect[list](t, c.do("GET", "/api/3/roles", ""), 200)
		errorBody(t, c.ext("DELETE", fmt.Sprintf("/api/3/shifts/%d", shID), ""), 409, "conflict")
		r = expect[obj](t, c.ext("PUT", fmt.Sprintf("/api/3/roles/%d", rid), fmt.Sprintf(`{"shift_id":null,"channel_ids":[%d,%d]}`, channels[1], channels[2])), 200)
		if r["shift_id"] != nil || len(r["channel_ids"].([]any)) != 2 || len(r["group_ids"].([]any)) != 1 {
			t.Fatalf("updated role %v", r)
		}
		expect[obj](t, c.ext("DELETE", fmt.Sprintf("/api/3/shifts/%d", shID), ""), 200)

		// A person in the new group may now pass door 1 at any hour; deleting the group takes that away.
		p := &domain.Person{AccountID: e.acct.ID, FirstName: "Wendy", LastName: "Weekend", Enabled: true, GroupIDs: []int64{gid}}
		if err := st.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		door := fmt.Sprintf("/api/3/channels/%d/admit_person", channels[1])
		expect[obj](t, c.do("POST", door, fmt.Sprintf(`{"person_id":%d}`, p.ID)), 202)
		g = expect[obj](t, c.ext("PUT", fmt.Sprintf("/api/3/groups/%d", gid), `{"notes":"Sat and Sun","global_across_sites":false}`), 200)
		if g["notes"] != "Sat and Sun" || g["global_across_sites"] != false || g["name"] != "Weekenders" {
			t.Fatalf("updated group %v", g)
		}
		expect[obj](t, c.ext("DELETE", fmt.Sprintf("/api/3/groups/%d", gid), ""), 200)
		expect[obj](t, c.do("POST", door, fmt.Sprintf(`{"person_id":%d}`, p.ID)), 403)
		// A group in a current group reservation cannot be deleted.
		if err := st.CreateGroupReservation(ctx, &domain.GroupReservation{AccountID: e.acct.ID, PersonID: p.ID, GroupIDs: []int64{groups["Visitors"]},
			StartTime: testNow, EndTime: testNow.AddDate(0, 0, 1)}); err != nil {
			t.Fatal(err)
		}
		errorBody(t, c.ext("DELETE", fmt.Sprintf("/api/3/groups/%d", groups["Visitors"]), ""), 409, "conflict")
		expect[obj](t, c.ext("DELETE", fmt.Sprintf("/api/3/roles/%d", rid), ""), 200)
		errorBody(t, c.ext("DELETE", fmt.Sprintf("/api/3/roles/%d", rid), ""), 404, "not_found")
	})
}
