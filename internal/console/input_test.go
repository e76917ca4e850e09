package console_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestBadTextInForms: console forms with a NUL character or bytes that
// are not UTF-8 answer 400 with the error page, whether URL-encoded
// (checked before any handler), multipart (checked by the console) or an
// uploaded CSV (checked by the import), and nothing is stored.
func TestBadTextInForms(t *testing.T) {
	tb := startTestbed(t, 5)
	c := signIn(t, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	multipartPost := func(path string, fields map[string]string, file string) (int, string) {
		t.Helper()
		var data []byte
		if file != "" {
			data = []byte(file)
		}
		st, body, _ := c.postFile(path, fields, "file", "people.csv", data)
		return st, body
	}
	_, before := c.get("/people")
	for _, bad := range []string{"\x00", "\xff"} {
		if st, body := c.post("/people", url.Values{"csrf_token": {c.csrf}, "first_name": {"Ada" + bad}, "last_name": {"L"}}); st != 400 ||
			!strings.Contains(body, "first_name must") {
			t.Errorf("URL-encoded person with %q: %d %.300s", bad, st, body)
		}
		if st, body := multipartPost("/people", map[string]string{"first_name": "Ada" + bad, "last_name": "L"}, ""); st != 400 ||
			!strings.Contains(body, "first_name must") {
			t.Errorf("multipart person with %q: %d %.300s", bad, st, body)
		}
		if st, body := multipartPost("/people/import", map[string]string{"step": "preview"}, "first_name,last_name\nAda"+bad+",L\n"); st != 400 ||
			!strings.Contains(body, "save it as UTF-8") {
			t.Errorf("CSV file with %q: %d %.300s", bad, st, body)
		}
		if st, body := c.post("/people/import", url.Values{"csrf_token": {c.csrf}, "step": {"run"}, "csv": {"first_name,last_name\nAda" + bad + ",L\n"}}); st != 400 {
			t.Errorf("pasted CSV with %q: %d %.300s", bad, st, body)
		}
		// A form larger than what is read before authentication is checked
		// by the console itself.
		big := "first_name,last_name\n" + strings.Repeat("Grace,Hopper\n", 8000) + "Ada" + bad + ",L\n"
		if st, body := c.post("/people/import", url.Values{"csrf_token": {c.csrf}, "step": {"run"}, "csv": {big}}); st != 400 || !strings.Contains(body, "csv must") {
			t.Errorf("large pasted CSV with %q: %d %.300s", bad, st, body)
		}
	}
	if _, after := c.get("/people"); strings.Count(after, "Ada") != strings.Count(before, "Ada") {
		t.Fatal("a refused form stored a person")
	}
}
