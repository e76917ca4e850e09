package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestFamilyGrants(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b, ua, ub := gatewayFixture(t, s)
		at := time.Now().UTC()
		const fam = "mobile_credentials"
		check := func(acct, user int64, want bool) {
			t.Helper()
			ok, err := s.FamilyAllowed(ctx, acct, user, fam)
			if err != nil || ok != want {
				t.Fatalf("allowed(%d, %d) = %v, %v; want %v", acct, user, ok, err, want)
			}
		}
		check(a.ID, ua.ID, false)
		// Per user: only that user.
		if err := s.AllowFamily(ctx, a.ID, ua.ID, fam, at); err != nil {
			t.Fatal(err)
		}
		if err := s.AllowFamily(ctx, a.ID, ua.ID, fam, at); err != nil {
			t.Fatalf("granting twice: %v", err)
		}
		check(a.ID, ua.ID, true)
		check(a.ID, 0, false)
		check(b.ID, ub.ID, false)
		if err := s.AllowFamily(ctx, a.ID, ub.ID, fam, at); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("user of another account: %v", err)
		}
		// Per account: everyone on it.
		if err := s.AllowFamily(ctx, b.ID, 0, fam, at); err != nil {
			t.Fatal(err)
		}
		if err := s.AllowFamily(ctx, b.ID, 0, fam, at); err != nil {
			t.Fatalf("granting twice: %v", err)
		}
		check(b.ID, ub.ID, true)
		check(b.ID, 0, true)
		if ok, _ := s.FamilyAllowed(ctx, b.ID, ub.ID, "other_family"); ok {
			t.Fatal("another family allowed")
		}
		if err := s.AllowFamily(ctx, 99999, 0, fam, at); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown account: %v", err)
		}
		if list, err := s.ListFamilyGrants(ctx, 0); err != nil || len(list) != 2 {
			t.Fatalf("list: %v %v", list, err)
		}
		if list, _ := s.ListFamilyGrants(ctx, a.ID); len(list) != 1 || list[0].UserID != ua.ID || list[0].Family != fam {
			t.Fatalf("list a: %+v", list)
		}
		if err := s.DisallowFamily(ctx, b.ID, 0, fam); err != nil {
			t.Fatal(err)
		}
		check(b.ID, ub.ID, false)
		if err := s.DisallowFamily(ctx, b.ID, 0, fam); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("removing twice: %v", err)
		}
	})
}
