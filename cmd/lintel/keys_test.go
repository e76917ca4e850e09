package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/gateway"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// dbFlags returns the flags that point the CLI at a test backend.
func dbFlags(b storetest.Backend) []string {
	if b.Name == "sqlite" {
		return []string{"--data-dir", filepath.Dir(b.DSN)}
	}
	return []string{"--database-url", b.DSN}
}

// must runs a command that must succeed and returns its stdout.
func must(t *testing.T, db []string, args ...string) string {
	t.Helper()
	code, out, errOut := lintel(t, append(args, db...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	return out
}

func TestGatewayCommands(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := dbFlags(b)
			ctx := context.Background()
			must(t, db, "accounts", "create", "--name", "Gate Co")
			must(t, db, "users", "create", "--account", "1", "--email", "ops@gate.example")

			// keys create prints the key once; only its digest is stored.
			var created struct {
				ID     int64    `json:"id"`
				Key    string   `json:"key"`
				Scopes []string `json:"scopes"`
				UserID int64    `json:"user_id"`
			}
			out := must(t, db, "keys", "create", "--user", "ops@gate.example", "--account", "1", "--name", "sync", "--scopes", "account.person account.sync", "--json")
			if err := json.Unmarshal([]byte(out), &created); err != nil || !strings.HasPrefix(created.Key, gateway.APIKeyPrefix) || len(created.Scopes) != 2 || created.UserID != 1 {
				t.Fatalf("keys create: %q %v", out, err)
			}
			out = must(t, db, "keys", "create", "--user", "1", "--name", "text", "--scopes", "account.person.readonly")
			if !strings.Contains(out, "shown once") || !strings.Contains(out, "curl -u lk_") {
				t.Fatalf("keys create text: %q", out)
			}
			out = must(t, db, "keys", "list", "--account", "1")
			if strings.Contains(out, created.Key) || !strings.Contains(out, created.Key[:11]) || strings.Count(out, "active") != 2 {
				t.Fatalf("keys list shows the key or misses rows: %q", out)
			}
			must(t, db, "keys", "revoke", "--id", "1")
			st, err := store.Open(ctx, b.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			k, err := st.GetAPIKeyByDigest(ctx, gateway.Digest(created.Key))
			if err != nil || k.RevokedAt == nil {
				t.Fatalf("revoked key: %+v %v", k, err)
			}

			// subscriptions
			out = must(t, db, "subscriptions", "enable", "--account", "1")
			if !strings.Contains(out, "no active key") {
				t.Fatalf("enable: %q", out)
			}
			var sub struct {
				ID  int64  `json:"id"`
				Key string `json:"key"`
			}
			out = must(t, db, "subscriptions", "create", "--account", "1", "--name", "Acme integration", "--json")
			if err := json.Unmarshal([]byte(out), &sub); err != nil || len(sub.Key) != 32 {
				t.Fatalf("subscriptions create: %q %v", out, err)
			}
			if ids, _ := st.SubscriptionRequiredAccounts(ctx); len(ids) != 1 {
				t.Fatalf("required accounts %v", ids)
			}
			out = must(t, db, "subscriptions", "list")
			if !strings.Contains(out, "Acme integration") || strings.Contains(out, sub.Key) || !strings.Contains(out, "require a subscription key: [1]") {
				t.Fatalf("subscriptions list: %q", out)
			}
			must(t, db, "subscriptions", "revoke", "--id", "1")
			must(t, db, "subscriptions", "disable", "--account", "1")
			if ids, _ := st.SubscriptionRequiredAccounts(ctx); len(ids) != 0 {
				t.Fatalf("still required: %v", ids)
			}

			// allow-lists and the trust gate
			out = must(t, db, "allow", "--account", "1", "--family", domain.FamilyMobileCredentials)
			if !strings.Contains(out, "lintel verify") {
				t.Fatalf("allow on an unverified account: %q", out)
			}
			must(t, db, "allow", "--account", "1", "--user", "ops@gate.example", "--family", domain.FamilyMobileCredentials)
			if ok, _ := st.FamilyAllowed(ctx, 1, 0, domain.FamilyMobileCredentials); !ok {
				t.Fatal("account not allowed")
			}
			out = must(t, db, "allow", "--account", "1")
			if !strings.Contains(out, "(everyone)") || strings.Count(out, domain.FamilyMobileCredentials) != 2 {
				t.Fatalf("allow list: %q", out)
			}
			must(t, db, "allow", "--account", "1", "--family", domain.FamilyMobileCredentials, "--remove")
			if ok, _ := st.FamilyAllowed(ctx, 1, 0, domain.FamilyMobileCredentials); ok {
				t.Fatal("account still allowed")
			}
			must(t, db, "verify", "--account", "1")
			if a, _ := st.GetAccount(ctx, 1); !a.Verified {
				t.Fatal("not verified")
			}
			must(t, db, "verify", "--account", "1", "--undo")
			if a, _ := st.GetAccount(ctx, 1); a.Verified {
				t.Fatal("still verified")
			}

			// Mistakes exit 2 (usage) or 1 (not found), with a message.
			for _, c := range []struct {
				code int
				args []string
			}{
				{2, []string{"keys", "create", "--user", "1", "--name", "x"}},
				{2, []string{"keys", "create", "--user", "1", "--name", "x", "--scopes", "account.everything"}},
				{2, []string{"keys", "create", "--user", "1", "--scopes", "account.person"}},
				{1, []string{"keys", "create", "--user", "nobody@gate.example", "--name", "x", "--scopes", "account.person"}},
				{2, []string{"keys", "revoke"}},
				{1, []string{"keys", "revoke", "--id", "999"}},
				{2, []string{"subscriptions", "create", "--account", "1"}},
				{1, []string{"subscriptions", "enable", "--account", "999"}},
				{2, []string{"allow", "--account", "1", "--family", "everything"}},
				{2, []string{"allow", "--family", domain.FamilyMobileCredentials}},
				{2, []string{"allow", "--remove"}},
				{1, []string{"allow", "--account", "1", "--family", domain.FamilyMobileCredentials, "--remove"}},
				{2, []string{"verify"}},
			} {
				code, _, errOut := lintel(t, append(c.args, db...)...)
				if code != c.code || errOut == "" {
					t.Errorf("%v: exit %d (want %d), stderr %q", c.args, code, c.code, errOut)
				}
			}
		})
	}
}

func TestGatewayCommandsHelp(t *testing.T) {
	for _, args := range [][]string{
		{"keys", "--help"}, {"keys", "create", "--help"}, {"keys", "list", "--help"}, {"keys", "revoke", "--help"},
		{"subscriptions", "--help"}, {"subscriptions", "enable", "--help"}, {"subscriptions", "create", "--help"},
		{"subscriptions", "list", "--help"}, {"allow", "--help"}, {"verify", "--help"},
	} {
		code, out, errOut := lintel(t, args...)
		if code != 0 || !strings.Contains(out, "Usage: lintel") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
