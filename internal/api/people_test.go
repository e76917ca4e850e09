package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestPersonBodyTolerance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		groups, _, _ := e.ids()

		// The official SDK: camelCase and snake_case duplicates, plus a
		// flattened credential under its slug and an auto PIN.
		sdk := fmt.Sprintf(`{"firstName":"Ada","first_name":"Ada","lastName":"Lovelace","last_name":"Lovelace",
			"groupIds":[%[1]d],"group_ids":[%[1]d],"jobTitle":"Analyst","custom1":"c1","systemId":"NX1",
			"credentials_number":"5550001","pin":"******","unknown":{"deep":[1,2]}}`, groups["Staff"])
		p := expect[obj](t, c.do("POST", "/api/3/people", sdk), 201)
		if p["job_title"] != "Analyst" || p["custom_1"] != "c1" || p["system_id"] != "NX1" || p["credentials_number"] != "5550001" {
			t.Fatalf("sdk body: %v", p)
		}
		if pin, _ := p["pin"].(string); len(pin) < 4 {
			t.Fatalf("auto PIN missing: %v", p)
		}
		// Wrapped in "person"; camelCase inside the wrapper too.
		w := expect[obj](t, c.do("POST", "/api/3/people", `{"person":{"firstName":"Grace","lastName":"Hopper","email":"GRACE@example.com"}}`), 201)
		if w["first_name"] != "Grace" || w["email"] != "GRACE@example.com" || len(w["groups"].([]any)) != 0 {
			t.Fatalf("wrapped: %v", w)
		}
		// Email uniqueness is case-insensitive.
		b := errorBody(t, c.do("POST", "/api/3/people", `{"first_name":"G","last_name":"H","email":"grace@EXAMPLE.com"}`), 422, "validation_failed")
		if fmt.Sprint(b["errors"]) != "map[email:[has already been taken]]" {
			t.Fatalf("duplicate email: %v", b)
		}
		// Wrong types name the fields.
		b = errorBody(t, c.do("POST", "/api/3/people", `{"first_name":5,"last_name":"X","enabled":"maybe","group_ids":"1","valid_from":"soon","pin":"12"}`), 422, "validation_failed")
		errs := b["errors"].(obj)
		for _, f := range []string{"first_name", "enabled", "group_ids", "valid_from", "pin"} {
			if errs[f] == nil {
				t.Errorf("no message for %s: %v", f, errs)
			}
		}
		// Empty body with a JSON content type: names are required on create.
		b = errorBody(t, c.do("POST", "/api/3/people", ""), 422, "validation_failed")
		if b["errors"].(obj)["first_name"] == nil || b["errors"].(obj)["last_name"] == nil {
			t.Fatalf("empty create: %v", b)
		}
		// Malformed JSON is 400, a non-object too; oversized is 413.
		e.skipSpec = true
		errorBody(t, c.do("POST", "/api/3/people", `{"first_name":`), 400, "bad_request")
		e.skipSpec = true
		errorBody(t, c.do("POST", "/api/3/people", `[1]`), 400, "bad_request")
		e.skipSpec = true
		errorBody(t, c.do("POST", "/api/3/people", `{"notes":"`+strings.Repeat("x", 2<<20)+`"}`), 413, "request_too_large")
		// A group of another account is a validation error, not a link.
		og, _ := st.ListGroups(context.Background(), e.other.ID)
		b = errorBody(t, c.do("POST", "/api/3/people", fmt.Sprintf(`{"first_name":"A","last_name":"B","group_ids":[%d]}`, og[0].ID)), 422, "validation_failed")
		if b["errors"].(obj)["group_ids"] == nil {
			t.Fatalf("foreign group: %v", b)
		}
	})
}

