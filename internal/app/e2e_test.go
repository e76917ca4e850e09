package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/lintel-dev/lintel/internal/password"
)

func TestMain(m *testing.M) {
	password.UseCheap()
	m.Run()
}

func oauthConfig(s *server, style oauth2.AuthStyle, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     s.demo.ClientID,
		ClientSecret: s.demo.ClientSecret,
		RedirectURL:  s.demo.RedirectURI,
		Scopes:       scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   s.BaseURL() + "/oauth/authorize",
			TokenURL:  s.BaseURL() + "/oauth/token",
			AuthStyle: style,
		},
	}
}

// TestQuickstart follows the DoorFlow quickstart: authorize in a browser,
// exchange the code with a form POST, then discover the account, create a
// person, issue a card and a generated PIN, query events and create a
// group reservation.
func TestQuickstart(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		conf := oauthConfig(s, oauth2.AuthStyleInParams, s.demo.Scopes...)
		q := authorize(t, s, conf.AuthCodeURL("qs-state-123"))
		if q.Get("state") != "qs-state-123" || q.Get("code") == "" {
			t.Fatalf("redirect query %v", q)
		}
		tok, err := conf.Exchange(ctx, q.Get("code"))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		if tok.TokenType != "Bearer" || tok.RefreshToken == "" || tok.Extra("created_at") == nil || tok.Extra("scope") == nil {
			t.Fatalf("token response lacks fields: %+v scope=%v created_at=%v", tok, tok.Extra("scope"), tok.Extra("created_at"))
		}
		if exp := time.Until(tok.Expiry); exp < 3500*time.Second || exp > 3700*time.Second {
			t.Errorf("access token lives %v, want about an hour", exp)
		}

		c := &apiClient{t: t, base: s.BaseURL(), http: http.DefaultClient, token: tok.AccessToken}
		var account map[string]any
		c.call("GET", "/api/3/account", nil).expect(t, "account", 200).decode(t, &account)
		if account["name"] != "CoWork HQ" || account["id"] != s.demo.AccountID {
			t.Fatalf("account: %v", account)
		}

		var channels []map[string]any
		c.call("GET", "/api/3/channels", nil).expect(t, "channels", 200).decode(t, &channels)
		if len(channels) < 2 {
			t.Fatalf("want the demo doors, got %d", len(channels))
		}
		var types []map[string]any
		c.call("GET", "/api/3/credential_types", nil).expect(t, "credential types", 200).decode(t, &types)
		card, pin := typeID(types, "card"), typeID(types, "pin")
		if card == 0 || pin == 0 {
			t.Fatalf("credential types lack a card or a PIN type: %v", types)
		}
		var groups []map[string]any
		c.call("GET", "/api/3/groups", nil).expect(t, "groups", 200).decode(t, &groups)
		if len(groups) < 3 {
			t.Fatalf("want the demo groups, got %v", groups)
		}
		groupID := int64(groups[0]["id"].(float64))

		var person map[string]any
		c.call("POST", "/api/3/people", map[string]any{
			"first_name": "Jane", "last_name": "Doe", "email": "jane.doe@example.com", "enabled": true, "group_ids": []int64{groupID},
		}).expect(t, "create person", 201).decode(t, &person)
		personID := int64(person["id"].(float64))
		if gs, _ := person["groups"].([]any); len(gs) != 1 || fmt.Sprint(gs[0]) != fmt.Sprint(groupID) {
			t.Errorf("person groups = %v, want [%d]: %v", person["groups"], groupID, person)
		}

		var cred map[string]any
		c.call("POST", fmt.Sprintf("/api/3/people/%d/credentials", personID), map[string]any{
			"person_credential": map[string]any{"credential_type_id": card, "value": "1234567890", "enabled": true},
		}).expect(t, "issue card", 201).decode(t, &cred)
		if cred["value"] != "1234567890" {
			t.Errorf("card credential: %v", cred)
		}
		// The same card number again is a conflict.
		c.call("POST", fmt.Sprintf("/api/3/people/%d/credentials", personID), map[string]any{
			"person_credential": map[string]any{"credential_type_id": card, "value": "1234567890"},
		}).expect(t, "duplicate card", 409)

		c.call("POST", fmt.Sprintf("/api/3/people/%d/credentials", personID), map[string]any{
			"person_credential": map[string]any{"credential_type_id": pin, "value": "******", "enabled": true},
		}).expect(t, "generated PIN", 201).decode(t, &cred)
		if v, _ := cred["value"].(string); !regexp.MustCompile(`^[0-9]{4,8}$`).MatchString(v) {
			t.Errorf("generated PIN %q is not 4-8 digits", v)
		}

		var events []map[string]any
		c.call("GET", "/api/3/events?last_name=Doe", nil).expect(t, "events", 200).decode(t, &events)
		for _, e := range events {
			if name, _ := e["person_name"].(string); !strings.HasSuffix(name, "Doe") {
				t.Errorf("event for %q returned by last_name=Doe", name)
			}
		}
		c.call("GET", "/api/3/events?since_utc="+url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)), nil).expect(t, "events since", 200)

		today := time.Now().UTC().Truncate(24 * time.Hour)
		var res map[string]any
		c.call("POST", "/api/3/group_reservations", map[string]any{
			"person_id": personID, "channel_ids": []any{channels[0]["id"]},
			"start_time": today.Add(9 * time.Hour).Format(time.RFC3339), "end_time": today.Add(17 * time.Hour).Format(time.RFC3339),
			"group_ids": []int64{groupID},
		}).expect(t, "group reservation", 201).decode(t, &res)
		if res["id"] == nil || res["person_id"] == nil {
			t.Errorf("group reservation: %v", res)
		}

		// The code works once; presenting it again also revokes what it issued.
		if _, err := conf.Exchange(ctx, q.Get("code")); err == nil {
			t.Fatal("an authorization code was accepted twice")
		}
		c.call("GET", "/api/3/account", nil).expect(t, "token of a replayed code", 401)

		// What the quickstart's troubleshooting section promises.
		bad := &apiClient{t: t, base: s.BaseURL(), http: http.DefaultClient, token: "not-a-token"}
		var e map[string]any
		bad.call("GET", "/api/3/account", nil).expect(t, "bad token", 401).decode(t, &e)
		if e["error"] == nil || e["error_description"] == nil {
			t.Errorf("401 body %v", e)
		}
	})
}

