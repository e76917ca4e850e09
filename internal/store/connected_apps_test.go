package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestConnections: consents and live token families are an account's
// connections; disconnecting one operator leaves the others, and
// disconnecting the account revokes every family, forgets every consent
// and spends the codes not yet exchanged, in one go.
func TestConnections(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, u, app := oauthFixture(t, s)
		u2 := &domain.User{AccountID: a.ID, Email: "two@acme.test", PasswordHash: "x"}
		if err := s.CreateUser(ctx, u2); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		if err := s.SaveOAuthGrant(ctx, &store.OAuthGrant{AppID: app.ID, AccountID: a.ID, UserID: u.ID,
			Scopes: domain.NewScopeSet("account.person"), CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		fams := map[int64]*store.OAuthFamily{}
		for i, user := range []int64{u.ID, u.ID, u2.ID} {
			f := &store.OAuthFamily{AppID: app.ID, AccountID: a.ID, UserID: user, Scopes: domain.NewScopeSet("account.channel.readonly"),
				CreatedAt: t0.Add(time.Duration(i+1) * time.Hour)}
			if err := s.CreateOAuthFamily(ctx, f); err != nil {
				t.Fatal(err)
			}
			fams[f.ID] = f
		}
		code := &store.OAuthCode{Digest: "code-digest", AppID: app.ID, AccountID: a.ID, UserID: u2.ID, Scopes: domain.NewScopeSet("account.person"),
			ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
		if err := s.CreateOAuthCode(ctx, code); err != nil {
			t.Fatal(err)
		}

		conns, err := s.ListConnections(ctx, a.ID, 0)
		if err != nil || len(conns) != 2 {
			t.Fatalf("connections: %+v %v", conns, err)
		}
		c := conns[0]
		if c.UserID != u.ID || !c.Granted || c.Families != 2 || !c.Since.Equal(t0) || !c.LastUsedAt.Equal(t0.Add(2*time.Hour)) ||
			c.Scopes.String() != "account.person account.channel.readonly" {
			t.Fatalf("first operator's connection: %+v", c)
		}
		if conns[1].UserID != u2.ID || conns[1].Granted || conns[1].Families != 1 {
			t.Fatalf("second operator's connection: %+v", conns[1])
		}
		if mine, _ := s.ListConnections(ctx, a.ID, u2.ID); len(mine) != 1 || mine[0].UserID != u2.ID {
			t.Fatalf("one operator's connections: %+v", mine)
		}

		// One operator.
		n, g, err := s.DisconnectOAuthApp(ctx, app.ID, a.ID, u.ID, "test", t0.Add(3*time.Hour))
		if err != nil || n != 2 || g != 1 {
			t.Fatalf("disconnect one operator: %d families, %d grants, %v", n, g, err)
		}
		if conns, _ := s.ListConnections(ctx, a.ID, 0); len(conns) != 1 || conns[0].UserID != u2.ID {
			t.Fatalf("after disconnecting one operator: %+v", conns)
		}
		if got, _ := s.GetOAuthCodeByDigest(ctx, "code-digest"); got.UsedAt != nil {
			t.Fatal("another operator's code was spent")
		}

		// The whole account.
		n, g, err = s.DisconnectOAuthApp(ctx, app.ID, a.ID, 0, "test", t0.Add(4*time.Hour))
		if err != nil || n != 1 || g != 0 {
			t.Fatalf("disconnect the account: %d families, %d grants, %v", n, g, err)
		}
		if conns, _ := s.ListConnections(ctx, a.ID, 0); len(conns) != 0 {
			t.Fatalf("after disconnecting: %+v", conns)
		}
		if got, _ := s.GetOAuthCodeByDigest(ctx, "code-digest"); got.UsedAt == nil {
			t.Fatal("an unexchanged code survived the disconnect")
		}
		if _, _, err := s.DisconnectOAuthApp(ctx, 0, a.ID, 0, "test", t0); domain.ErrorCode(err) != domain.EBADREQUEST {
			t.Fatalf("no app: %v", err)
		}
	})
}