func TestPersonUpdateAndDelete(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		groups, _, _ := e.ids()
		p := expect[obj](t, c.do("POST", "/api/3/people", `{"first_name":"Tim","last_name":"Berners","email":"tim@example.com","credentials_number":"777"}`), 201)
		id := num(t, p["id"])
		path := fmt.Sprintf("/api/3/people/%d", id)

		e.clock.Set(testNow.Add(time.Hour))
		// PUT is a partial update and answers 201.
		u := expect[obj](t, c.do("PUT", path, fmt.Sprintf(`{"last_name":"Berners-Lee","group_ids":[%d],"credentials_number":"778","enabled":false}`, groups["Members"])), 201)
		if u["first_name"] != "Tim" || u["last_name"] != "Berners-Lee" || u["email"] != "tim@example.com" || u["enabled"] != false ||
			u["credentials_number"] != "778" || len(u["groups"].([]any)) != 1 || u["updated_at"] != "2025-06-10T11:30:00.000Z" {
			t.Fatalf("update: %v", u)
		}
		// An empty body changes nothing but still answers 201.
		u = expect[obj](t, c.do("PUT", path, ""), 201)
		if u["last_name"] != "Berners-Lee" || len(u["groups"].([]any)) != 1 {
			t.Fatalf("empty update: %v", u)
		}
		// A GET body sent back (groups as output) keeps the memberships;
		// null for a slug removes that credential.
		u = expect[obj](t, c.do("PUT", path, fmt.Sprintf(`{"id":%d,"groups":[],"credentials_number":null,"created_at":"x"}`, id)), 201)
		if len(u["groups"].([]any)) != 0 || u["credentials_number"] != nil {
			t.Fatalf("round trip: %v", u)
		}
		errorBody(t, c.do("PUT", path, `{"first_name":""}`), 422, "validation_failed")
		errorBody(t, c.do("PUT", "/api/3/people/999999", `{}`), 404, "not_found")
		errorBody(t, c.do("PUT", "/api/3/people/abc", `{}`), 404, "not_found")

		if got := expect[obj](t, c.do("DELETE", path, ""), 200); got["result"] != "ok" {
			t.Fatalf("delete: %v", got)
		}
		errorBody(t, c.do("GET", path, ""), 404, "not_found")
		errorBody(t, c.do("DELETE", path, ""), 404, "not_found")
	})
}

func TestListPeoplePaginationAndFilters(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		// The demo account has 12 people.
		rec := c.do("GET", "/api/3/people?per_page=5&page=2", "")
		page := expect[list](t, rec, 200)
		h := rec.Header()
		if len(page) != 5 || h.Get("Total") != "12" || h.Get("X-Total-Results") != "12" || h.Get("Per-Page") != "5" ||
			h.Get("X-Per-Page") != "5" || h.Get("X-Page") != "2" {
			t.Fatalf("page 2: %d %v", len(page), h)
		}
		rec = c.do("GET", "/api/3/people?per_page=5&page=9", "")
		if rec.Body.String() != "[]\n" || rec.Header().Get("Total") != "12" {
			t.Fatalf("past the end: %q", rec.Body)
		}
		rec = c.do("GET", "/api/3/people?per_page=5000", "")
		if rec.Header().Get("Per-Page") != "100" {
			t.Fatalf("per_page not clamped: %v", rec.Header())
		}
		if all := expect[list](t, c.do("GET", "/api/3/people?per_page=2&skip_pagination=true", ""), 200); len(all) != 12 {
			t.Fatalf("skip_pagination: %d", len(all))
		}
		if d := expect[list](t, c.do("GET", "/api/3/people", ""), 200); len(d) != 12 || d[0]["last_name"] != "Doe" {
			t.Fatalf("default page: %d %v", len(d), d[0])
		}
		byEmail := expect[list](t, c.do("GET", "/api/3/people?email=JOHN.DOE@example", ""), 200)
		if len(byEmail) != 1 || byEmail[0]["first_name"] != "John" {
			t.Fatalf("email filter: %v", byEmail)
		}
		bySys := expect[list](t, c.do("GET", "/api/3/people?system_id=CRM-1001", ""), 200)
		if len(bySys) != 1 || bySys[0]["system_id"] != "CRM-1001" {
			t.Fatalf("system_id filter: %v", bySys)
		}
		if w := expect[list](t, c.do("GET", "/api/3/people?email=%25", ""), 200); len(w) != 0 {
			t.Fatalf("LIKE wildcard not escaped: %d", len(w))
		}
	})
}