func typeID(types []map[string]any, kind string) int64 {
	for _, ct := range types {
		slug := strings.ToLower(fmt.Sprint(ct["label"]))
		if strings.Contains(slug, kind) {
			return int64(ct["id"].(float64))
		}
	}
	return 0
}

// TestDoorBirdFlow is the authorization-code flow as DoorBird documents it:
// a short state, client credentials as form fields, refresh, then revoke.
func TestDoorBirdFlow(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *server) {
		base := s.BaseURL()
		authURL := base + "/oauth/authorize?" + url.Values{
			"response_type": {"code"}, "client_id": {s.demo.ClientID}, "scope": {"account.person.readonly"},
			"state": {"mystate"}, "redirect_uri": {s.demo.RedirectURI},
		}.Encode()
		q := authorize(t, s, authURL)
		if q.Get("state") != "mystate" {
			t.Fatalf("state %q", q.Get("state"))
		}
		var tok map[string]any
		postForm(t, base+"/oauth/token", url.Values{
			"grant_type": {"authorization_code"}, "client_id": {s.demo.ClientID}, "client_secret": {s.demo.ClientSecret},
			"code": {q.Get("code")}, "redirect_uri": {s.demo.RedirectURI},
		}, "", "").expect(t, "token", 200).decode(t, &tok)
		if tok["token_type"] != "Bearer" || tok["expires_in"] != float64(3600) || tok["scope"] != "account.person.readonly" || tok["refresh_token"] == nil {
			t.Fatalf("token response %v", tok)
		}
		api := &apiClient{t: t, base: base, http: http.DefaultClient, token: tok["access_token"].(string)}
		api.call("GET", "/api/3/people", nil).expect(t, "people with first token", 200)
		// Scope is enforced: this token may not create people.
		api.call("POST", "/api/3/people", map[string]any{"first_name": "No"}).expect(t, "write without scope", 403)

		var refreshed map[string]any
		postForm(t, base+"/oauth/token", url.Values{
			"grant_type": {"refresh_token"}, "client_id": {s.demo.ClientID}, "client_secret": {s.demo.ClientSecret},
			"refresh_token": {tok["refresh_token"].(string)},
		}, "", "").expect(t, "refresh", 200).decode(t, &refreshed)
		if refreshed["access_token"] == tok["access_token"] || refreshed["refresh_token"] == nil || refreshed["scope"] != "account.person.readonly" {
			t.Fatalf("refresh response %v", refreshed)
		}
		api.token = refreshed["access_token"].(string)
		api.call("GET", "/api/3/people", nil).expect(t, "people with refreshed token", 200)

		// Disconnect: revoke the access token with form client credentials.
		var out map[string]any
		postForm(t, base+"/oauth/revoke", url.Values{
			"client_id": {s.demo.ClientID}, "client_secret": {s.demo.ClientSecret}, "token": {api.token},
		}, "", "").expect(t, "revoke", 200).decode(t, &out)
		api.call("GET", "/api/3/people", nil).expect(t, "people after revoke", 401)
		// Revoking something unknown is not an error (RFC 7009).
		postForm(t, base+"/oauth/revoke", url.Values{"token": {"unknown"}}, s.demo.ClientID, s.demo.ClientSecret).expect(t, "revoke unknown", 200)
	})
}

