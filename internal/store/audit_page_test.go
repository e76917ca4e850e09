package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestAuditPageFilters: AuditPage reads newest first by keyset with every
// filter, AuditActors names each actor once, and NoteSignIn is kept
// without an audit row.
func TestAuditPageFilters(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		bg := context.Background()
		acct := &domain.Account{Name: "A", TimeZone: "UTC"}
		other := &domain.Account{Name: "B", TimeZone: "UTC"}
		for _, a := range []*domain.Account{acct, other} {
			if err := s.CreateAccount(bg, a); err != nil {
				t.Fatal(err)
			}
		}
		ops := store.WithActor(bg, store.Actor{AccountID: acct.ID, Kind: store.ActorOperator, ID: 5, UserID: 5, Display: "ops@a.example"})
		app := store.WithActor(bg, store.Actor{AccountID: acct.ID, Kind: store.ActorApp, ID: 9, UserID: 5, Display: "App for ops@a.example"})
		theirs := store.WithActor(bg, store.Actor{AccountID: other.ID, Kind: store.ActorOperator, ID: 5, UserID: 5, Display: "x@b.example"})
		for i := 0; i < 7; i++ {
			ctx := ops
			if i%2 == 1 {
				ctx = app
			}
			if err := s.CreateSite(ctx, &domain.Site{AccountID: acct.ID, Name: "S"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateSite(theirs, &domain.Site{AccountID: other.ID, Name: "T"}); err != nil {
			t.Fatal(err)
		}
		// Keyset pages by id, and along the time index with a time range
		// (rows of the same millisecond ordered by id).
		for _, since := range []time.Time{{}, time.Now().Add(-time.Hour)} {
			var seen []int64
			before := int64(0)
			for {
				page, err := s.AuditPage(bg, acct.ID, store.AuditFilter{BeforeID: before, Since: since}, 3)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range page {
					if len(seen) > 0 && e.ID >= seen[len(seen)-1] {
						t.Fatalf("not newest first: %d after %v", e.ID, seen)
					}
					seen = append(seen, e.ID)
				}
				if len(page) < 3 {
					break
				}
				before = page[len(page)-1].ID
			}
			if len(seen) != 7 {
				t.Fatalf("since %v: paged %d rows, want 7", since, len(seen))
			}
		}
		count := func(f store.AuditFilter) int {
			t.Helper()
			page, err := s.AuditPage(bg, acct.ID, f, 100)
			if err != nil {
				t.Fatal(err)
			}
			return len(page)
		}
		for name, c := range map[string]struct {
			f    store.AuditFilter
			want int
		}{
			"app":          {store.AuditFilter{ActorKind: store.ActorApp, ActorID: 9}, 3},
			"operator":     {store.AuditFilter{ActorKind: store.ActorOperator}, 4},
			"user":         {store.AuditFilter{UserID: 5}, 7},
			"action":       {store.AuditFilter{Action: "create"}, 7},
			"other action": {store.AuditFilter{Action: "delete"}, 0},
			"resource":     {store.AuditFilter{Resource: "sites"}, 7},
			"resource id":  {store.AuditFilter{Resource: "sites", ResourceID: "nope"}, 0},
			"until":        {store.AuditFilter{Until: time.Now().Add(-time.Hour)}, 0},
			"since":        {store.AuditFilter{Since: time.Now().Add(-time.Hour)}, 7},
		} {
			if got := count(c.f); got != c.want {
				t.Errorf("%s: %d rows, want %d", name, got, c.want)
			}
		}
		actors, err := s.AuditActors(bg, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(actors) != 2 || actors[0].Kind != store.ActorApp || actors[0].Display != "App for ops@a.example" || actors[1].ID != 5 {
			t.Fatalf("actors %+v", actors)
		}

		u := &domain.User{AccountID: acct.ID, Email: "ops@a.example", Role: domain.RoleOwner}
		if err := s.CreateUser(bg, u); err != nil {
			t.Fatal(err)
		}
		at := time.Now().UTC().Truncate(time.Millisecond)
		if err := s.NoteSignIn(ops, u.ID, at); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetUser(bg, u.ID)
		if err != nil || got.LastSignInAt == nil || !got.LastSignInAt.Equal(at) {
			t.Fatalf("last sign-in %v %v", got.LastSignInAt, err)
		}
		if n := count(store.AuditFilter{Resource: "users"}); n != 0 {
			t.Fatalf("a sign-in was audited: %d rows", n)
		}
	})
}
