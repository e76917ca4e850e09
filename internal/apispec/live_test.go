package apispec_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// validator checks exchanges with a running server against the document.
type validator struct {
	t      *testing.T
	router routers.Router
	seen   map[string]bool // operationIds validated
}

func newValidator(t *testing.T, base string) *validator {
	t.Helper()
	doc := load(t)
	doc.Servers = openapi3.Servers{{URL: base}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return &validator{t: t, router: r, seen: map[string]bool{}}
}

// check validates the request (when it carries a JSON body) and the
// response of x against the document, and that the status is want.
func (v *validator) check(x *exchange, want int) {
	v.t.Helper()
	what := x.req.Method + " " + x.req.URL.RequestURI()
	if x.status != want {
		v.t.Errorf("%s: status %d, want %d: %s", what, x.status, want, x.body)
		return
	}
	route, params, err := v.router.FindRoute(x.req)
	if err != nil {
		v.t.Errorf("%s: not in the document: %v", what, err)
		return
	}
	v.seen[route.Operation.OperationID] = true
	noAuth := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: x.req, PathParams: params, Route: route, Options: noAuth}
	if x.req.Header.Get("Content-Type") == "application/json" {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			v.t.Errorf("%s: the request does not match the document: %v", what, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 x.status,
		Header:                 x.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(x.body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		v.t.Errorf("%s -> %d: the answer does not match the document: %v\nbody: %.600s", what, x.status, err, x.body)
	}
}

// firstID returns the "id" of the first element of a JSON array body.
func firstID(t *testing.T, x *exchange) string {
	t.Helper()
	var list []map[string]any
	if err := json.Unmarshal(x.body, &list); err != nil || len(list) == 0 {
		t.Fatalf("%s: want a non-empty list: %v %.200s", x.req.URL, err, x.body)
	}
	return fmt.Sprint(list[0]["id"])
}

// TestLiveAnswersMatchTheDocument calls the demo server the way an
// integration would and validates each request and answer against the
// document with openapi3filter: reads, a person's life cycle, errors and
// the service endpoints.
func TestLiveAnswersMatchTheDocument(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *server) {
		v := newValidator(t, s.BaseURL())
		tok := s.token(t)
		get := func(path string, want int) *exchange {
			x := s.do(t, http.MethodGet, path, "", tok)
			v.check(x, want)
			return x
		}

		v.check(s.do(t, http.MethodGet, "/healthz", "", ""), 200)
		v.check(s.do(t, http.MethodGet, "/readyz", "", ""), 200)
		v.check(s.do(t, http.MethodGet, "/api/3/openapi.json", "", ""), 200)
		v.check(s.do(t, http.MethodGet, "/.well-known/oauth-authorization-server", "", ""), 200)
		v.check(s.do(t, http.MethodGet, "/oauth/token/info", "", tok), 200)
		v.check(s.postForm(t, "/oauth/token", url.Values{"grant_type": {"password"}, "username": {s.demo.AdminEmail},
			"password": {s.demo.AdminPassword}, "scope": {"account.person.readonly"}}, s.demo.ClientID, s.demo.ClientSecret), 200)
		v.check(s.postForm(t, "/oauth/token", url.Values{"grant_type": {"password"}, "username": {s.demo.AdminEmail},
			"password": {"wrong"}}, s.demo.ClientID, s.demo.ClientSecret), 400)
		v.check(s.postForm(t, "/oauth/revoke", url.Values{"token": {"unknown"}}, s.demo.ClientID, s.demo.ClientSecret), 200)

		get("/api/3/account", 200)
		get("/api/3/sites", 200)
		get("/api/3/groups", 200)
		get("/api/3/roles", 200)
		get("/api/3/credential_types", 200)
		get("/api/3/credentials?per_page=5", 200)
		ch := firstID(t, get("/api/3/channels", 200))
		get("/api/3/channels/"+ch, 200)
		person := firstID(t, get("/api/3/people?per_page=5", 200))
		get("/api/3/people/"+person, 200)
		get("/api/3/people/"+person+"/credentials", 200)
		ev := firstID(t, get("/api/3/events?n=5", 200))
		get("/api/3/events/"+ev, 200)
		get("/api/3/reservations", 200)
		get("/api/3/group_reservations", 200)
		get("/api/3/notification_rules", 200)

		// A person's life cycle, with the body the official SDK sends.
		x := s.do(t, http.MethodPost, "/api/3/people", `{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","enabled":true}`, tok)
		v.check(x, 201)
		var created struct{ ID int64 }
		if err := json.Unmarshal(x.body, &created); err != nil || created.ID == 0 {
			t.Fatalf("created person: %v %s", err, x.body)
		}
		id := fmt.Sprint(created.ID)
		v.check(s.do(t, http.MethodPut, "/api/3/people/"+id, `{"job_title":"Analyst"}`, tok), 201)
		v.check(s.do(t, http.MethodDelete, "/api/3/people/"+id, "", tok), 200)

		// Errors come in the documented shape.
		v.check(s.do(t, http.MethodGet, "/api/3/people", "", ""), 401)
		v.check(s.do(t, http.MethodGet, "/api/3/people/"+id, "", tok), 404)
		v.check(s.do(t, http.MethodPost, "/api/3/people", `{"first_name":""}`, tok), 422)
		// The demo application holds no extension scope.
		v.check(s.do(t, http.MethodGet, "/api/3/shifts", "", tok), 403)

		// The extensions, with a token that holds their scopes.
		ext := s.extensionToken(t)
		create := func(path, body string) string {
			x := s.do(t, http.MethodPost, path, body, ext)
			v.check(x, 201)
			var out struct{ ID int64 }
			if err := json.Unmarshal(x.body, &out); err != nil || out.ID == 0 {
				t.Fatalf("POST %s: %v %s", path, err, x.body)
			}
			return fmt.Sprint(out.ID)
		}
		change := func(path, body string) {
			v.check(s.do(t, http.MethodPut, path, body, ext), 200)
		}
		remove := func(path string) {
			v.check(s.do(t, http.MethodDelete, path, "", ext), 200)
		}
		site := create("/api/3/sites", `{"site":{"name":"Annex","time_zone":"Europe/Berlin","site_ips":["10.1.0.0/16"]}}`)
		change("/api/3/sites/"+site, `{"notes":"Second floor"}`)
		door := create("/api/3/channels", `{"name":"Annex entrance","mac_address":"02:00:00:00:00:99","unit":1,"site_id":`+site+`}`)
		change("/api/3/channels/"+door, `{"name":"Annex front door"}`)
		v.check(s.do(t, http.MethodDelete, "/api/3/sites/"+site, "", ext), 409)
		shift := create("/api/3/shifts", `{"name":"Weekdays","windows":[{"days":[1,2,3,4,5],"start":"08:00","end":"18:00"}]}`)
		v.check(s.do(t, http.MethodGet, "/api/3/shifts", "", ext), 200)
		v.check(s.do(t, http.MethodGet, "/api/3/shifts/"+shift, "", ext), 200)
		change("/api/3/shifts/"+shift, `{"name":"Office hours"}`)
		group := create("/api/3/groups", `{"name":"Annex members"}`)
		change("/api/3/groups/"+group, `{"notes":"Monthly plan"}`)
		role := create("/api/3/roles", `{"name":"Annex office hours","shift_id":`+shift+`,"group_ids":[`+group+`],"channel_ids":[`+door+`]}`)
		change("/api/3/roles/"+role, `{"notes":"Set up for the annex"}`)
		ctype := create("/api/3/credential_types", `{"label":"Visitor badge","kind":"card"}`)
		change("/api/3/credential_types/"+ctype, `{"label":"Visitor card"}`)
		v.check(s.do(t, http.MethodPut, "/api/3/credential_types/"+ctype, `{"kind":"pin"}`, ext), 422)
		remove("/api/3/credential_types/" + ctype)
		remove("/api/3/roles/" + role)
		remove("/api/3/groups/" + group)
		remove("/api/3/shifts/" + shift)
		remove("/api/3/channels/" + door)
		remove("/api/3/sites/" + site)
		v.check(s.do(t, http.MethodGet, "/api/3/shifts/"+shift, "", ext), 404)
		// The audit log holds the writes above, in the documented shape.
		x = s.do(t, http.MethodGet, "/api/3/audit_events?resource=sites&per_page=5", "", ext)
		v.check(x, 200)
		if !strings.Contains(string(x.body), `"action":"delete"`) || !strings.Contains(string(x.body), `"resource_id":"`+site+`"`) {
			t.Errorf("audit events: %s", x.body)
		}
		v.check(s.do(t, http.MethodGet, "/api/3/audit_events?actor_type=robot", "", ext), 400)
		v.check(s.do(t, http.MethodGet, "/api/3/audit_events", "", tok), 403)

		if len(v.seen) < 40 {
			t.Errorf("validated only %d operations", len(v.seen))
		}
	})
}