// TestQflowPasswordFlow is the password grant as Qflow documents it:
// "pin/email" usernames and single-use refresh tokens that rotate.
func TestQflowPasswordFlow(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if acct.EnterprisePIN == "" {
			acct.EnterprisePIN = "4711"
			if err := s.Store.UpdateAccount(ctx, acct); err != nil {
				t.Fatal(err)
			}
		}
		base := s.BaseURL()
		grant := func(username, pw string) *response {
			return postForm(t, base+"/oauth/token", url.Values{
				"grant_type": {"password"}, "client_id": {s.demo.ClientID}, "client_secret": {s.demo.ClientSecret},
				"scope": {"account.person account.event.access.readonly"}, "username": {username}, "password": {pw},
			}, "", "")
		}
		var tok map[string]any
		grant(acct.EnterprisePIN+"/"+s.demo.AdminEmail, s.demo.AdminPassword).expect(t, "pin/email", 200).decode(t, &tok)
		if tok["access_token"] == nil || tok["refresh_token"] == nil || tok["expires_in"] != float64(3600) {
			t.Fatalf("token %v", tok)
		}
		grant(s.demo.AdminEmail, s.demo.AdminPassword).expect(t, "bare email", 200)
		grant(acct.EnterprisePIN+"/"+s.demo.AdminEmail, "wrong-password").expect(t, "wrong password", 400)
		grant("0000/"+s.demo.AdminEmail, s.demo.AdminPassword).expect(t, "wrong pin", 400)

		api := &apiClient{t: t, base: base, http: http.DefaultClient, token: tok["access_token"].(string)}
		api.call("GET", "/api/3/events", nil).expect(t, "events", 200)

		refresh := func(rt string) *response {
			return postForm(t, base+"/oauth/token", url.Values{
				"grant_type": {"refresh_token"}, "client_id": {s.demo.ClientID}, "client_secret": {s.demo.ClientSecret}, "refresh_token": {rt},
			}, "", "")
		}
		first := tok["refresh_token"].(string)
		var next map[string]any
		refresh(first).expect(t, "first refresh", 200).decode(t, &next)
		second := next["refresh_token"].(string)
		if second == first {
			t.Fatal("refresh token did not rotate")
		}
		// Presented again at once (two workers sharing a token file), the
		// old refresh token gets the same pair: the grace window.
		var again map[string]any
		refresh(first).expect(t, "refresh within the grace window", 200).decode(t, &again)
		if again["refresh_token"] != second || again["access_token"] != next["access_token"] {
			t.Fatalf("the grace window answered another pair: %v", again)
		}
		var last map[string]any
		refresh(second).expect(t, "second refresh", 200).decode(t, &last)
		// Once its successor has been used in turn, the old refresh token
		// is stale: presenting it revokes the chain, the newer tokens too.
		refresh(first).expect(t, "reused refresh token", 400)
		refresh(last["refresh_token"].(string)).expect(t, "refresh after reuse", 400)
		api.token = last["access_token"].(string)
		api.call("GET", "/api/3/events", nil).expect(t, "access token of a revoked chain", 401)
	})
}
