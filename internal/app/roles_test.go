package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/apispec"
	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/gateway"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
)

// specOperation is one API operation of the OpenAPI document and the
// scopes that allow it: any one of the alternatives, each a list of
// scopes that must all be held.
type specOperation struct {
	method, path string
	alternatives [][]string
	apiKey       bool // personal API keys may call it too
}

// apiOperations lists every operation of the document that an OAuth token
// may call.
func apiOperations(t *testing.T) []specOperation {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(apispec.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	var out []specOperation
	for path, item := range doc.Paths {
		for method, raw := range item {
			var op struct {
				Security []map[string][]string `json:"security"`
			}
			if json.Unmarshal(raw, &op) != nil {
				continue
			}
			o := specOperation{method: strings.ToUpper(method), path: path}
			for _, req := range op.Security {
				if scopes, ok := req["OAuth2"]; ok {
					o.alternatives = append(o.alternatives, scopes)
				}
				if _, ok := req["personalApiKey"]; ok {
					o.apiKey = true
				}
			}
			if len(o.alternatives) > 0 {
				out = append(out, o)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

// roleAllows is what the operation should answer a role: allowed when one
// alternative's scopes are all allowed by the role.
func roleAllows(role domain.OperatorRole, o specOperation) bool {
	for _, alt := range o.alternatives {
		ok := true
		for _, s := range alt {
			ok = ok && role.AllowsScope(s)
		}
		if ok {
			return true
		}
	}
	return false
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestRolesBoundEveryOperation walks every API operation of the OpenAPI
// document with an OAuth token and a personal API key of an operator of
// each role, both carrying every scope: an operation the role does not
// allow answers 403, one it allows anything but 401 or 403. Then it lowers
// a role and disables an operator, and checks that their existing token
// and key lose what they may no longer do at once.
func TestRolesBoundEveryOperation(t *testing.T) {
	ops := apiOperations(t)
	if len(ops) < 40 {
		t.Fatalf("only %d operations found in the document", len(ops))
	}
	eachBackend(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		all := authz.AllScopes()
		app, secret, err := oauth.CreateApp(ctx, s.Store, oauth.NewApp{AccountID: acct.ID, Name: "Roles", RedirectURIs: []string{"https://roles.example/cb"},
			Scopes: all, State: domain.AppLive, PasswordGrant: true, AdmitApproved: true})
		if err != nil {
			t.Fatal(err)
		}
		hash, _ := password.Hash("correct horse battery")
		type creds struct{ token, key string }
		byRole := map[domain.OperatorRole]creds{}
		users := map[domain.OperatorRole]*domain.User{}
		for _, role := range domain.OperatorRoles {
			u := &domain.User{AccountID: acct.ID, Email: string(role) + "@roles.example", PasswordHash: hash, Role: role}
			if err := s.Store.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			users[role] = u
			resp := postForm(t, s.BaseURL()+"/oauth/token", url.Values{"grant_type": {"password"}, "username": {u.Email},
				"password": {"correct horse battery"}, "scope": {all.String()}}, app.UID, secret)
			resp.expect(t, "password grant for "+string(role), http.StatusOK)
			var tok struct {
				AccessToken string `json:"access_token"`
				Scope       string `json:"scope"`
			}
			resp.decode(t, &tok)
			// The token carries no more than the role allows.
			for sc := range domain.ParseScopes(tok.Scope) {
				if !role.AllowsScope(sc) {
					t.Errorf("%s was issued %s", role, sc)
				}
			}
			_, key, err := gateway.CreateAPIKey(ctx, s.Store, gateway.NewAPIKey{AccountID: acct.ID, UserID: u.ID, Name: "all", Scopes: all}, nil)
			if err != nil {
				t.Fatal(err)
			}
			byRole[role] = creds{tok.AccessToken, key}
		}
		call := func(method, path string, c creds, viaKey bool) int {
			req, _ := http.NewRequest(method, s.BaseURL()+pathParam.ReplaceAllString(path, "999999"), strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			if viaKey {
				req.SetBasicAuth(c.key, "x")
			} else {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		for _, o := range ops {
			for _, role := range domain.OperatorRoles {
				for _, viaKey := range []bool{false, true} {
					if viaKey && !o.apiKey {
						continue
					}
					got := call(o.method, o.path, byRole[role], viaKey)
					want := roleAllows(role, o)
					if want && (got == http.StatusForbidden || got == http.StatusUnauthorized) {
						t.Errorf("%s %s as %s (key %v): %d, want it allowed", o.method, o.path, role, viaKey, got)
					}
					if !want && got != http.StatusForbidden {
						t.Errorf("%s %s as %s (key %v): %d, want 403", o.method, o.path, role, viaKey, got)
					}
				}
			}
		}
		t.Logf("%d operations × %d roles × 2 credentials checked", len(ops), len(domain.OperatorRoles))

		// Lowering a role bounds the existing token and key at once.
		op := byRole[domain.RoleOperator]
		if got := call("POST", "/api/3/people", op, false); got == http.StatusForbidden {
			t.Fatalf("operator may not create people: %d", got)
		}
		viewer := domain.RoleViewer
		if _, err := s.Store.UpdateUser(ctx, acct.ID, users[domain.RoleOperator].ID, storeUpdateRole(viewer)); err != nil {
			t.Fatal(err)
		}
		for _, viaKey := range []bool{false, true} {
			if got := call("POST", "/api/3/people", op, viaKey); got != http.StatusForbidden {
				t.Errorf("after lowering to viewer (key %v): create person %d, want 403", viaKey, got)
			}
			if got := call("GET", "/api/3/people", op, viaKey); got != http.StatusOK {
				t.Errorf("after lowering to viewer (key %v): list people %d, want 200", viaKey, got)
			}
		}

		// Disabling ends the token and the key at once.
		adm := byRole[domain.RoleAdmin]
		if err := s.Store.DisableUser(ctx, acct.ID, users[domain.RoleAdmin].ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, viaKey := range []bool{false, true} {
			if got := call("GET", "/api/3/people", adm, viaKey); got != http.StatusUnauthorized {
				t.Errorf("disabled admin (key %v): %d, want 401", viaKey, got)
			}
		}
		// And the password grant refuses them.
		resp := postForm(t, s.BaseURL()+"/oauth/token", url.Values{"grant_type": {"password"}, "username": {users[domain.RoleAdmin].Email},
			"password": {"correct horse battery"}}, app.UID, secret)
		resp.expect(t, "password grant for a disabled operator", http.StatusBadRequest)
	})
}

func storeUpdateRole(r domain.OperatorRole) store.UserUpdate { return store.UserUpdate{Role: &r} }
