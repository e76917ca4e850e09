package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestSubscriptionKeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b, _, _ := gatewayFixture(t, s)
		at := time.UnixMilli(1_700_000_000_000).UTC()
		k := &store.SubscriptionKey{AccountID: a.ID, Name: "billing", Prefix: "ab12", Digest: "s1", CreatedAt: at}
		if err := s.CreateSubscriptionKey(ctx, k); err != nil || k.ID == 0 {
			t.Fatalf("create: %v", err)
		}
		if err := s.CreateSubscriptionKey(ctx, &store.SubscriptionKey{AccountID: 99999, Name: "x", Prefix: "p", Digest: "s2"}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown account: %v", err)
		}
		if err := s.CreateSubscriptionKey(ctx, &store.SubscriptionKey{AccountID: b.ID, Name: "x", Prefix: "p", Digest: "s1"}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate digest: %v", err)
		}

		t1, t2 := at.Add(time.Minute), at.Add(2*time.Minute)
		if err := s.AddSubscriptionUsage(ctx, []store.SubscriptionUsage{{KeyID: k.ID, Requests: 5, LastUsed: t2}}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddSubscriptionUsage(ctx, []store.SubscriptionUsage{{KeyID: k.ID, Requests: 3, LastUsed: t1}, {KeyID: 77777, Requests: 1, LastUsed: t1}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetSubscriptionKeyByDigest(ctx, "s1")
		if err != nil || got.RequestCount != 8 || got.LastUsedAt == nil || !got.LastUsedAt.Equal(t2) || got.AccountID != a.ID {
			t.Fatalf("usage: %+v %v", got, err)
		}
		if _, err := s.GetSubscriptionKeyByDigest(ctx, "zz"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown digest: %v", err)
		}
		if list, err := s.ListSubscriptionKeys(ctx, b.ID); err != nil || len(list) != 0 {
			t.Fatalf("list b: %v %v", list, err)
		}
		if list, err := s.ListSubscriptionKeys(ctx, 0); err != nil || len(list) != 1 || list[0].RequestCount != 8 {
			t.Fatalf("list all: %v %v", list, err)
		}
		if err := s.RevokeSubscriptionKey(ctx, b.ID, k.ID, t1); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("revoke via other account: %v", err)
		}
		if err := s.RevokeSubscriptionKey(ctx, a.ID, k.ID, t1); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetSubscriptionKeyByDigest(ctx, "s1"); got.RevokedAt == nil || !got.RevokedAt.Equal(t1) {
			t.Fatalf("not revoked: %+v", got)
		}

		// The requirement switch: off by default, upserted, unknown account refused.
		if ids, err := s.SubscriptionRequiredAccounts(ctx); err != nil || len(ids) != 0 {
			t.Fatalf("default: %v %v", ids, err)
		}
		for _, on := range []bool{true, false, true} {
			if err := s.SetSubscriptionRequired(ctx, b.ID, on, at); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetSubscriptionRequired(ctx, a.ID, false, at); err != nil {
			t.Fatal(err)
		}
		if ids, err := s.SubscriptionRequiredAccounts(ctx); err != nil || fmt.Sprint(ids) != fmt.Sprint([]int64{b.ID}) {
			t.Fatalf("required: %v %v", ids, err)
		}
		if err := s.SetSubscriptionRequired(ctx, 99999, true, at); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown account: %v", err)
		}
	})
}
