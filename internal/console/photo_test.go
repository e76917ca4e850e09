package console_test

import (
	"context"
	"image/color"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/photo/phototest"
	"github.com/lintel-dev/lintel/internal/store"
)

// TestPersonPhoto uploads, replaces, keeps and removes a person's photo
// through the console's person forms, and sends files the API would
// refuse: each is refused with the reason and changes nothing.
func TestPersonPhoto(t *testing.T) {
	tb := startTestbed(t, 3)
	c := signIn(t, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	ctx := context.Background()
	send := func(path string, fields map[string]string, file []byte) (int, string, string) {
		t.Helper()
		return c.postFile(path, fields, "photo", "me.png", file)
	}
	media := func(p *domain.Person) int {
		t.Helper()
		if p.ImageURL == nil {
			t.Fatal("no image_url")
		}
		res, err := http.Get(tb.url + *p.ImageURL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	fields := map[string]string{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@cowork.example", "enabled": "on"}

	// A new person with a photo.
	st, body, loc := send("/people", fields, phototest.PNG(t, 300, 200, color.RGBA{200, 30, 30, 255}))
	m := regexp.MustCompile(`^/people/(\d+)$`).FindStringSubmatch(loc)
	if st != http.StatusSeeOther || m == nil {
		t.Fatalf("create with a photo: %d %q %.300s", st, loc, body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	get := func() *domain.Person {
		t.Helper()
		p, err := tb.app.Store.GetPerson(ctx, tb.acct.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := get()
	if _, ok := store.IsStoredImage(first.ImageURL); !ok || media(first) != http.StatusOK {
		t.Fatalf("after create: image_url %v", first.ImageURL)
	}
	if _, page := c.get(loc); !strings.Contains(page, `id="photo"`) || !strings.Contains(page, `id="remove_photo"`) {
		t.Fatalf("the person page shows no photo or no way to remove it:\n%.500s", page)
	}

	// Files the API refuses are refused here too, and nothing changes:
	// not the photo, not the fields sent with it.
	changed := map[string]string{"first_name": "Augusta", "last_name": "Lovelace", "email": "ada@cowork.example", "enabled": "on"}
	for name, tc := range map[string]struct {
		file []byte
		want string
	}{
		"text":    {[]byte("not a photo at all"), "The photo must be a JPEG or PNG image."},
		"cut png": {phototest.PNG(t, 50, 50, color.White)[:60], "The photo is not a readable png image."},
		"huge":    {phototest.PNG(t, 4097, 1, color.White), "The photo must be at most 4096 pixels wide and high."},
		"large":   {append(phototest.PNG(t, 2, 2, color.White), make([]byte, 512<<10)...), "The photo must be at most 512 KiB."},
	} {
		st, body, _ := send(loc, changed, tc.file)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) || !strings.Contains(body, `value="Augusta"`) {
			t.Errorf("%s: %d, want 422 %q with the typed name kept:\n%.400s", name, st, tc.want, body)
		}
		if p := get(); p.FirstName != "Ada" || *p.ImageURL != *first.ImageURL {
			t.Fatalf("%s: the refused form changed the person: %s %v", name, p.FirstName, *p.ImageURL)
		}
	}

	// Saving without a file keeps the photo; a new file replaces it (the
	// old address is gone); remove takes it away.
	if st, body, _ := send(loc, changed, nil); st != http.StatusSeeOther {
		t.Fatalf("save without a file: %d %.300s", st, body)
	}
	if p := get(); p.FirstName != "Augusta" || *p.ImageURL != *first.ImageURL {
		t.Fatalf("after a save without a file: %s %v", p.FirstName, *p.ImageURL)
	}
	if st, body, _ := send(loc, changed, phototest.PNG(t, 10, 10, color.Black)); st != http.StatusSeeOther {
		t.Fatalf("replace: %d %.300s", st, body)
	}
	second := get()
	if *second.ImageURL == *first.ImageURL || media(second) != http.StatusOK || media(first) != http.StatusGone {
		t.Fatalf("after replacing: %v (was %v)", *second.ImageURL, *first.ImageURL)
	}
	withRemove := map[string]string{"remove_photo": "on"}
	for k, v := range changed {
		withRemove[k] = v
	}
	if st, body, _ := send(loc, withRemove, nil); st != http.StatusSeeOther {
		t.Fatalf("remove: %d %.300s", st, body)
	}
	if p := get(); p.ImageURL != nil || media(second) != http.StatusGone {
		t.Fatalf("after removing: %v", p.ImageURL)
	}
	if _, page := c.get(loc); strings.Contains(page, `id="photo"`) || strings.Contains(page, `id="remove_photo"`) {
		t.Fatal("the person page still shows a photo")
	}
}
