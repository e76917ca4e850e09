package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestOperatorRolesMigration: the admin flag becomes roles: the account's
// first administrator is its owner, other administrators admins, everyone
// else operator.
func TestOperatorRolesMigration(t *testing.T) {
	ctx := context.Background()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s, err := store.Open(ctx, b.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.MigrateTo(ctx, 16); err != nil {
				t.Fatal(err)
			}
			acct := &domain.Account{Name: "A", TimeZone: "UTC"}
			if err := s.CreateAccount(ctx, acct); err != nil {
				t.Fatal(err)
			}
			other := &domain.Account{Name: "B", TimeZone: "UTC"}
			if err := s.CreateAccount(ctx, other); err != nil {
				t.Fatal(err)
			}
			// Rows as an older Lintel wrote them (no role column yet).
			for _, r := range []struct {
				acct  int64
				email string
				admin bool
			}{{acct.ID, "plain@a", false}, {acct.ID, "first@a", true}, {acct.ID, "second@a", true}, {other.ID, "only@b", false}} {
				if err := s.ExecForTest(ctx, `INSERT INTO users (account_id, email, password_hash, admin, password_changed_at, created_at, updated_at)
					VALUES (?, ?, 'x', ?, 0, 0, 0)`, r.acct, r.email, r.admin); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			want := map[string]domain.OperatorRole{"plain@a": domain.RoleOperator, "first@a": domain.RoleOwner, "second@a": domain.RoleAdmin}
			users, err := s.ListUsers(ctx, acct.ID)
			if err != nil || len(users) != 3 {
				t.Fatalf("users %v %v", users, err)
			}
			for _, u := range users {
				if u.Role != want[u.Email] || u.Disabled || u.TOTPEnabled {
					t.Errorf("%s: role %q (want %q), disabled %v", u.Email, u.Role, want[u.Email], u.Disabled)
				}
			}
			if bs, _ := s.ListUsers(ctx, other.ID); len(bs) != 1 || bs[0].Role != domain.RoleOperator {
				t.Errorf("account without admins: %+v", bs[0])
			}
		})
	}
}

func TestOperatorLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		acct := &domain.Account{Name: "A", TimeZone: "UTC"}
		if err := s.CreateAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
		owner := &domain.User{AccountID: acct.ID, Email: "Owner@A.example", PasswordHash: "h", Role: domain.RoleOwner}
		op := &domain.User{AccountID: acct.ID, Email: "op@a.example", PasswordHash: "h"}
		legacy := &domain.User{AccountID: acct.ID, Email: "adm@a.example", PasswordHash: "h", Admin: true}
		for _, u := range []*domain.User{owner, op, legacy} {
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		if op.Role != domain.RoleOperator || legacy.Role != domain.RoleAdmin {
			t.Fatalf("default roles: %q %q", op.Role, legacy.Role)
		}
		if err := s.CreateUser(ctx, &domain.User{AccountID: acct.ID, Email: "x@a", Role: "root"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("unknown role: %v", err)
		}

		// Update name and role.
		name, viewer := "  Vic ", domain.RoleViewer
		u, err := s.UpdateUser(ctx, acct.ID, op.ID, store.UserUpdate{FirstName: &name, Role: &viewer})
		if err != nil || u.FirstName != "Vic" || u.Role != domain.RoleViewer || u.Admin {
			t.Fatalf("update: %+v %v", u, err)
		}
		bad := domain.OperatorRole("root")
		if _, err := s.UpdateUser(ctx, acct.ID, op.ID, store.UserUpdate{Role: &bad}); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("bad role: %v", err)
		}
		if _, err := s.UpdateUser(ctx, acct.ID+1000, op.ID, store.UserUpdate{FirstName: &name}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("other account: %v", err)
		}
		// The last owner can be neither demoted nor disabled.
		admin := domain.RoleAdmin
		if _, err := s.UpdateUser(ctx, acct.ID, owner.ID, store.UserUpdate{Role: &admin}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("demote last owner: %v", err)
		}
		now := time.UnixMilli(1_750_000_000_000).UTC()
		if err := s.DisableUser(ctx, acct.ID, owner.ID, now); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("disable last owner: %v", err)
		}

		// Disabling ends sessions, token families, grants, keys and links at once.
		app := &domain.OAuthApp{AccountID: acct.ID, Name: "App", UID: "cid", State: domain.AppLive, RedirectURIs: []string{"https://x.example/cb"},
			Scopes: domain.NewScopeSet("account.person")}
		if err := s.CreateOAuthApp(ctx, app); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, &store.Session{Digest: "sess", UserID: legacy.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		f := &store.OAuthFamily{AppID: app.ID, AccountID: acct.ID, UserID: legacy.ID, Scopes: app.Scopes, CreatedAt: now}
		if err := s.CreateOAuthFamily(ctx, f); err != nil {
			t.Fatal(err)
		}
		exp := now.Add(time.Hour)
		if err := s.CreateOAuthToken(ctx, &store.OAuthToken{FamilyID: f.ID, Kind: store.TokenAccess, Digest: "tok", Scopes: app.Scopes, CreatedAt: now, ExpiresAt: &exp}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveOAuthGrant(ctx, &store.OAuthGrant{AppID: app.ID, AccountID: acct.ID, UserID: legacy.ID, Scopes: app.Scopes}); err != nil {
			t.Fatal(err)
		}
		key := &store.APIKey{AccountID: acct.ID, UserID: legacy.ID, Name: "k", Prefix: "lk_x", Digest: "keydigest", Scopes: app.Scopes, CreatedAt: now}
		if err := s.CreateAPIKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		link := &store.OperatorLink{Digest: "link1", Kind: store.LinkReset, AccountID: acct.ID, UserID: legacy.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateOperatorLink(ctx, link); err != nil {
			t.Fatal(err)
		}
		if err := s.DisableUser(ctx, acct.ID, legacy.ID, now); err != nil {
			t.Fatal(err)
		}
		if err := s.DisableUser(ctx, acct.ID, legacy.ID, now.Add(time.Minute)); err != nil {
			t.Errorf("disable twice: %v", err)
		}
		if _, err := s.GetSession(ctx, "sess", now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("session survived: %v", err)
		}
		rec, err := s.GetOAuthTokenRecord(ctx, "tok")
		if err != nil || rec.Family.RevokedAt == nil || !rec.UserDisabled || rec.UserRole != domain.RoleAdmin || rec.UserEmail != "adm@a.example" {
			t.Errorf("token record after disable: %+v %v", rec, err)
		}
		if _, err := s.GetOAuthGrant(ctx, app.ID, legacy.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("grant survived: %v", err)
		}
		if k, err := s.GetAPIKeyByDigest(ctx, "keydigest"); err != nil || k.RevokedAt == nil || !k.UserDisabled || k.UserRole != domain.RoleAdmin {
			t.Errorf("key after disable: %+v %v", k, err)
		}
		if _, err := s.GetOperatorLink(ctx, "link1", store.LinkReset, now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("link survived: %v", err)
		}
		got, _ := s.GetUser(ctx, legacy.ID)
		if !got.Disabled || got.DisabledAt == nil || !got.DisabledAt.Equal(now) {
			t.Errorf("disabled user: %+v", got)
		}
		if err := s.EnableUser(ctx, acct.ID, legacy.ID, now); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetUser(ctx, legacy.ID); got.Disabled {
			t.Error("still disabled")
		}
		if err := s.EnableUser(ctx, acct.ID, 99999, now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("enable unknown: %v", err)
		}

		// A link works once, until it expires; only the newest of a kind counts.
		l1 := &store.OperatorLink{Digest: "r1", Kind: store.LinkReset, AccountID: acct.ID, UserID: op.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		l2 := &store.OperatorLink{Digest: "r2", Kind: store.LinkReset, AccountID: acct.ID, UserID: op.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		for _, l := range []*store.OperatorLink{l1, l2} {
			if err := s.CreateOperatorLink(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.UseOperatorLink(ctx, "r1", store.LinkReset, "h2", now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("superseded link: %v", err)
		}
		if _, err := s.UseOperatorLink(ctx, "r2", store.LinkInvite, "h2", now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("wrong kind: %v", err)
		}
		if _, err := s.UseOperatorLink(ctx, "r2", store.LinkReset, "h2", now.Add(2*time.Hour)); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("expired link: %v", err)
		}
		if err := s.CreateSession(ctx, &store.Session{Digest: "opsess", UserID: op.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		u, err = s.UseOperatorLink(ctx, "r2", store.LinkReset, "h2", now.Add(time.Minute))
		if err != nil || u.PasswordHash != "h2" || u.ID != op.ID {
			t.Fatalf("use link: %+v %v", u, err)
		}
		if _, err := s.GetSession(ctx, "opsess", now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("a reset left a session: %v", err)
		}
		if _, err := s.UseOperatorLink(ctx, "r2", store.LinkReset, "h3", now.Add(time.Minute)); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("link used twice: %v", err)
		}
		if err := s.CreateOperatorLink(ctx, &store.OperatorLink{Digest: "z", Kind: "other", AccountID: acct.ID, UserID: op.ID}); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("bad kind: %v", err)
		}

		// TOTP: start, confirm with a step, steps work once, clear.
		if err := s.StartUserTOTP(ctx, op.ID, "sealed1"); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.UseTOTPStep(ctx, op.ID, 100, true, now); !ok || err != nil {
			t.Fatalf("confirm: %v %v", ok, err)
		}
		if ok, _ := s.UseTOTPStep(ctx, op.ID, 100, false, now); ok {
			t.Error("a step was accepted twice")
		}
		if ok, _ := s.UseTOTPStep(ctx, op.ID, 101, false, now); !ok {
			t.Error("the next step was refused")
		}
		if err := s.StartUserTOTP(ctx, op.ID, "sealed2"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("restart while enabled: %v", err)
		}
		if tt, err := s.GetUserTOTP(ctx, op.ID); err != nil || tt.Sealed != "sealed1" || tt.EnabledAt == nil || tt.LastStep != 101 {
			t.Errorf("totp: %+v %v", tt, err)
		}
		if got, _ := s.GetUser(ctx, op.ID); !got.TOTPEnabled {
			t.Error("TOTPEnabled not set")
		}
		if err := s.ClearUserTOTP(ctx, op.ID, now); err != nil {
			t.Fatal(err)
		}
		if tt, _ := s.GetUserTOTP(ctx, op.ID); tt.Sealed != "" || tt.EnabledAt != nil {
			t.Errorf("after clear: %+v", tt)
		}

		// Password change ends every session.
		if err := s.CreateSession(ctx, &store.Session{Digest: "s2", UserID: owner.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := s.ChangeUserPassword(ctx, owner.ID, "new", now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSession(ctx, "s2", now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("session survived a password change: %v", err)
		}
		if err := s.ChangeUserPassword(ctx, 99999, "new", now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("unknown user: %v", err)
		}
	})
}
