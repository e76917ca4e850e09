package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// gatewayFixture creates two accounts with one operator each.
func gatewayFixture(t testing.TB, s *store.Store) (a, b *domain.Account, ua, ub *domain.User) {
	t.Helper()
	ctx := context.Background()
	a = &domain.Account{Name: "A", TimeZone: "UTC"}
	b = &domain.Account{Name: "B", TimeZone: "UTC"}
	for _, acct := range []*domain.Account{a, b} {
		if err := s.CreateAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
	}
	ua = &domain.User{AccountID: a.ID, Email: "ops@a.example", PasswordHash: "x"}
	ub = &domain.User{AccountID: b.ID, Email: "ops@b.example", PasswordHash: "x"}
	for _, u := range []*domain.User{ua, ub} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return a, b, ua, ub
}

func TestAPIKeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b, ua, ub := gatewayFixture(t, s)
		at := time.UnixMilli(1_700_000_000_000).UTC()
		k := &store.APIKey{AccountID: a.ID, UserID: ua.ID, Name: "sync script", Prefix: "lk_abcd", Digest: "d1",
			Scopes: domain.NewScopeSet("account.person", "account.sync"), CreatedAt: at}
		if err := s.CreateAPIKey(ctx, k); err != nil || k.ID == 0 {
			t.Fatalf("create: %v %+v", err, k)
		}
		// The user must belong to the account.
		wrong := &store.APIKey{AccountID: a.ID, UserID: ub.ID, Name: "x", Prefix: "p", Digest: "d2"}
		if err := s.CreateAPIKey(ctx, wrong); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("user of another account: %v", err)
		}
		dup := &store.APIKey{AccountID: a.ID, UserID: ua.ID, Name: "x", Prefix: "p", Digest: "d1"}
		if err := s.CreateAPIKey(ctx, dup); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate digest: %v", err)
		}
		got, err := s.GetAPIKeyByDigest(ctx, "d1")
		if err != nil || got.ID != k.ID || got.UserID != ua.ID || !got.Scopes.Has("account.sync") || got.Scopes.Has("account.channel.admit") ||
			!got.CreatedAt.Equal(at) || got.RevokedAt != nil || got.LastUsedAt != nil {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := s.GetAPIKeyByDigest(ctx, "nope"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown digest: %v", err)
		}

		// Touch moves last_used_at forward only.
		later, earlier := at.Add(time.Hour), at.Add(time.Minute)
		if err := s.TouchAPIKeys(ctx, map[int64]time.Time{k.ID: later}); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchAPIKeys(ctx, map[int64]time.Time{k.ID: earlier, 99999: later}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetAPIKeyByDigest(ctx, "d1")
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(later) {
			t.Fatalf("last used %v, want %v", got.LastUsedAt, later)
		}

		kb := &store.APIKey{AccountID: b.ID, UserID: ub.ID, Name: "b", Prefix: "p", Digest: "d3"}
		if err := s.CreateAPIKey(ctx, kb); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			acct, user int64
			want       int
		}{{0, 0, 2}, {a.ID, 0, 1}, {b.ID, 0, 1}, {0, ub.ID, 1}, {a.ID, ub.ID, 0}} {
			list, err := s.ListAPIKeys(ctx, c.acct, c.user)
			if err != nil || len(list) != c.want {
				t.Fatalf("list(%d, %d): %d keys, %v; want %d", c.acct, c.user, len(list), err, c.want)
			}
		}

		// Revocation is scoped to the account and keeps the first time.
		if err := s.RevokeAPIKey(ctx, b.ID, k.ID, at); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("revoke through another account: %v", err)
		}
		if err := s.RevokeAPIKey(ctx, a.ID, k.ID, later); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeAPIKey(ctx, 0, k.ID, later.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetAPIKeyByDigest(ctx, "d1")
		if got.RevokedAt == nil || !got.RevokedAt.Equal(later) {
			t.Fatalf("revoked at %v, want %v", got.RevokedAt, later)
		}
		if err := s.RevokeAPIKey(ctx, 0, 424242, later); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("revoke unknown: %v", err)
		}
	})
}
