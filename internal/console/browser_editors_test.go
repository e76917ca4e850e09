package console_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// TestBrowserEditors builds a door rule in headless Chromium: a weekday
// shift, a group with a person found by typing their name, and a role
// that lets the group open a door during the shift; the door's decision
// (the one the controllers apply) changes from deny to admit on a
// weekday and stays deny at the weekend.
func TestBrowserEditors(t *testing.T) {
	ctx := browser(t)
	tb := startTestbed(t, 5)
	bg := context.Background()
	st := tb.app.Store
	chans, _, err := st.ListChannels(bg, tb.acct.ID, nil, store.Page{})
	if err != nil || len(chans) == 0 {
		t.Fatal(chans, err)
	}
	door := chans[0].ID
	zelda := &domain.Person{AccountID: tb.acct.ID, FirstName: "Zelda", LastName: "Quist", Enabled: true}
	if err := st.CreatePerson(bg, zelda); err != nil {
		t.Fatal(err)
	}
	// A Wednesday and a Saturday noon ahead, on the door's clock.
	loc, err := st.DoorsLocation(bg, tb.acct.ID, []int64{door})
	if err != nil {
		t.Fatal(err)
	}
	noonOn := func(day time.Weekday) time.Time {
		d := time.Now().In(loc).AddDate(0, 0, 1)
		for d.Weekday() != day {
			d = d.AddDate(0, 0, 1)
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc)
	}
	wednesday, saturday := noonOn(time.Wednesday), noonOn(time.Saturday)
	decide := func(at time.Time) bool {
		d, err := tb.app.Hub.DecidePerson(bg, tb.acct.ID, door, zelda.ID, at)
		if err != nil {
			t.Fatal(err)
		}
		return d.Admit
	}
	if decide(wednesday) {
		t.Fatal("Zelda may open the door before any rule names her")
	}
	signInBrowser(t, ctx, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)

	do(t, ctx, "create a shift",
		chromedp.Navigate(tb.url+"/shifts/new"),
		chromedp.WaitVisible(chromedp.ID("shift-form")),
		chromedp.SendKeys(chromedp.ID("name"), "Weekdays all day"),
		chromedp.SetValue(chromedp.ID("w0-start"), "00:00"),
		chromedp.SetValue(chromedp.ID("w0-end"), "24:00"),
		chromedp.Click(chromedp.CSS(`#shift-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("shift-now")),
	)
	shiftID := idOfPage(t, ctx, tb.url, "shifts")

	do(t, ctx, "create a group",
		chromedp.Navigate(tb.url+"/groups/new"),
		chromedp.WaitVisible(chromedp.ID("group-form")),
		chromedp.SendKeys(chromedp.ID("name"), "Quist family"),
		chromedp.Click(chromedp.CSS(`#group-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("members")),
	)
	groupID := idOfPage(t, ctx, tb.url, "groups")
	do(t, ctx, "find Zelda and add her",
		chromedp.Evaluate[chromedp.Void](`window.stillHere = true`),
		chromedp.SendKeys(chromedp.ID("q"), "Zelda Qu"),
		poll(`!!document.querySelector("#candidates button[value=add]") && window.stillHere === true`, 10*time.Second),
		chromedp.Click(chromedp.CSS(`#candidates button[value=add]`)),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("member-%d", zelda.ID))),
	)
	if decide(wednesday) {
		t.Fatal("a group without a role opens the door")
	}

	do(t, ctx, "create a role",
		chromedp.Navigate(tb.url+"/roles/new"),
		chromedp.WaitVisible(chromedp.ID("role-form")),
		chromedp.SendKeys(chromedp.ID("name"), "Quists on weekdays"),
		chromedp.SetValue(chromedp.ID("shift_id"), strconv.FormatInt(shiftID, 10)),
		chromedp.Click(chromedp.ID(fmt.Sprintf("rgroup-%d", groupID))),
		chromedp.Click(chromedp.ID(fmt.Sprintf("rdoor-%d", door))),
		chromedp.Click(chromedp.CSS(`#role-form button[type="submit"]`)),
		poll(`/\/roles\/\d+$/.test(location.pathname)`, 10*time.Second),
	)
	waitFor(t, "Zelda admitted on a weekday", func() bool { return decide(wednesday) })
	if decide(saturday) {
		t.Fatal("Zelda admitted at the weekend, outside the shift")
	}

	// Taking her out of the group on its page takes the door away again.
	do(t, ctx, "remove Zelda",
		chromedp.Navigate(fmt.Sprintf("%s/groups/%d", tb.url, groupID)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#member-%d button[value=remove]`, zelda.ID))),
		poll(fmt.Sprintf(`!document.getElementById("member-%d")`, zelda.ID), 10*time.Second),
	)
	waitFor(t, "Zelda refused once out of the group", func() bool { return !decide(wednesday) })
}

// idOfPage reads the id at the end of the browser's /kind/id address.
func idOfPage(t *testing.T, ctx context.Context, base, kind string) int64 {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	m := regexp.MustCompile(`/` + kind + `/(\d+)$`).FindStringSubmatch(strings.TrimPrefix(loc, base))
	if err != nil || m == nil {
		t.Fatalf("not on a %s page: %q %v", kind, loc, err)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// TestBrowserViewerEditors: a viewer sees the editors' pages without a
// form to post or a link to create anything.
func TestBrowserViewerEditors(t *testing.T) {
	ctx := browser(t)
	tb := startTestbed(t, 5)
	f := demoFixtures(t, tb)
	people, err := tb.app.Store.SearchPeople(context.Background(), tb.acct.ID, "", 0, 1)
	if err != nil || len(people) == 0 {
		t.Fatal(people, err)
	}
	email, pw := tb.operator(t, "vic", domain.RoleViewer)
	signInBrowser(t, ctx, tb.roleURL, email, pw)
	for _, path := range []string{"/groups", "/groups/" + itoa(f.group), "/groups/" + itoa(f.group) + "?q=a", "/roles", "/roles/" + itoa(f.role),
		"/shifts", "/shifts/" + itoa(f.shift), "/sites", "/sites/" + itoa(f.site), "/reservations", "/people/" + itoa(people[0].ID)} {
		do(t, ctx, "open "+path, chromedp.Navigate(tb.roleURL+path), chromedp.WaitVisible(chromedp.CSS("h1")))
		got := eval(t, ctx, `Array.from(document.querySelectorAll("form[method=post]")).map(f => f.getAttribute("action")).filter(a => a !== "/logout").join(",")`)
		if got != "" {
			t.Errorf("%s: a viewer sees write forms: %s", path, got)
		}
		if n := eval(t, ctx, `Array.from(document.querySelectorAll("a[href$='/new'], #q[data-fragment=candidates]")).length + ""`); n != "0" {
			t.Errorf("%s: a viewer sees %s controls to create or add", path, n)
		}
	}
}
