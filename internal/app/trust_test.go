package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestMobileInvitationsNeedATrustedAccount: issuing a mobile pass sends an
// email, so an unverified account is refused with trust_required, and the
// same request succeeds once the account is verified.
func TestMobileInvitationsNeedATrustedAccount(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		var tok map[string]any
		postForm(t, s.BaseURL()+"/oauth/token", url.Values{
			"grant_type": {"password"}, "username": {s.demo.AdminEmail}, "password": {s.demo.AdminPassword},
			"scope": {"account.person account.credential_type.readonly"},
		}, s.demo.ClientID, s.demo.ClientSecret).expect(t, "token", 200).decode(t, &tok)
		api := &apiClient{t: t, base: s.BaseURL(), http: http.DefaultClient, token: tok["access_token"].(string)}

		var types []map[string]any
		api.call("GET", "/api/3/credential_types", nil).expect(t, "credential types", 200).decode(t, &types)
		mobile := typeID(types, "mobile")
		var person map[string]any
		api.call("POST", "/api/3/people", map[string]any{"first_name": "Mo", "last_name": "Bile", "email": "mo@example.com"}).
			expect(t, "person", 201).decode(t, &person)
		path := fmt.Sprintf("/api/3/people/%v/credentials", person["id"])
		body := map[string]any{"person_credential": map[string]any{"credential_type_id": mobile}}

		acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		acct.Verified = false
		if err := s.Store.UpdateAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
		var e map[string]any
		api.call("POST", path, body).expect(t, "mobile pass on an unverified account", 403).decode(t, &e)
		if e["error"] != "trust_required" {
			t.Fatalf("error %v, want trust_required", e)
		}
		acct.Verified = true
		if err := s.Store.UpdateAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
		api.call("POST", path, body).expect(t, "mobile pass on a verified account", 201)
	})
}