// TestValidatorRejectsWrongAnswers makes sure the live check can fail,
// including on the OpenAPI 3.1 type arrays that express nullable fields.
func TestValidatorRejectsWrongAnswers(t *testing.T) {
	doc := load(t)
	doc.Servers = openapi3.Servers{{URL: "http://lintel.test"}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	account := func(lastSync string) string {
		return `{"id":"a1","name":"HQ","time_zone":"Europe/London","monitored":false,` +
			`"sync":{"status":"complete","last_sync":` + lastSync + `},` +
			`"user":{"id":1,"first_name":"A","last_name":"B","email":"a@example.com"},` +
			`"passport":{"remote_unlock_enabled":false,"hid_mobile_access":false}}`
	}
	for _, tc := range []struct {
		status int
		body   string
		ok     bool
	}{
		{200, account(`null`), true},
		{200, account(`"2025-01-02T03:04:05Z"`), true},
		{200, account(`5`), false},                                // a number where a string or null belongs
		{200, `{"id": "a1"}`, false},                              // required fields missing
		{401, `{"error": 5}`, false},                              // error must be a string
		{418, `{"error":"teapot","error_description":"x"}`, true}, // undeclared codes fall to default
		{418, `[]`, false},
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://lintel.test/api/3/account", nil)
		route, params, err := r.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 tc.status,
			Header:                 http.Header{"Content-Type": {"application/json"}},
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		}
		in.SetBodyBytes([]byte(tc.body))
		err = openapi3filter.ValidateResponse(context.Background(), in)
		if (err == nil) != tc.ok {
			t.Errorf("%d %s: validation error %v, want ok=%v", tc.status, tc.body, err, tc.ok)
		}
	}
}
