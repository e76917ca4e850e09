package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/store/storetest"
	lintel "github.com/lintel-dev/lintel/sdk"
)

// visitor is a script talking to CoWork HQ's JSON routes with a session.
type visitor struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func newVisitor(t *testing.T, base string) *visitor {
	jar, _ := cookiejar.New(nil)
	v := &visitor{t: t, base: base, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	_, body := v.call("GET", "/", nil, 200)
	m := regexp.MustCompile(`name="csrf-token" content="([0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the home page")
	}
	v.csrf = m[1]
	return v
}

// call sends a request (JSON body when in is not nil) and checks the status.
func (v *visitor) call(method, path string, in any, want int) (*http.Response, string) {
	v.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, v.base+path, body)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if v.csrf != "" {
		req.Header.Set("X-CSRF-Token", v.csrf)
	}
	resp, err := v.hc.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		v.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	return resp, string(b)
}

func (v *visitor) json(method, path string, in any, want int, out any) {
	v.t.Helper()
	_, body := v.call(method, path, in, want)
	if out != nil {
		if err := json.Unmarshal([]byte(body), out); err != nil {
			v.t.Fatalf("%s %s: %v: %s", method, path, err, body)
		}
	}
}

// TestJSONRoutesAndStream drives CoWork HQ's own routes as a script would,
// on every database: connect, sync by email twice, the proxy routes, a
// badge event arriving by the event stream, refresh, reset and disconnect.
func TestJSONRoutesAndStream(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testJSONRoutes(t, b) })
	}
}

func testJSONRoutes(t *testing.T, b storetest.Backend) {
	tb := startTestbed(t, b, true)
	v := newVisitor(t, tb.url)
	ctx := context.Background()

	// Connect: the state and the verifier stay in CoWork HQ's session.
	resp, _ := v.call("GET", "/api/auth/connect", nil, http.StatusFound)
	q := apptest.Authorize(t, resp.Header.Get("Location"), tb.demo.AdminEmail, tb.demo.AdminPassword, tb.sample.RedirectURI)
	if q.Get("state") == "" || q.Get("code") == "" {
		t.Fatalf("callback query %v", q)
	}
	forged := newVisitor(t, tb.url) // another browser cannot finish this authorization
	forged.call("GET", "/api/auth/callback?"+q.Encode(), nil, http.StatusSeeOther)
	if ok, _ := tb.cw.auth.Connected(ctx); ok {
		t.Fatal("a callback from another session connected")
	}
	v.call("GET", "/api/auth/callback?"+q.Encode(), nil, http.StatusSeeOther)
	var st tokenStatus
	v.json("GET", "/api/auth/status", nil, 200, &st)
	if !st.Connected || len(st.Scopes) != len(Scopes) || st.ExpiresIn < 3500 || !st.Refresh {
		t.Fatalf("status %+v", st)
	}

	// Without the CSRF token nothing changes.
	csrf := v.csrf
	v.csrf = ""
	v.call("POST", "/api/members/sync", nil, http.StatusForbidden)
	v.csrf = csrf

	// Map teams, then sync twice.
	var groups []*lintel.Group
	v.json("GET", "/api/doorflow/groups", nil, 200, &groups)
	gid := map[string]int64{}
	for _, g := range groups {
		gid[g.Name] = g.ID
	}
	teams, _ := tb.db.Teams(ctx)
	for _, tm := range teams {
		g := map[string]string{"Engineering": "Members", "Sales": "Members", "Executives": "Staff", "Community": "Staff"}[tm.Name]
		if err := tb.db.MapTeam(ctx, tm.ID, gid[g], g); err != nil {
			t.Fatal(err)
		}
	}
	var rep SyncReport
	v.json("POST", "/api/members/sync", nil, 200, &rep)
	if len(rep.Created) != 5 || len(rep.Updated) != 1 || rep.Unchanged != 2 || len(rep.Failed) != 0 {
		t.Fatalf("first sync %+v", rep)
	}
	v.json("POST", "/api/members/sync", nil, 200, &rep)
	if rep.Changed() || rep.Unchanged != 8 {
		t.Fatalf("second sync %+v", rep)
	}

	// Proxies.
	var people []*lintel.Person
	v.json("GET", "/api/doorflow/people?email=grace.hopper@coworkhq.example", nil, 200, &people)
	if len(people) != 1 || people[0].SystemID == nil || !strings.HasPrefix(*people[0].SystemID, "coworkhq-") {
		t.Fatalf("people %+v", people)
	}
	grace := people[0]
	var types []*lintel.CredentialType
	v.json("GET", "/api/doorflow/credential_types", nil, 200, &types)
	var card int64
	for _, ct := range types {
		if ct.Kind() == "card" && card == 0 {
			card = ct.ID
		}
	}
	var cred lintel.Credential
	v.json("POST", "/api/doorflow/credentials", map[string]any{"person_id": grace.ID, "credential_type_id": card, "value": "5150515051"}, 201, &cred)
	var e map[string]string
	john, _ := tb.cw.lintel.People.FindByEmail(ctx, "john.doe@example.com")
	v.json("POST", "/api/doorflow/credentials", map[string]any{"person_id": john.ID, "credential_type_id": card, "value": "5150515051"}, 409, &e)
	if !strings.Contains(e["error"], "already in use") {
		t.Fatalf("duplicate card: %v", e)
	}
	var creds []*lintel.Credential
	v.json("GET", fmt.Sprintf("/api/doorflow/credentials?person_id=%d", grace.ID), nil, 200, &creds)
	if len(creds) != 1 || creds[0].ID != cred.ID {
		t.Fatalf("credentials %+v", creds)
	}
	var p lintel.Person
	v.json("GET", fmt.Sprintf("/api/doorflow/people/%d", grace.ID), nil, 200, &p)
	if len(p.GroupIDs) != 2 || p.CredentialValues["credentials_number"] != "5150515051" {
		t.Fatalf("person %+v", p)
	}

	// A badge event reaches the live page, and the event stream delivers
	// it (a webhook may show it first: the page shows it once, so the
	// stream's saved position is what proves the stream had it).
	badge(t, tb, "5150515051")
	var badged int64
	waitFor(t, "the event on the live page", func() bool {
		for _, ev := range tb.cw.live.recent() {
			if ev.Person == "Grace Hopper" {
				badged = ev.ID
				return true
			}
		}
		return false
	})
	waitFor(t, "the event by the stream", func() bool {
		saved, _ := tb.db.Meta(ctx, lastEventKey)
		n, err := strconv.ParseInt(saved, 10, 64)
		return err == nil && n >= badged
	})

	v.call("DELETE", "/api/doorflow/credentials/"+cred.ID, nil, 200) // person found by lookup
	v.json("PUT", fmt.Sprintf("/api/doorflow/people/%d/groups", grace.ID), map[string]any{"group_ids": []int64{}}, 200, &p)
	if len(p.GroupIDs) != 0 {
		t.Fatalf("groups after clearing: %v", p.GroupIDs)
	}
	v.call("GET", "/api/doorflow/people/999999", nil, 404)

	var after tokenStatus
	v.json("POST", "/api/auth/refresh", nil, 200, &after)
	if !after.Connected {
		t.Fatalf("after refresh %+v", after)
	}
	if err := tb.db.SaveMember(ctx, &Member{FirstName: "X", LastName: "Y", Email: "x@y.example"}); err != nil {
		t.Fatal(err)
	}
	v.call("POST", "/api/reset", nil, 200)
	if ms, _ := tb.db.Members(ctx); len(ms) != len(demoMembers) || ms[0].PersonID != 0 {
		t.Fatalf("after reset: %d members", len(ms))
	}
	v.json("DELETE", "/api/auth/disconnect", nil, 200, &after)
	if after.Connected {
		t.Fatal("still connected")
	}
	if _, err := os.Stat(filepath.Join(tb.cw.cfg.DataDir, "tokens.json")); !os.IsNotExist(err) {
		t.Fatalf("tokens.json after disconnect: %v", err)
	}
	v.call("GET", "/api/doorflow/groups", nil, http.StatusConflict)
}

// TestDotEnv: the environment wins over the file; quotes and comments are
// understood; a broken line is an error naming it.
func TestDotEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	os.WriteFile(path, []byte("# settings\nexport LINTEL_CLIENT_ID=from-file\nLINTEL_CLIENT_SECRET=\"s3 cret\"\nCOWORKHQ_LISTEN=127.0.0.1:4444 # port\nLINTEL_BASE_URL=http://file\n"), 0o600)
	t.Setenv("LINTEL_BASE_URL", "http://127.0.0.1:9999")
	for _, k := range []string{"LINTEL_CLIENT_ID", "LINTEL_CLIENT_SECRET", "COWORKHQ_LISTEN", "LINTEL_REDIRECT_URI", "DOORFLOW_CLIENT_ID"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	if err := loadDotEnv(path); err != nil {
		t.Fatal(err)
	}
	c, err := configFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientID != "from-file" || c.ClientSecret != "s3 cret" || c.Listen != "127.0.0.1:4444" || c.BaseURL != "http://127.0.0.1:9999" ||
		c.RedirectURI != "http://127.0.0.1:4444/api/auth/callback" || !c.EventStream {
		t.Fatalf("%+v", c)
	}
	os.WriteFile(path, []byte("JUST A LINE\n"), 0o600)
	if err := loadDotEnv(path); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Fatalf("broken line: %v", err)
	}
}