func TestListPeopleSince(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		// Europe/London is UTC+1 in June: 12:00 local is 11:00Z.
		e.clock.Set(time.Date(2025, 6, 10, 11, 0, 0, 0, time.UTC))
		p := expect[obj](t, c.do("POST", "/api/3/people", `{"first_name":"New","last_name":"Comer"}`), 201)
		cases := []struct {
			query string
			want  bool
		}{
			{"since=2025-06-10T12:00:00", true},           // account time zone
			{"since=2025-06-10T12:00:01", false},          // one second after, local
			{"since=2025-06-10T11:00:00Z", true},          // offset honoured
			{"since=2025-06-10T11:00:00.001Z", false},     // SDK style toISOString
			{"since=2025-06-10T13:00:00%2B02:00", true},   // explicit +02:00
			{"since=2025-06-10T12:00:00+01:00", true},     // '+' decoded as a space
			{"since_utc=2025-06-10T11:00:00", true},       // UTC without offset
			{"since_utc=2025-06-10T11:00:01", false},      //
			{"since_utc=2025-06-10T12:00:00+01:00", true}, // offset honoured
		}
		for _, tc := range cases {
			got := expect[list](t, c.do("GET", "/api/3/people?"+tc.query, ""), 200)
			found := false
			for _, x := range got {
				found = found || num(t, x["id"]) == num(t, p["id"])
			}
			if found != tc.want || (tc.want && len(got) != 1) {
				t.Errorf("%s: got %d people, want new person %v", tc.query, len(got), tc.want)
			}
		}
		e.skipSpec = true // the contract documents no 400 for this operation
		errorBody(t, c.do("GET", "/api/3/people?since=yesterday", ""), 400, "bad_request")
	})
}

// TestPeopleOfOtherAccountsAreNotFound proves no people route crosses accounts.
func TestPeopleOfOtherAccountsAreNotFound(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		theirs, _, err := st.ListPeople(ctx, e.other.ID, store.PersonFilter{})
		if err != nil || len(theirs) == 0 {
			t.Fatal(err)
		}
		creds, _ := st.CredentialsOfPeople(ctx, e.other.ID, []int64{theirs[0].ID})
		pid := theirs[0].ID
		c := e.as("all")
		for _, r := range []struct{ method, path, body string }{
			{"GET", fmt.Sprintf("/api/3/people/%d", pid), ""},
			{"PUT", fmt.Sprintf("/api/3/people/%d", pid), `{"first_name":"Hijack"}`},
			{"DELETE", fmt.Sprintf("/api/3/people/%d", pid), ""},
			{"GET", fmt.Sprintf("/api/3/people/%d/credentials", pid), ""},
			{"POST", fmt.Sprintf("/api/3/people/%d/credentials", pid), `{"person_credential":{"credential_type_id":1,"value":"1234"}}`},
			{"GET", fmt.Sprintf("/api/3/people/%d/credentials/%s", pid, creds[0].UID), ""},
			{"PUT", fmt.Sprintf("/api/3/people/%d/credentials/%s", pid, creds[0].UID), `{"person_credential":{"value":"4321"}}`},
			{"DELETE", fmt.Sprintf("/api/3/people/%d/credentials/%s", pid, creds[0].UID), ""},
		} {
			if strings.HasSuffix(r.path, "/credentials") {
				e.skipSpec = true // listPersonCredentials and createCredential document no 404
			}
			errorBody(t, c.do(r.method, r.path, r.body), 404, "not_found")
		}
		if got, err := st.GetPerson(ctx, e.other.ID, pid); err != nil || got.FirstName == "Hijack" {
			t.Fatalf("other account's person changed: %+v %v", got, err)
		}
		if _, err := st.GetCredential(ctx, e.other.ID, pid, creds[0].UID); err != nil {
			t.Fatalf("other account's credential gone: %v", err)
		}
		// Their people never show in our lists.
		mine := expect[list](t, c.do("GET", "/api/3/people?skip_pagination=true", ""), 200)
		for _, p := range mine {
			if num(t, p["id"]) == pid {
				t.Fatal("listed another account's person")
			}
		}
	})
}

