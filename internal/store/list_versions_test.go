package store_test

import (
	"context"
	"slices"
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
		lists := []store.List{store.ListPeople, store.ListEvents, store.ListSettings}
		// step checks that write makes the versions in grows grow, and no
		// other version, nor another account's.
		step := func(name string, write func() error, grows ...store.List) {
			t.Helper()
			before := map[store.List][2]int64{}
			for _, l := range lists {
				before[l] = [2]int64{version(acct.ID, l), version(other.ID, l)}
			}
			if err := write(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, l := range lists {
				v, o := version(acct.ID, l), version(other.ID, l)
				switch {
				case slices.Contains(grows, l) && v <= before[l][0]:
					t.Errorf("%s: the %s version stayed at %d", name, l, v)
				case !slices.Contains(grows, l) && v != before[l][0]:
					t.Errorf("%s: the %s version moved from %d to %d", name, l, before[l][0], v)
				}
				if o != before[l][1] {
					t.Errorf("%s: the other account's %s version moved from %d to %d", name, l, before[l][1], o)
				}
			}
		}
		if version(acct.ID, store.ListPeople) == 0 || version(acct.ID, store.ListEvents) == 0 {
			t.Fatal("seeding the demo left a version at 0")
		}
		if v := version(other.ID, store.ListPeople); v != 0 {
			t.Fatalf("an account without people has version %d", v)
		}
		if v := version(other.ID, store.ListSettings); v == 0 {
			t.Fatal("a new account's settings version is 0: an account made again under the same id would take the old one's")
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
		step("create a person", func() error { return s.CreatePerson(ctx, p) }, store.ListPeople)
		step("rename them", func() error {
			p.LastName = "Cooper Rubin"
			return s.UpdatePerson(ctx, p, false, false)
		}, store.ListPeople)
		step("put them in a group", func() error {
			p.GroupIDs = []int64{g.ID}
			return s.UpdatePerson(ctx, p, true, false)
		}, store.ListPeople)
		value := "424242"
		c := &domain.Credential{AccountID: acct.ID, PersonID: p.ID, CredentialTypeID: card.ID, Value: &value, CreatedAt: now, UpdatedAt: now}
		step("give them a card", func() error { return s.CreateCredential(ctx, c) }, store.ListPeople)
		step("bulk-load people", func() error { return demo.AddPeople(ctx, s, acct.ID, 50, now, nil) }, store.ListPeople)
		step("relabel the card type", func() error {
			card.Label = "Proximity card"
			return s.UpdateCredentialType(ctx, card)
		}, store.ListPeople, store.ListSettings)
		badge := &domain.CredentialType{AccountID: acct.ID, Label: "Badge", Slug: "badge", Kind: domain.KindCard, CreatedAt: now, UpdatedAt: now}
		step("add a credential type", func() error { return s.CreateCredentialType(ctx, badge) }, store.ListPeople, store.ListSettings)
		step("remove it", func() error { return s.DeleteCredentialType(ctx, acct.ID, badge.ID) }, store.ListPeople, store.ListSettings)
		step("move the account to another time zone", func() error {
			acct.TimeZone = "America/New_York"
			return s.UpdateAccount(ctx, acct)
		}, store.ListSettings)
		step("rename the account with plain SQL", func() error {
			return s.ExecForTest(ctx, `UPDATE accounts SET name = 'CoWork HQ East' WHERE id = ?`, acct.ID)
		}, store.ListSettings)
		step("change a name with plain SQL", func() error {
			return s.ExecForTest(ctx, `UPDATE people SET first_name = 'V.' WHERE id = ?`, p.ID)
		}, store.ListPeople)
		step("delete the group", func() error { return s.DeleteGroup(ctx, acct.ID, g.ID, now) }, store.ListPeople)
		step("revoke the card", func() error {
			_, err := s.DeleteCredential(ctx, acct.ID, p.ID, c.UID, now)
			return err
		}, store.ListPeople)
		step("delete the person", func() error { return s.DeletePerson(ctx, acct.ID, p.ID) }, store.ListPeople)
		// An hour on: the demo's events (up to now, and a door's restart
		// at most twenty minutes later) may fall in any minute before now.
		later := now.Add(time.Hour)
		step("record an event", func() error {
			return s.CreateEvent(ctx, &domain.Event{AccountID: acct.ID, EventCode: 10, EventLabel: "Access granted", CreatedAt: later, UpdatedAt: later})
		}, store.ListEvents)

		oldest, ok, err := s.OldestEventSince(ctx, acct.ID, later.Add(-time.Minute))
		if err != nil || !ok || !oldest.Equal(later) {
			t.Fatalf("OldestEventSince = %v %v %v, want %v", oldest, ok, err, later)
		}
		if _, ok, err := s.OldestEventSince(ctx, other.ID, time.Time{}); err != nil || ok {
			t.Fatalf("an account without events: %v %v", ok, err)
		}
	})
}
