package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

var handedLink = regexp.MustCompile(`http://[^\s<"]+/mobile/activate\?token=[A-Za-z0-9_-]+`)

// TestMobilePassFromThePersonPage: without email, issuing a mobile pass on
// the person's page shows the operator the one-time link once; the link
// opens the activation page; revoking an invited pass revokes it at once.
func TestMobilePassFromThePersonPage(t *testing.T) {
	tb := startTestbed(t, 5)
	ctx := context.Background()
	c := signIn(t, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	types, _, err := tb.app.Store.ListCredentialTypes(ctx, tb.acct.ID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var mobile int64
	for _, ty := range types {
		if ty.Kind == domain.KindMobile {
			mobile = ty.ID
		}
	}
	people, _, err := tb.app.Store.ListPeople(ctx, tb.acct.ID, store.PersonFilter{})
	if err != nil || len(people) == 0 || mobile == 0 {
		t.Fatalf("demo: %d people, mobile type %d, %v", len(people), mobile, err)
	}
	p := people[0]
	page := fmt.Sprintf("/people/%d", p.ID)
	st, body := c.post(page+"/credentials", url.Values{"csrf_token": {c.csrf}, "credential_type_id": {fmt.Sprint(mobile)}})
	link := handedLink.FindString(html.UnescapeString(body))
	if st != http.StatusOK || !strings.Contains(body, "Hand this one-time link to "+p.FirstName) || link == "" {
		t.Fatalf("issue: %d\n%s", st, body)
	}
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("activation page: %d", res.StatusCode)
	}
	cred, err := tb.app.Store.FindCredentialByType(ctx, tb.acct.ID, p.ID, mobile)
	if err != nil || cred.Status == nil || *cred.Status != store.MobileInvited {
		t.Fatalf("issued credential %+v %v", cred, err)
	}
	// The page lists it with its status, and the link is not shown again.
	_, body = c.get(page)
	if !strings.Contains(body, "mobile: invited") || strings.Contains(body, "/mobile/activate?token=") {
		t.Fatalf("person page after issuing:\n%s", body)
	}
	// A new invitation: a new link, the old one stops working.
	if !strings.Contains(body, "/credentials/"+cred.UID+"/invite") {
		t.Fatalf("no New invitation button for an invited pass:\n%s", body)
	}
	st, body = c.post(page+"/credentials/"+cred.UID+"/invite", url.Values{"csrf_token": {c.csrf}})
	renewed := handedLink.FindString(html.UnescapeString(body))
	if st != http.StatusOK || renewed == "" || renewed == link {
		t.Fatalf("new invitation: %d\n%s", st, body)
	}
	for u, want := range map[string]int{link: http.StatusGone, renewed: http.StatusOK} {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("after renewing, %s: %d, want %d", u, res.StatusCode, want)
		}
	}
	link = renewed
	if st, _ := c.post(page+"/credentials/"+cred.UID+"/revoke", url.Values{"csrf_token": {c.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("revoke: %d", st)
	}
	cred, err = tb.app.Store.FindCredentialByType(ctx, tb.acct.ID, p.ID, mobile)
	if err != nil || *cred.Status != store.MobileRevoked {
		t.Fatalf("after revoking %+v %v", cred, err)
	}
	res, err = http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusGone {
		t.Fatalf("link of a revoked pass: %d", res.StatusCode)
	}
	// A revoked pass is replaced by a new one.
	if st, body := c.post(page+"/credentials", url.Values{"csrf_token": {c.csrf}, "credential_type_id": {fmt.Sprint(mobile)}}); st != http.StatusOK ||
		!handedLink.MatchString(html.UnescapeString(body)) {
		t.Fatalf("issue again: %d\n%s", st, body)
	}
}

// TestPersonPageShowsTheStoredPhoto: a person with a stored photo shows
// its thumbnail (served by the same server, as the CSP requires) linking
// to the photo.
func TestPersonPageShowsTheStoredPhoto(t *testing.T) {
	tb := startTestbed(t, 3)
	ctx := context.Background()
	c := signIn(t, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	people, _, err := tb.app.Store.ListPeople(ctx, tb.acct.ID, store.PersonFilter{})
	if err != nil || len(people) == 0 {
		t.Fatal(err)
	}
	p := people[0]
	page := fmt.Sprintf("/people/%d", p.ID)
	if _, body := c.get(page); strings.Contains(body, `id="photo"`) {
		t.Fatalf("a photo shown for a person without one")
	}
	img := &store.PersonImage{ContentType: "image/jpeg", Data: []byte{0xff, 0xd8, 0xff, 1}, Thumbnail: []byte{0xff, 0xd8, 0xff, 2}}
	if err := tb.app.Store.SetPersonImage(ctx, p, img); err != nil {
		t.Fatal(err)
	}
	_, body := c.get(page)
	path := store.PersonImagePath(img.Key)
	if !strings.Contains(body, `<a href="`+path+`"><img src="`+path+`/thumbnail" alt="Photo of `+p.FirstName) {
		t.Fatalf("person page without the photo:\n%s", body)
	}
	if st, thumb := c.get(path + "/thumbnail"); st != http.StatusOK || thumb != string(img.Thumbnail) {
		t.Fatalf("thumbnail: %d %q", st, thumb)
	}
}
