package console_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// fixtures are the demo's first group, role, shift and site.
type fixtures struct{ group, role, shift, site int64 }

func demoFixtures(t *testing.T, tb *testbed) fixtures {
	t.Helper()
	ctx := context.Background()
	st := tb.app.Store
	groups, err := st.ListGroups(ctx, tb.acct.ID)
	if err != nil || len(groups) == 0 {
		t.Fatal(groups, err)
	}
	roles, err := st.ListRoles(ctx, tb.acct.ID)
	if err != nil || len(roles) == 0 {
		t.Fatal(roles, err)
	}
	shifts, err := st.ListShifts(ctx, tb.acct.ID)
	if err != nil || len(shifts) == 0 {
		t.Fatal(shifts, err)
	}
	sites, _, err := st.ListSites(ctx, tb.acct.ID, store.Page{})
	if err != nil || len(sites) == 0 {
		t.Fatal(sites, err)
	}
	return fixtures{groups[0].ID, roles[0].ID, shifts[0].ID, sites[0].ID}
}

// editorRoutes are the routes of the access-rule editors, for the walk in
// TestRoles. Every form is refused after the permission check (a blank
// name, no door, an unknown action or reservation), so none changes
// anything whoever posts it.
func editorRoutes(t *testing.T, tb *testbed, person int64) []route {
	f := demoFixtures(t, tb)
	g, ro, sh, si, p := "/groups/"+itoa(f.group), "/roles/"+itoa(f.role), "/shifts/"+itoa(f.shift), "/sites/"+itoa(f.site), "/people/"+itoa(person)
	blank := url.Values{"name": {""}}
	return []route{
		{"GET", "/groups", domain.PermRead, nil},
		{"GET", g, domain.PermRead, nil},
		{"GET", g + "?q=a&fragment=candidates", domain.PermRead, nil},
		{"GET", "/groups/new", domain.PermConfigure, nil},
		{"POST", "/groups", domain.PermConfigure, blank},
		{"POST", g, domain.PermConfigure, blank},
		{"POST", g + "/members", domain.PermPeople, url.Values{"action": {"explode"}, "person_id": {itoa(person)}}},
		{"GET", "/roles", domain.PermRead, nil},
		{"GET", ro, domain.PermRead, nil},
		{"GET", "/roles/new", domain.PermConfigure, nil},
		{"POST", "/roles", domain.PermConfigure, blank},
		{"POST", ro, domain.PermConfigure, blank},
		{"GET", "/shifts", domain.PermRead, nil},
		{"GET", sh, domain.PermRead, nil},
		{"GET", "/shifts/new", domain.PermConfigure, nil},
		{"POST", "/shifts", domain.PermConfigure, blank},
		{"POST", sh, domain.PermConfigure, blank},
		{"GET", "/sites", domain.PermRead, nil},
		{"GET", si, domain.PermRead, nil},
		{"GET", "/sites/new", domain.PermConfigure, nil},
		{"POST", "/sites", domain.PermConfigure, blank},
		{"POST", si, domain.PermConfigure, blank},
		{"GET", "/reservations", domain.PermRead, nil},
		{"POST", p + "/reservations", domain.PermPeople, url.Values{"date": {"2030-01-01"}}},
		{"POST", "/reservations/999999/delete", domain.PermPeople, nil},
		{"POST", p + "/group_reservations", domain.PermPeople, url.Values{"start": {"soon"}}},
		{"POST", "/group_reservations/999999/cancel", domain.PermPeople, nil},
	}
}

