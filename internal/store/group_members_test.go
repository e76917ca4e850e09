package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestGroupMembers: members page by id, adding and removing one member
// leaves the person's other groups alone, and another account's group or
// person is not found.
func TestGroupMembers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, other := newAccount(t, s, "A"), newAccount(t, s, "B")
		staff, visitors := &domain.Group{AccountID: a.ID, Name: "Staff"}, &domain.Group{AccountID: a.ID, Name: "Visitors"}
		foreign := &domain.Group{AccountID: other.ID, Name: "Staff"}
		for _, g := range []*domain.Group{staff, visitors, foreign} {
			if err := s.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		var ids []int64
		for i := range 5 {
			p := &domain.Person{AccountID: a.ID, FirstName: "P", LastName: string(rune('a' + i)), Enabled: true, GroupIDs: []int64{visitors.ID}}
			if err := s.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		at := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond)
		for _, id := range []int64{ids[4], ids[0], ids[2], ids[2]} {
			if err := s.SetGroupMember(ctx, a.ID, staff.ID, id, true, at); err != nil {
				t.Fatal(err)
			}
		}
		page := func(after int64, limit int) []int64 {
			t.Helper()
			ps, err := s.GroupMembers(ctx, a.ID, staff.ID, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		if got := page(0, 10); !equalIDs(got, []int64{ids[0], ids[2], ids[4]}) {
			t.Fatalf("members: %v", got)
		}
		if got := page(ids[0], 1); !equalIDs(got, []int64{ids[2]}) {
			t.Fatalf("second page: %v", got)
		}
		if err := s.SetGroupMember(ctx, a.ID, staff.ID, ids[2], false, at); err != nil {
			t.Fatal(err)
		}
		p, err := s.GetPerson(ctx, a.ID, ids[2])
		if err != nil || !equalIDs(p.GroupIDs, []int64{visitors.ID}) || !p.UpdatedAt.Equal(at) {
			t.Fatalf("after removal: %+v %v", p, err)
		}
		if got := page(0, 10); !equalIDs(got, []int64{ids[0], ids[4]}) {
			t.Fatalf("members after removal: %v", got)
		}
		if err := s.SetGroupMember(ctx, a.ID, foreign.ID, ids[1], true, at); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("another account's group: %v", err)
		}
		if err := s.SetGroupMember(ctx, other.ID, foreign.ID, ids[1], true, at); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("another account's person: %v", err)
		}
	})
}
