package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/store"
)

// TestBadTextInputs sends a NUL character, and then bytes that are not
// UTF-8, to every kind of input a client controls — OAuth and sign-in
// forms (some unauthenticated), query filters, JSON bodies, paths,
// identifying headers and controller event batches — on every backend.
// PostgreSQL stores neither, so each used to fail inside the database as a
// 500; each must answer 400 in its surface's error shape, and the
// controller batch must store its good events and refuse the bad one.
func TestBadTextInputs(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		base := s.BaseURL()
		api := operator(t, s, "account.person account.event.access.readonly account.notification_rule")
		acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		people, _, _ := s.Store.ListPeople(ctx, acct.ID, store.PersonFilter{})
		doors, _, _ := s.Store.ListChannels(ctx, acct.ID, nil, store.Page{})
		_, deviceSecret, err := controller.Enroll(ctx, s.Store, controller.Enrollment{AccountID: acct.ID, ChannelIDs: []int64{doors[0].ID}})
		if err != nil {
			t.Fatal(err)
		}
		authorize := base + "/oauth/authorize?" + url.Values{"client_id": {s.demo.ClientID}, "redirect_uri": {s.demo.RedirectURI},
			"response_type": {"code"}, "scope": {"account.person"}, "state": {"s"}, "code_challenge": {strings.Repeat("a", 43)},
			"code_challenge_method": {"S256"}}.Encode()

		type input struct {
			name   string
			req    func(bad string) *http.Request
			shape  string // "json", "oauth" (invalid_request) or "page"
			field  string // the input named in a JSON answer
			noUTF8 bool   // the input cannot carry raw bytes (JSON: escapes only)
		}
		form := func(u string, v url.Values, user, pass string) *http.Request {
			req, _ := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if user != "" {
				req.SetBasicAuth(user, pass)
			}
			return req
		}
		get := func(u string, header ...string) *http.Request {
			req, _ := http.NewRequest("GET", u, nil)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			return req
		}
		withToken := func(req *http.Request) *http.Request {
			req.Header.Set("Authorization", "Bearer "+api.token)
			return req
		}
		jsonBody := func(method, u, body string) *http.Request {
			req, _ := http.NewRequest(method, u, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			return withToken(req)
		}
		q := url.QueryEscape
		inputs := []input{
			{name: "client_id at /oauth/token", shape: "oauth", field: "client_id", req: func(bad string) *http.Request {
				return form(base+"/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {"x" + bad}, "username": {"a"}, "password": {"b"}}, "", "")
			}},
			{name: "username at /oauth/token", shape: "oauth", field: "username", req: func(bad string) *http.Request {
				return form(base+"/oauth/token", url.Values{"grant_type": {"password"}, "username": {s.demo.AdminEmail + bad}, "password": {"b"}},
					s.demo.ClientID, s.demo.ClientSecret)
			}},
			{name: "client_id in HTTP Basic at /oauth/token", shape: "oauth", field: "Authorization header (user)", req: func(bad string) *http.Request {
				return form(base+"/oauth/token", url.Values{"grant_type": {"client_credentials"}}, s.demo.ClientID+bad, s.demo.ClientSecret)
			}},
			{name: "refresh_token at /oauth/token", shape: "oauth", field: "refresh_token", req: func(bad string) *http.Request {
				return form(base+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"r" + bad}}, s.demo.ClientID, s.demo.ClientSecret)
			}},
			{name: "code at /oauth/token", shape: "oauth", field: "code", req: func(bad string) *http.Request {
				return form(base+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {"c" + bad}, "redirect_uri": {s.demo.RedirectURI}},
					s.demo.ClientID, s.demo.ClientSecret)
			}},
			{name: "token at /oauth/revoke", shape: "oauth", field: "token", req: func(bad string) *http.Request {
				return form(base+"/oauth/revoke", url.Values{"token": {"t" + bad}}, s.demo.ClientID, s.demo.ClientSecret)
			}},
			{name: "bearer at /oauth/token/info", shape: "oauth", field: "Authorization header", noUTF8: false, req: func(bad string) *http.Request {
				return get(base+"/oauth/token/info", "Authorization", "Bearer x"+strings.ReplaceAll(bad, "\x00", "\xfe"))
			}},
			{name: "client_id at /oauth/authorize", shape: "page", req: func(bad string) *http.Request {
				return get(base + "/oauth/authorize?response_type=code&client_id=" + q("x"+bad))
			}},
			{name: "redirect_uri at /oauth/authorize", shape: "page", req: func(bad string) *http.Request {
				return get(strings.Replace(authorize, "redirect_uri=", "redirect_uri="+q(bad), 1))
			}},
			{name: "email on the sign-in form of /oauth/authorize", shape: "page", req: func(bad string) *http.Request {
				return form(authorize, url.Values{"email": {s.demo.AdminEmail + bad}, "password": {"x"}, "csrf_token": {"x"}}, "", "")
			}},
			{name: "email on the console sign-in", shape: "page", req: func(bad string) *http.Request {
				return form(base+"/login", url.Values{"email": {"a" + bad}, "password": {"x"}}, "", "")
			}},
			{name: "console people search", shape: "page", req: func(bad string) *http.Request {
				return get(base + "/people?q=" + q(bad))
			}},
			{name: "people email filter", shape: "json", field: "email", req: func(bad string) *http.Request {
				return withToken(get(base + "/api/3/people?email=" + q("a"+bad+"@x")))
			}},
			{name: "people system_id filter", shape: "json", field: "system_id", req: func(bad string) *http.Request {
				return withToken(get(base + "/api/3/people?system_id=" + q(bad)))
			}},
			{name: "events first_name filter", shape: "json", field: "first_name", req: func(bad string) *http.Request {
				return withToken(get(base + "/api/3/events?first_name=" + q(bad)))
			}},
			{name: "a query parameter's name", shape: "json", field: "parameter name", req: func(bad string) *http.Request {
				return withToken(get(base + "/api/3/people?" + q("x"+bad) + "=1"))
			}},
			{name: "path", shape: "json", field: "path", req: func(bad string) *http.Request {
				return withToken(get(base + "/api/3/people/" + q(bad)))
			}},
			{name: "API key in HTTP Basic", shape: "json", field: "Authorization header (user)", req: func(bad string) *http.Request {
				req := get(base + "/api/3/people")
				req.SetBasicAuth("lk_"+bad, "")
				return req
			}},
			{name: "subscription key header", shape: "json", field: "Ocp-Apim-Subscription-Key header", req: func(bad string) *http.Request {
				return withToken(get(base+"/api/3/people", "Ocp-Apim-Subscription-Key", "k"+strings.ReplaceAll(bad, "\x00", "\xfe")))
			}},
			{name: "person JSON body", shape: "json", field: "first_name", noUTF8: true, req: func(string) *http.Request {
				return jsonBody("POST", base+"/api/3/people", `{"first_name":"Ada\u0000","last_name":"L"}`)
			}},
			{name: "wrapped person JSON body on update", shape: "json", field: "person.last_name", noUTF8: true, req: func(string) *http.Request {
				return jsonBody("PUT", fmt.Sprintf("%s/api/3/people/%d", base, people[0].ID), `{"person":{"last_name":"\u0000"}}`)
			}},
			{name: "JSON body that is not UTF-8", shape: "json", field: "", req: func(string) *http.Request {
				return jsonBody("POST", base+"/api/3/people", "{\"first_name\":\"caf\xe9\",\"last_name\":\"L\"}")
			}},
			{name: "notification rule JSON body", shape: "json", field: "name", noUTF8: true, req: func(string) *http.Request {
				return jsonBody("POST", base+"/api/3/notification_rules", `{"name":"\u0000","call_back_url":"https://93.184.216.34/","match_event_codes":[10]}`)
			}},
		}
		for _, in := range inputs {
			for _, bad := range []string{"\x00", "\xff"} {
				if bad == "\xff" && in.noUTF8 {
					continue // a JSON escape cannot spell a byte that is not UTF-8
				}
				what := fmt.Sprintf("%s with %q", in.name, bad)
				resp, err := noRedirect.Do(in.req(bad))
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: status %d, want 400: %.300s", what, resp.StatusCode, body)
					continue
				}
				switch in.shape {
				case "page":
					if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "not valid") {
						t.Errorf("%s: want an error page, got %s: %.300s", what, resp.Header.Get("Content-Type"), body)
					}
				default:
					var e struct {
						Error       string              `json:"error"`
						Description string              `json:"error_description"`
						Errors      map[string][]string `json:"errors"`
					}
					if err := json.Unmarshal(body, &e); err != nil || e.Description == "" {
						t.Errorf("%s: not the JSON error shape: %s", what, body)
						continue
					}
					want := "bad_request"
					if in.shape == "oauth" {
						want = "invalid_request"
					}
					if e.Error != want || (in.field != "" && len(e.Errors[in.field]) == 0) {
						t.Errorf("%s: %s, want error %q naming %q", what, body, want, in.field)
					}
				}
			}
		}

		// A controller batch with one bad event stores the others.
		batch := wire.EventBatch{Events: []wire.Event{
			{ID: "in-1", ChannelID: doors[0].ID, EventCode: 10, Label: "fine"},
			{ID: "in-2", ChannelID: doors[0].ID, EventCode: 10, Label: "bad\x00"},
			{ID: "in-3", ChannelID: doors[0].ID, EventCode: 12, Label: "fine"},
		}}
		b, _ := json.Marshal(batch)
		req, _ := http.NewRequest("POST", base+"/controller/v1/events", strings.NewReader(string(b)))
		req.Header.Set("Authorization", "Bearer "+deviceSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var res wire.EventResults
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || len(res.Events) != 3 || res.Events[0].Status != "stored" ||
			res.Events[1].Status != "refused" || res.Events[2].Status != "stored" {
			t.Fatalf("controller batch: %d %+v %v", resp.StatusCode, res, err)
		}
		// Nothing above reached the database as bad text, and it still works.
		api.call("GET", "/api/3/people?email="+q(s.demo.AdminEmail), nil).expect(t, "people after", 200)
	})
}

// noRedirect is a client that returns redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
