package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestListVersionsGrowWithEveryWrite checks that every kind of write to
// the rows a list page shows makes that list's version grow, that it
// leaves the other list's and the other account's versions alone, and
// that a write the store did not make (plain SQL) counts too.
func TestListVersionsGrowWithEveryWrite(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		acct, err := demo.Seed(ctx, s, demo.Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		other := newAccount(t, s, "Other")
		version := func(id int64, l store.List) int64 {
			t.Helper()
			v, err := s.ListVersion(ctx, id, l)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		step := func(name string, grows store.List, write func() error) {
			t.Helper()
			still := store.ListEvents
			if grows == store.ListEvents {
				still = store.ListPeople
			}
			g0, s0, o0 := version(acct.ID, grows), version(acct.ID, still), version(other.ID, grows)
			if err := write(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if g1 := version(acct.ID, grows); g1 <= g0 {
				t.Errorf("%s: the %s version stayed at %d", name, grows, g0)
			}
			if s1 := version(acct.ID, still); s1 != s0 {
				t.Errorf("%s: the %s version moved from %d to %d", name, still, s0, s1)
			}
			if o1 := version(other.ID, grows); o1 != o0 {
				t.Errorf("%s: the other account's %s version moved from %d to %d", name, grows, o0, o1)
			}
		}
		if version(acct.ID, store.ListPeople) == 0 || version(acct.ID, store.ListEvents) == 0 {
			t.Fatal("seeding the demo left a version at 0")
		}
		if v := version(other.ID, store.ListPeople); v != 0 {
			t.Fatalf("an account without people has version %d", v)
		}

		types, _, err := s.ListCredentialTypes(ctx, acct.ID, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var card *domain.CredentialType
		for _, ty := range types {
			if ty.Kind == domain.KindCard {
				card = ty
			}
		}
		g := &domain.Group{AccountID: acct.ID, Name: "Night shift", CreatedAt: now, UpdatedAt: now}
		if err := s.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		p := &domain.Person{AccountID: acct.ID, FirstName: "Vera", LastName: "Rubin", Enabled: true, CreatedAt: now, UpdatedAt: now}
		step("create a person", store.ListPeople, func() error { return s.CreatePerson(ctx, p) })
		step("rename them", store.ListPeople, func() error {
			p.LastName = "Cooper Rubin"
			return s.UpdatePerson(ctx, p, false, false)
		})
		step("put them in a group", store.ListPeople, func() error {
			p.GroupIDs = []int64{g.ID}
			return s.UpdatePerson(ctx, p, true, false)
		})
		value := "424242"
		c := &domain.Credential{AccountID: acct.ID, PersonID: p.ID, CredentialTypeID: card.ID, Value: &value, CreatedAt: now, UpdatedAt: now}
		step("give them a card", store.ListPeople, func() error { return s.CreateCredential(ctx, c) })
		step("bulk-load people", store.ListPeople, func() error { return demo.AddPeople(ctx, s, acct.ID, 50, now, nil) })
		step("relabel the card type", store.ListPeople, func() error {
			card.Label = "Proximity card"
			return s.UpdateCredentialType(ctx, card)
		})
		step("change a name with plain SQL", store.ListPeople, func() error {
			q := `UPDATE people SET first_name = 'V.' WHERE id = ?`
			if s.Dialect() == store.Postgres {
				q = `UPDATE people SET first_name = 'V.' WHERE id = $1`
			}
			_, err := s.DB().ExecContext(ctx, q, p.ID)
			return err
		})
		step("delete the group", store.ListPeople, func() error { return s.DeleteGroup(ctx, acct.ID, g.ID, now) })
		step("revoke the card", store.ListPeople, func() error {
			_, err := s.DeleteCredential(ctx, acct.ID, p.ID, c.UID, now)
			return err
		})
		step("delete the person", store.ListPeople, func() error { return s.DeletePerson(ctx, acct.ID, p.ID) })
		step("record an event", store.ListEvents, func() error {
			return s.CreateEvent(ctx, &domain.Event{AccountID: acct.ID, EventCode: 10, EventLabel: "Access granted", CreatedAt: now, UpdatedAt: now})
		})

		oldest, ok, err := s.OldestEventSince(ctx, acct.ID, now.Add(-time.Minute))
		if err != nil || !ok || !oldest.Equal(now) {
			t.Fatalf("OldestEventSince = %v %v %v, want %v", oldest, ok, err, now)
		}
		if _, ok, err := s.OldestEventSince(ctx, other.ID, time.Time{}); err != nil || ok {
			t.Fatalf("an account without events: %v %v", ok, err)
		}
	})
}