// TestEditors drives the editors over HTTP as an admin: bad input is
// refused with the domain's message and nothing is stored; a site, a
// shift, a group with a member found by search, a role and reservations
// are created; each write is in the audit log as the operator's.
func TestEditors(t *testing.T) {
	tb := startTestbed(t, 20)
	ctx := context.Background()
	st := tb.app.Store
	email, pw := tb.operator(t, "ada", domain.RoleAdmin)
	c := signIn(t, tb.roleURL, email, pw)
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		form.Set("csrf_token", c.csrf)
		return c.post(path, form)
	}
	created := func(path string, form url.Values, kind string) int64 {
		t.Helper()
		return createdAt(t, c, path, form, kind)
	}

	// A site: the zone must be an IANA name.
	if st, body := post("/sites", url.Values{"name": {"Lisbon"}, "time_zone": {"Mars/Olympus"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "time zone: is not a known time zone") {
		t.Fatalf("a site with a bad zone: %d\n%s", st, body)
	}
	site := created("/sites", url.Values{"name": {"Lisbon"}, "time_zone": {"Europe/Lisbon"}, "notes": {"Rua Augusta 1"}}, "sites")
	if s, err := st.GetSite(ctx, tb.acct.ID, site); err != nil || strOf(s.TimeZone) != "Europe/Lisbon" || strOf(s.Notes) != "Rua Augusta 1" {
		t.Fatalf("site: %+v %v", s, err)
	}

	// A shift: windows are checked by the shift rule.
	bad := url.Values{"name": {"Nights"}, "w0_day": {"1"}, "w0_start": {"18:00"}, "w0_end": {"07:00"}}
	if st, body := post("/shifts", bad); st != http.StatusUnprocessableEntity || !strings.Contains(body, "start before end") {
		t.Fatalf("a shift ending before it starts: %d\n%s", st, body)
	}
	if st, body := post("/shifts", url.Values{"name": {"No day"}, "w0_start": {"09:00"}, "w0_end": {"10:00"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "needs at least one day") {
		t.Fatalf("a window without a day: %d\n%s", st, body)
	}
	shift := created("/shifts", url.Values{"name": {"Weekdays"}, "time_zone": {"Europe/Lisbon"}, "w0_day": {"1", "2", "3", "4", "5"},
		"w0_start": {"08:00"}, "w0_end": {"24:00"}}, "shifts")
	sh, err := st.GetShift(ctx, tb.acct.ID, shift)
	if err != nil || len(sh.Windows) != 1 || len(sh.Windows[0].Days) != 5 || sh.Windows[0].End != "24:00" || strOf(sh.TimeZone) != "Europe/Lisbon" {
		t.Fatalf("shift: %+v %v", sh, err)
	}
	if _, body := c.get("/shifts/" + itoa(shift)); !strings.Contains(body, "Open now?") || !strings.Contains(body, "Europe/Lisbon") {
		t.Fatalf("shift page without its preview:\n%s", body)
	}

	// A group, and a member found by search and added, then removed.
	group := created("/groups", url.Values{"name": {"Night owls"}, "global_across_sites": {"on"}}, "groups")
	people, err := st.SearchPeople(ctx, tb.acct.ID, "", 0, 1)
	if err != nil || len(people) == 0 {
		t.Fatal(people, err)
	}
	p := people[0]
	if _, body := c.get("/groups/" + itoa(group) + "?fragment=candidates&q=" + url.QueryEscape(p.FirstName+" "+p.LastName)); !strings.Contains(body, `value="`+itoa(p.ID)+`"`) {
		t.Fatalf("search for %s %s does not offer them:\n%s", p.FirstName, p.LastName, body)
	}
	if st, body := post("/groups/"+itoa(group)+"/members", url.Values{"person_id": {itoa(p.ID)}, "action": {"add"}}); st != http.StatusSeeOther {
		t.Fatalf("add a member: %d\n%s", st, body)
	}
	if _, body := c.get("/groups/" + itoa(group)); !strings.Contains(body, `id="member-`+itoa(p.ID)+`"`) {
		t.Fatal("the new member is not listed")
	}
	if st, _ := post("/groups/"+itoa(group)+"/members", url.Values{"person_id": {"99999999"}, "action": {"add"}}); st != http.StatusNotFound {
		t.Fatalf("add nobody: %d", st)
	}

	// A role: the group may open a door during the shift.
	chans, _, err := st.ListChannels(ctx, tb.acct.ID, nil, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	door := chans[0].ID
	if st, body := post("/roles", url.Values{"name": {"Owls"}, "group_id": {"99999999"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "group ids") {
		t.Fatalf("a role naming no such group: %d\n%s", st, body)
	}
	role := created("/roles", url.Values{"name": {"Owls"}, "shift_id": {itoa(shift)}, "group_id": {itoa(group)}, "door_id": {itoa(door)}}, "roles")
	ro, err := st.GetRole(ctx, tb.acct.ID, role)
	if err != nil || ro.ShiftID == nil || *ro.ShiftID != shift || len(ro.GroupIDs) != 1 || len(ro.ChannelIDs) != 1 {
		t.Fatalf("role: %+v %v", ro, err)
	}

	// A reservation in the doors' zone, refused when it crosses midnight.
	day := time.Now().In(tb.acct.Location()).AddDate(0, 0, 2).Format("2006-01-02")
	if st, body := post("/people/"+itoa(p.ID)+"/reservations", url.Values{"door_id": {itoa(door)}, "date": {day}, "start": {"22:00"}, "end": {"21:00"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "after the start time") {
		t.Fatalf("a reservation ending before it starts: %d\n%s", st, body)
	}
	if st, body := post("/people/"+itoa(p.ID)+"/reservations", url.Values{"door_id": {itoa(door)}, "date": {day}, "start": {"09:00"}, "end": {"24:00"}}); st != http.StatusSeeOther {
		t.Fatalf("a reservation: %d\n%s", st, body)
	}
	res, _, err := st.ListReservations(ctx, tb.acct.ID, store.ReservationFilter{EndsAfter: time.Now(), PersonID: p.ID})
	if err != nil || len(res) != 1 {
		t.Fatalf("reservations: %v %v", res, err)
	}
	loc, _ := st.DoorsLocation(ctx, tb.acct.ID, []int64{door})
	if got := res[0].StartTime.In(loc).Format("2006-01-02 15:04"); got != day+" 09:00" {
		t.Fatalf("reservation starts %s in %s, want %s 09:00", got, loc, day)
	}
	// A group reservation read in the chosen zone.
	start := time.Now().Add(time.Hour).In(time.UTC).Format("2006-01-02T15:04")
	end := time.Now().Add(49 * time.Hour).In(time.UTC).Format("2006-01-02T15:04")
	if st, body := post("/people/"+itoa(p.ID)+"/group_reservations", url.Values{"group_id": {itoa(group)}, "start": {start}, "end": {end}, "zone": {"UTC"}}); st != http.StatusSeeOther {
		t.Fatalf("a group reservation: %d\n%s", st, body)
	}
	grs, _, err := st.ListGroupReservations(ctx, tb.acct.ID, store.GroupReservationFilter{EndsAfter: time.Now(), PersonID: p.ID})
	if err != nil || len(grs) != 1 || grs[0].StartTime.UTC().Format("2006-01-02T15:04") != start {
		t.Fatalf("group reservations: %+v %v", grs, err)
	}
	if _, body := c.get("/reservations"); !strings.Contains(body, p.FirstName+" "+p.LastName) {
		t.Fatal("the reservations page does not list the person")
	}
	if st, _ := post("/group_reservations/"+itoa(grs[0].ID)+"/cancel", url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("cancel: %d", st)
	}
	if st, _ := post("/groups/"+itoa(group)+"/members", url.Values{"person_id": {itoa(p.ID)}, "action": {"remove"}}); st != http.StatusSeeOther {
		t.Fatalf("remove a member: %d", st)
	}
	if got, err := st.GetPerson(ctx, tb.acct.ID, p.ID); err != nil || slicesHas(got.GroupIDs, group) {
		t.Fatalf("after removal: %+v %v", got, err)
	}

	// The person's stored photo is on their page.
	var png bytes.Buffer
	if err := pngEncode(&png); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPersonImage(ctx, p, &store.PersonImage{ContentType: "image/png", Data: png.Bytes(), Thumbnail: png.Bytes(), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, body := c.get("/people/" + itoa(p.ID)); !strings.Contains(body, `src="`+*p.ImageURL+`/thumbnail"`) {
		t.Fatalf("the person page lacks the photo %s", *p.ImageURL)
	}

	// A site with doors cannot be deleted; the page says why.
	demoSite := demoFixtures(t, tb).site
	if st, body := post("/sites/"+itoa(demoSite), url.Values{"action": {"delete"}}); st != http.StatusConflict || !strings.Contains(body, "still has doors") {
		t.Fatalf("delete a site with doors: %d\n%s", st, body)
	}

	// Every write above is the operator's in the audit log.
	evs, _, err := st.ListAuditEvents(ctx, tb.acct.ID, store.AuditFilter{Page: store.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range evs {
		if e.ActorDisplay == email {
			seen[e.Resource+" "+e.Action] = true
		}
	}
	for _, want := range []string{"sites create", "shifts create", "groups create", "groups add_member", "groups remove_member",
		"roles create", "reservations create", "group_reservations create", "group_reservations cancel"} {
		if !seen[want] {
			t.Errorf("audit log lacks %q (has %v)", want, seen)
		}
	}
}

// createdAt posts a create form and returns the id of the page it
// redirects to (/kind/id).
func createdAt(t *testing.T, c *client, path string, form url.Values, kind string) int64 {
	t.Helper()
	form.Set("csrf_token", c.csrf)
	res, err := c.http.PostForm(c.base+path, form)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(res)
	res.Body.Close()
	loc := res.Header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/"+kind+"/"), 10, 64)
	if res.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("POST %s: %d to %q\n%s", path, res.StatusCode, loc, body)
	}
	return id
}

func slicesHas(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func strOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func pngEncode(w io.Writer) error { return png.Encode(w, image.NewGray(image.Rect(0, 0, 2, 2))) }