// TestSkipPaginationStreamsBeyondParameterLimits lists more people than
// SQLite allows parameters in one statement (16,382 people once answered
// 500 "too many SQL variables"): every person comes once, in id order,
// the first hundred exactly as the first page shows them, and the email
// filter puts the exact match first as the pages do.
func TestSkipPaginationStreamsBeyondParameterLimits(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		const extra = 17000
		if err := demo.AddPeople(context.Background(), st, e.acct.ID, extra, testNow, nil); err != nil {
			t.Fatal(err)
		}
		e.skipSpec = true
		rec := c.do("GET", "/api/3/people?skip_pagination=true", "")
		all := expect[list](t, rec, 200)
		want := fmt.Sprint(12 + extra)
		if len(all) != 12+extra || rec.Header().Get("Total") != want || rec.Header().Get("Per-Page") != want {
			t.Fatalf("%d people, headers %v", len(all), rec.Header())
		}
		last := int64(0)
		for i, p := range all {
			id, _ := p["id"].(json.Number).Int64()
			if id <= last {
				t.Fatalf("person %d: id %v after %v", i, id, last)
			}
			last = id
			if g, _ := p["groups"].([]any); len(g) != 1 {
				t.Fatalf("person %d: groups %v", i, p["groups"])
			}
			if _, ok := p["credentials_number"]; !ok {
				t.Fatalf("person %d has no card: %v", i, p)
			}
		}
		first := c.do("GET", "/api/3/people?per_page=100", "")
		var streamed []json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &streamed); err != nil {
			t.Fatal(err)
		}
		var paged []json.RawMessage
		if err := json.Unmarshal(first.Body.Bytes(), &paged); err != nil {
			t.Fatal(err)
		}
		for i := range paged {
			if !bytes.Equal(paged[i], streamed[i]) {
				t.Fatalf("person %d differs:\n%s\n%s", i, paged[i], streamed[i])
			}
		}
		// The email filter: the stream lists what the pages list, in
		// their order, and an exact match first.
		part := url.QueryEscape("." + strings.ToLower(all[500]["last_name"].(string)) + ".")
		streamedF := expect[list](t, c.do("GET", "/api/3/people?skip_pagination=true&email="+part, ""), 200)
		var pagedIDs []any
		for page := 1; ; page++ {
			pg := expect[list](t, c.do("GET", fmt.Sprintf("/api/3/people?per_page=100&page=%d&email=%s", page, part), ""), 200)
			if len(pg) == 0 {
				break
			}
			for _, p := range pg {
				pagedIDs = append(pagedIDs, p["id"])
			}
		}
		if len(streamedF) < 2 || len(streamedF) != len(pagedIDs) {
			t.Fatalf("email filter: %d streamed, %d paged", len(streamedF), len(pagedIDs))
		}
		for i, p := range streamedF {
			if p["id"] != pagedIDs[i] {
				t.Fatalf("email filter, person %d: %v streamed, %v paged", i, p["id"], pagedIDs[i])
			}
		}
		exact := streamedF[len(streamedF)-1]["email"].(string)
		exactFirst := expect[list](t, c.do("GET", "/api/3/people?skip_pagination=true&email="+url.QueryEscape(exact), ""), 200)
		if len(exactFirst) == 0 || exactFirst[0]["email"] != exact {
			t.Fatalf("exact email first: %v", exactFirst)
		}
	})
}
