package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// oauthFixture creates an account, a user and an app.
func oauthFixture(t *testing.T, s *store.Store) (*domain.Account, *domain.User, *domain.OAuthApp) {
	t.Helper()
	ctx := context.Background()
	a := &domain.Account{Name: "Acme", TimeZone: "UTC"}
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	u := &domain.User{AccountID: a.ID, Email: "ops@acme.test", PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	app := &domain.OAuthApp{AccountID: a.ID, Name: "Door sync", SecretDigest: "d1",
		RedirectURIs: []string{"https://app.test/cb", "http://127.0.0.1/cb"},
		Scopes:       domain.NewScopeSet("account.person", "account.channel.readonly"), RequirePKCE: true}
	if err := s.CreateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	return a, u, app
}

func TestOAuthApps(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, _, app := oauthFixture(t, s)
		if app.ID == 0 || len(app.UID) != 20 || app.State != domain.AppTesting {
			t.Fatalf("not assigned: %+v", app)
		}
		got, err := s.GetOAuthAppByUID(ctx, app.UID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Door sync" || len(got.RedirectURIs) != 2 || got.RedirectURIs[1] != "http://127.0.0.1/cb" ||
			!got.Scopes.Has("account.person.readonly") || !got.RequirePKCE || got.PasswordGrant || got.SecretDigest != "d1" {
			t.Fatalf("round trip: %+v", got)
		}
		got.State, got.AdmitApproved = domain.AppSuspended, true
		got.Scopes = domain.NewScopeSet("account.channel.admit")
		if err := s.UpdateOAuthApp(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := s.GetOAuthApp(ctx, app.ID)
		if err != nil || again.State != domain.AppSuspended || !again.AdmitApproved || again.Scopes.String() != "account.channel.admit" {
			t.Fatalf("update: %+v %v", again, err)
		}
		list, err := s.ListOAuthApps(ctx, a.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %v", list, err)
		}
		if _, err := s.GetOAuthAppByUID(ctx, "nope"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing: %v", err)
		}
		dup := &domain.OAuthApp{UID: app.UID, AccountID: a.ID, Name: "x"}
		if err := s.CreateOAuthApp(ctx, dup); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate uid: %v", err)
		}
		if err := s.CreateOAuthApp(ctx, &domain.OAuthApp{AccountID: 987654, Name: "x"}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing account: %v", err)
		}
		if err := s.DeleteOAuthApp(ctx, a.ID+1, app.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("delete across accounts: %v", err)
		}
		if err := s.DeleteOAuthApp(ctx, a.ID, app.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOAuthGrants(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, u, app := oauthFixture(t, s)
		if _, err := s.GetOAuthGrant(ctx, app.ID, u.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("no grant yet: %v", err)
		}
		g := &store.OAuthGrant{AppID: app.ID, AccountID: a.ID, UserID: u.ID, Scopes: domain.NewScopeSet("account.person.readonly")}
		if err := s.SaveOAuthGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
		g2 := &store.OAuthGrant{AppID: app.ID, AccountID: a.ID, UserID: u.ID, Scopes: domain.NewScopeSet("account.person", "account.channel.readonly")}
		if err := s.SaveOAuthGrant(ctx, g2); err != nil {
			t.Fatal(err)
		}
		if g2.ID != g.ID {
			t.Fatalf("upsert made a second row: %d vs %d", g2.ID, g.ID)
		}
		got, err := s.GetOAuthGrant(ctx, app.ID, u.ID)
		if err != nil || got.Scopes.String() != "account.person account.channel.readonly" {
			t.Fatalf("got %+v %v", got, err)
		}
		list, err := s.ListOAuthGrantsByUser(ctx, u.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v %v", list, err)
		}
		if err := s.DeleteOAuthGrant(ctx, app.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetOAuthGrant(ctx, app.ID, u.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("after delete: %v", err)
		}
	})
}

func TestOAuthCodesSingleUse(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, u, app := oauthFixture(t, s)
		now := time.Now().UTC().Truncate(time.Millisecond)
		c := &store.OAuthCode{Digest: "cd", AppID: app.ID, AccountID: a.ID, UserID: u.ID,
			Scopes: domain.NewScopeSet("account.person"), RedirectURI: "https://app.test/cb",
			CodeChallenge: "ch", CodeChallengeMethod: "S256", ExpiresAt: now.Add(time.Minute), CreatedAt: now}
		if err := s.CreateOAuthCode(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateOAuthCode(ctx, &store.OAuthCode{Digest: "cd", AppID: app.ID, AccountID: a.ID, UserID: u.ID, ExpiresAt: now, CreatedAt: now}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate digest: %v", err)
		}
		got, err := s.GetOAuthCodeByDigest(ctx, "cd")
		if err != nil || got.UsedAt != nil || got.FamilyID != 0 || !got.ExpiresAt.Equal(c.ExpiresAt) || got.CodeChallenge != "ch" || got.RedirectURI != c.RedirectURI {
			t.Fatalf("got %+v %v", got, err)
		}
		ok, err := s.UseOAuthCode(ctx, c.ID, now)
		if err != nil || !ok {
			t.Fatalf("first use: %v %v", ok, err)
		}
		ok, err = s.UseOAuthCode(ctx, c.ID, now)
		if err != nil || ok {
			t.Fatalf("second use must fail: %v %v", ok, err)
		}
		f := &store.OAuthFamily{AppID: app.ID, AccountID: a.ID, UserID: u.ID, Scopes: c.Scopes, CreatedAt: now}
		if err := s.CreateOAuthFamily(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := s.SetOAuthCodeFamily(ctx, c.ID, f.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetOAuthCodeByDigest(ctx, "cd")
		if got.FamilyID != f.ID || got.UsedAt == nil {
			t.Fatalf("after use: %+v", got)
		}
		n, err := s.DeleteExpiredOAuthCodes(ctx, now.Add(2*time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
	})
}

func TestOAuthTokensAndFamilies(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, u, app := oauthFixture(t, s)
		now := time.Now().UTC().Truncate(time.Millisecond)
		newFamily := func() *store.OAuthFamily {
			f := &store.OAuthFamily{AppID: app.ID, AccountID: a.ID, UserID: u.ID, Scopes: domain.NewScopeSet("account.person"), CreatedAt: now}
			if err := s.CreateOAuthFamily(ctx, f); err != nil {
				t.Fatal(err)
			}
			return f
		}
		f := newFamily()
		exp := now.Add(time.Hour)
		at := &store.OAuthToken{FamilyID: f.ID, Kind: store.TokenAccess, Digest: "a1", Scopes: f.Scopes, CreatedAt: now, ExpiresAt: &exp}
		rt := &store.OAuthToken{FamilyID: f.ID, Kind: store.TokenRefresh, Digest: "r1", Scopes: f.Scopes, CreatedAt: now}
		for _, tok := range []*store.OAuthToken{at, rt} {
			if err := s.CreateOAuthToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		rec, err := s.GetOAuthTokenRecord(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		if rec.Token.ID != at.ID || rec.Token.Kind != "access" || rec.Token.ExpiresAt == nil || !rec.Token.ExpiresAt.Equal(exp) ||
			rec.Family.UserID != u.ID || rec.Family.AccountID != a.ID || rec.AppUID != app.UID || rec.AppState != domain.AppTesting ||
			rec.Family.RevokedAt != nil || rec.PasswordChangedAt.IsZero() {
			t.Fatalf("record: %+v", rec)
		}
		if _, err := s.GetOAuthTokenRecord(ctx, "zz"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing token: %v", err)
		}
		// The refresh read: the same record, with the whole application.
		withApp, err := s.GetOAuthRefreshRecord(ctx, "r1")
		if err != nil {
			t.Fatal(err)
		}
		wantApp, err := s.GetOAuthAppByUID(ctx, app.UID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(withApp.App, wantApp) {
			t.Fatalf("application read with the refresh token: %+v, want %+v", withApp.App, wantApp)
		}
		plain, _ := s.GetOAuthTokenRecord(ctx, "r1")
		if withApp.App = nil; !reflect.DeepEqual(withApp, plain) {
			t.Fatalf("refresh record: %+v, want %+v", withApp, plain)
		}
		if _, err := s.GetOAuthRefreshRecord(ctx, "zz"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing refresh token: %v", err)
		}
		// The same reads as a transaction's first statement (on PostgreSQL
		// sent with the BEGIN and scanned by the driver itself).
		err = s.InTx(ctx, func(tx *store.Store) error {
			got, err := tx.GetOAuthTokenRecord(ctx, "a1")
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, rec) {
				return fmt.Errorf("record in a transaction: %+v, want %+v", got, rec)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.InTx(ctx, func(tx *store.Store) error {
			_, err := tx.GetOAuthTokenRecord(ctx, "zz")
			return err
		})
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing token in a transaction: %v", err)
		}
		// Rotation is single use.
		if ok, err := s.SpendOAuthRefreshToken(ctx, rt.ID, rec.UserRole, "", now); err != nil || !ok {
			t.Fatalf("rotate: %v %v", ok, err)
		}
		if ok, err := s.SpendOAuthRefreshToken(ctx, rt.ID, rec.UserRole, "", now); err != nil || ok {
			t.Fatalf("second rotate must fail: %v %v", ok, err)
		}
		if ok, _ := s.SpendOAuthRefreshToken(ctx, at.ID, rec.UserRole, "", now); ok {
			t.Fatal("an access token cannot be rotated")
		}
		// Family revocation reaches every token.
		if err := s.RevokeOAuthFamily(ctx, f.ID, "reuse", now); err != nil {
			t.Fatal(err)
		}
		rec, _ = s.GetOAuthTokenRecord(ctx, "a1")
		if rec.Family.RevokedAt == nil || rec.Family.RevokeReason != "reuse" || rec.Token.RevokedAt == nil {
			t.Fatalf("after family revoke: %+v", rec)
		}
		// Filtered revocation.
		f2, f3 := newFamily(), newFamily()
		if err := s.CreateOAuthToken(ctx, &store.OAuthToken{FamilyID: f2.ID, Kind: store.TokenAccess, Digest: "a2", Scopes: f2.Scopes, CreatedAt: now, ExpiresAt: &exp}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RevokeOAuthFamilies(ctx, store.FamilyFilter{}, "x", now); domain.ErrorCode(err) != domain.EBADREQUEST {
			t.Fatalf("empty filter: %v", err)
		}
		n, err := s.RevokeOAuthFamilies(ctx, store.FamilyFilter{AppID: app.ID, UserID: u.ID}, "disconnected", now)
		if err != nil || n != 2 {
			t.Fatalf("revoke families: %d %v (want 2: %d and %d)", n, err, f2.ID, f3.ID)
		}
		rec, _ = s.GetOAuthTokenRecord(ctx, "a2")
		if rec.Family.RevokedAt == nil || rec.Token.RevokedAt == nil {
			t.Fatalf("filtered revoke missed: %+v", rec)
		}
		// A pair in one statement, inside a transaction (prepared statements
		// bound to the transaction), and a digest collision.
		pairA := &store.OAuthToken{FamilyID: f3.ID, Kind: store.TokenAccess, Digest: "a3", Scopes: f3.Scopes, CreatedAt: now, ExpiresAt: &exp}
		pairR := &store.OAuthToken{FamilyID: f3.ID, Kind: store.TokenRefresh, Digest: "r3", Scopes: f3.Scopes, CreatedAt: now}
		if err := s.InTx(ctx, func(tx *store.Store) error { return tx.CreateOAuthTokens(ctx, pairA, pairR) }); err != nil {
			t.Fatal(err)
		}
		if pairA.ID == 0 || pairR.ID == 0 || pairA.ID == pairR.ID {
			t.Fatalf("ids not assigned: %d %d", pairA.ID, pairR.ID)
		}
		if rec, err := s.GetOAuthTokenRecord(ctx, "r3"); err != nil || rec.Token.ID != pairR.ID || rec.Token.Kind != store.TokenRefresh {
			t.Fatalf("pair lookup: %+v %v", rec, err)
		}
		dupe := &store.OAuthToken{FamilyID: f3.ID, Kind: store.TokenAccess, Digest: "a3", Scopes: f3.Scopes, CreatedAt: now, ExpiresAt: &exp}
		if err := s.CreateOAuthTokens(ctx, dupe); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("digest collision: %v", err)
		}
		// Single token revocation and purge.
		if err := s.RevokeOAuthToken(ctx, at.ID, now); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchOAuthFamily(ctx, f.ID, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		n, err = s.DeleteExpiredOAuthAccessTokens(ctx, now.Add(2*time.Hour))
		if err != nil || n != 3 {
			t.Fatalf("purge access tokens: %d %v", n, err)
		}
		if _, err := s.GetOAuthTokenRecord(ctx, "r1"); err != nil {
			t.Fatalf("refresh token must survive the purge: %v", err)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, u, _ := oauthFixture(t, s)
		now := time.Now().UTC().Truncate(time.Millisecond)
		se := &store.Session{Digest: "s1", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, &store.Session{Digest: "s2", UserID: 999999, CreatedAt: now, ExpiresAt: now}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing user: %v", err)
		}
		got, err := s.GetSession(ctx, "s1", now)
		if err != nil || got.UserID != u.ID || !got.ExpiresAt.Equal(se.ExpiresAt) {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := s.GetSession(ctx, "s1", now.Add(time.Hour)); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("expired session still found: %v", err)
		}
		if err := s.DeleteSession(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSession(ctx, "s1", now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("deleted session still found: %v", err)
		}
		for _, d := range []string{"s3", "s4"} {
			if err := s.CreateSession(ctx, &store.Session{Digest: d, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.DeleteExpiredSessions(ctx, now.Add(2*time.Minute)); err != nil || n != 2 {
			t.Fatalf("purge: %d %v", n, err)
		}
		if err := s.CreateSession(ctx, &store.Session{Digest: "s5", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeleteUserSessions(ctx, u.ID); err != nil || n != 1 {
			t.Fatalf("delete user sessions: %d %v", n, err)
		}
	})
}

// TestSpendOAuthRefreshTokenConditions checks that a refresh token is
// spent, or rotated, only while what a rotation was decided on (from a
// read made before the write) still holds, and that a refused spend or
// rotation leaves the token as it was and inserts nothing.
func TestSpendOAuthRefreshTokenConditions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, u, app := oauthFixture(t, s)
		now := time.Now().UTC().Truncate(time.Millisecond)
		n := 0
		token := func(userID int64) *store.OAuthTokenRecord {
			t.Helper()
			f := &store.OAuthFamily{AppID: app.ID, AccountID: a.ID, UserID: userID, Scopes: domain.NewScopeSet("account.person"), CreatedAt: now}
			if err := s.CreateOAuthFamily(ctx, f); err != nil {
				t.Fatal(err)
			}
			n++
			rt := &store.OAuthToken{FamilyID: f.ID, Kind: store.TokenRefresh, Digest: fmt.Sprint("spend-", n), Scopes: f.Scopes, CreatedAt: now}
			if err := s.CreateOAuthToken(ctx, rt); err != nil {
				t.Fatal(err)
			}
			rec, err := s.GetOAuthTokenRecord(ctx, rt.Digest)
			if err != nil {
				t.Fatal(err)
			}
			return rec
		}
		// pair is the access and refresh token a rotation of rec mints.
		pair := func(rec *store.OAuthTokenRecord, what string) (access, refresh *store.OAuthToken) {
			exp := now.Add(time.Hour)
			access = &store.OAuthToken{FamilyID: rec.Family.ID, Kind: store.TokenAccess, Digest: "access of " + what, Scopes: rec.Family.Scopes, CreatedAt: now, ExpiresAt: &exp}
			refresh = &store.OAuthToken{FamilyID: rec.Family.ID, Kind: store.TokenRefresh, Digest: "refresh of " + what, Scopes: rec.Family.Scopes, CreatedAt: now}
			return access, refresh
		}
		refused := func(what string, rec *store.OAuthTokenRecord, role domain.OperatorRole) {
			t.Helper()
			if ok, err := s.SpendOAuthRefreshToken(ctx, rec.Token.ID, role, "sealed", now); err != nil || ok {
				t.Fatalf("%s: spent (%v, %v)", what, ok, err)
			}
			access, refresh := pair(rec, what)
			if ok, err := s.RotateOAuthRefreshToken(ctx, rec.Token.ID, role, "sealed", now, access, refresh); err != nil || ok {
				t.Fatalf("%s: rotated (%v, %v)", what, ok, err)
			}
			for _, tok := range []*store.OAuthToken{access, refresh} {
				if _, err := s.GetOAuthTokenRecord(ctx, tok.Digest); domain.ErrorCode(err) != domain.ENOTFOUND {
					t.Fatalf("%s: a refused rotation inserted its %s token (%v)", what, tok.Kind, err)
				}
			}
			again, err := s.GetOAuthTokenRecord(ctx, rec.Token.Digest)
			if err != nil {
				t.Fatal(err)
			}
			if again.Token.UsedAt != nil {
				t.Fatalf("%s: a refused spend marked the token used", what)
			}
			if sealed, _ := s.GetOAuthRefreshSuccessor(ctx, rec.Token.ID); sealed != "" {
				t.Fatalf("%s: a refused spend kept a successor", what)
			}
		}

		live := token(u.ID)
		if ok, err := s.SpendOAuthRefreshToken(ctx, live.Token.ID, live.UserRole, "sealed", now); err != nil || !ok {
			t.Fatalf("live token: %v %v", ok, err)
		}
		access, refresh := pair(live, "spent")
		if ok, err := s.RotateOAuthRefreshToken(ctx, live.Token.ID, live.UserRole, "again", now, access, refresh); err != nil || ok {
			t.Fatalf("rotating a spent token: %v %v", ok, err)
		}
		if got, _ := s.GetOAuthTokenRecord(ctx, live.Token.Digest); got.Token.UsedAt == nil || !got.Token.UsedAt.Equal(now) {
			t.Fatalf("spent token: %+v", got.Token)
		}
		if sealed, _ := s.GetOAuthRefreshSuccessor(ctx, live.Token.ID); sealed != "sealed" {
			t.Fatalf("successor %q", sealed)
		}

		other := domain.RoleAdmin
		if live.UserRole == domain.RoleAdmin {
			other = domain.RoleOperator
		}
		refused("role changed", token(u.ID), other)

		revoked := token(u.ID)
		if err := s.RevokeOAuthFamily(ctx, revoked.Family.ID, "test", now); err != nil {
			t.Fatal(err)
		}
		refused("family revoked", revoked, revoked.UserRole)

		u2 := &domain.User{AccountID: a.ID, Email: "second@acme.test", PasswordHash: "x"}
		if err := s.CreateUser(ctx, u2); err != nil {
			t.Fatal(err)
		}
		disabled := token(u2.ID)
		if _, err := s.DB().ExecContext(ctx, fmt.Sprintf(`UPDATE users SET disabled_at = 1 WHERE id = %d`, u2.ID)); err != nil {
			t.Fatal(err)
		}
		refused("user disabled", disabled, disabled.UserRole)

		changed := token(u.ID)
		if err := s.SetUserPassword(ctx, u.ID, "y", now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		refused("password changed since the family began", changed, changed.UserRole)
	})
}

// TestRotateOAuthRefreshToken checks a rotation's two halves, the spend
// and the new pair, on both databases: both are kept, with the new
// tokens' IDs assigned; and when the pair cannot be inserted (a digest
// collision) neither is, so the token can be rotated again.
func TestRotateOAuthRefreshToken(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, u, app := oauthFixture(t, s)
		now := time.Now().UTC().Truncate(time.Millisecond)
		f := &store.OAuthFamily{AppID: app.ID, AccountID: a.ID, UserID: u.ID, Scopes: domain.NewScopeSet("account.person"), CreatedAt: now}
		if err := s.CreateOAuthFamily(ctx, f); err != nil {
			t.Fatal(err)
		}
		mint := func(kind, d string) *store.OAuthToken {
			tok := &store.OAuthToken{FamilyID: f.ID, Kind: kind, Digest: d, Scopes: f.Scopes, CreatedAt: now}
			if kind == store.TokenAccess {
				exp := now.Add(time.Hour)
				tok.ExpiresAt = &exp
			}
			return tok
		}
		first := mint(store.TokenRefresh, "rotate-r0")
		if err := s.CreateOAuthToken(ctx, first); err != nil {
			t.Fatal(err)
		}
		rec, err := s.GetOAuthTokenRecord(ctx, first.Digest)
		if err != nil {
			t.Fatal(err)
		}

		// The new refresh token's digest is taken: nothing is kept.
		clash := mint(store.TokenAccess, "rotate-a1")
		ok, err := s.RotateOAuthRefreshToken(ctx, first.ID, rec.UserRole, "sealed", now, clash, mint(store.TokenRefresh, first.Digest))
		if domain.ErrorCode(err) != domain.ECONFLICT || ok {
			t.Fatalf("colliding rotation: %v, %v; want ECONFLICT", ok, err)
		}
		if got, _ := s.GetOAuthTokenRecord(ctx, first.Digest); got.Token.UsedAt != nil {
			t.Fatal("a rotation whose pair was not inserted spent the token")
		}
		if _, err := s.GetOAuthTokenRecord(ctx, clash.Digest); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("a failed rotation kept its access token: %v", err)
		}

		access, refresh := mint(store.TokenAccess, "rotate-a1"), mint(store.TokenRefresh, "rotate-r1")
		ok, err = s.RotateOAuthRefreshToken(ctx, first.ID, rec.UserRole, "sealed", now, access, refresh)
		if err != nil || !ok {
			t.Fatalf("rotation: %v, %v", ok, err)
		}
		if got, _ := s.GetOAuthTokenRecord(ctx, first.Digest); got.Token.UsedAt == nil || !got.Token.UsedAt.Equal(now) {
			t.Fatalf("rotated token not spent: %+v", got.Token)
		}
		if sealed, _ := s.GetOAuthRefreshSuccessor(ctx, first.ID); sealed != "sealed" {
			t.Fatalf("successor %q", sealed)
		}
		for _, tok := range []*store.OAuthToken{access, refresh} {
			got, err := s.GetOAuthTokenRecord(ctx, tok.Digest)
			if err != nil || tok.ID == 0 || got.Token.ID != tok.ID || got.Token.Kind != tok.Kind || got.Family.ID != f.ID {
				t.Fatalf("new %s token: id %d, read %+v, %v", tok.Kind, tok.ID, got, err)
			}
			if (got.Token.ExpiresAt == nil) != (tok.ExpiresAt == nil) || !got.Token.CreatedAt.Equal(now) || !got.Token.Scopes.Contains(f.Scopes) {
				t.Fatalf("new %s token read back as %+v", tok.Kind, got.Token)
			}
		}

		// Inside a transaction the rotation is part of it.
		access2, refresh2 := mint(store.TokenAccess, "rotate-a2"), mint(store.TokenRefresh, "rotate-r2")
		rollback := errors.New("roll back")
		err = s.InTx(ctx, func(tx *store.Store) error {
			if ok, err := tx.RotateOAuthRefreshToken(ctx, refresh.ID, rec.UserRole, "", now, access2, refresh2); err != nil || !ok {
				t.Errorf("rotation in a transaction: %v, %v", ok, err)
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if got, _ := s.GetOAuthTokenRecord(ctx, refresh.Digest); got.Token.UsedAt != nil {
			t.Fatal("a rotation in a rolled-back transaction was kept")
		}
		if _, err := s.GetOAuthTokenRecord(ctx, refresh2.Digest); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("a rolled-back rotation kept its refresh token: %v", err)
		}
	})
}
