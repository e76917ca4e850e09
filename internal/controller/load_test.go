package controller_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestLoadDemo builds the snapshot of the CoWork HQ demo on every backend
// and checks decisions for known people and doors.
func TestLoadDemo(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2025, 6, 10, 10, 30, 0, 0, time.UTC) // Tuesday 11:30 in London
		acct, err := demo.Seed(ctx, st, demo.Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		snap, err := controller.LoadAccess(ctx, st, acct.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		people, _, err := st.ListPeople(ctx, acct.ID, store.PersonFilter{})
		if err != nil || len(people) != 50 {
			t.Fatalf("people %d: %v", len(people), err)
		}
		ids := []int64{}
		for _, p := range people {
			ids = append(ids, p.ID)
		}
		creds, err := st.CredentialsOfPeople(ctx, acct.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		if snap.People() != 50 || snap.Credentials() != len(creds) {
			t.Fatalf("snapshot holds %d people, %d credentials; store %d credentials", snap.People(), snap.Credentials(), len(creds))
		}
		types, _, _ := st.ListCredentialTypes(ctx, acct.ID, store.Page{})
		typeID := map[string]int64{}
		for _, x := range types {
			typeID[x.Label] = x.ID
		}
		value := func(p *domain.Person, label string) string {
			for _, c := range creds {
				if c.PersonID == p.ID && c.CredentialTypeID == typeID[label] {
					return *c.Value
				}
			}
			t.Fatalf("%s %s has no %s", p.FirstName, p.LastName, label)
			return ""
		}
		chans, _, _ := st.ListChannels(ctx, acct.ID, nil, store.Page{})
		door := map[string]int64{}
		for _, c := range chans {
			door[c.Name] = c.ID
		}
		local := func(day, h, m int) time.Time {
			return time.Date(2025, 6, day, h, m, 0, 0, acct.Location())
		}
		john, staff, visitor, disabled, last := people[0], people[3], people[7], people[16], people[49]
		cases := []struct {
			name   string
			p      *domain.Person
			cred   string
			door   string
			at     time.Time
			admit  bool
			code   int
			reason access.Reason
		}{
			{"member at the front door", john, "Card", "Front Door", now, true, 10, access.ReasonGranted},
			{"member PIN", john, "PIN", "Reception Inner Door", now, true, 11, access.ReasonGranted},
			{"member at the server room", john, "Card", "Server Room", now, false, 27, access.ReasonNoAccess},
			{"front door auto-unlocks in the morning", john, "Card", "Front Door", local(10, 9, 0), true, 16, access.ReasonUnlocked},
			{"member after extended hours", john, "Card", "Meeting Room 1", local(10, 23, 30), false, 21, access.ReasonOutsideSchedule},
			{"bike store around the clock", john, "Card", "Bike Store", local(10, 3, 0), true, 10, access.ReasonGranted},
			{"staff at the server room at night", staff, "Card", "Server Room", local(10, 2, 0), true, 10, access.ReasonGranted},
			{"visitor in office hours", visitor, "Card", "Reception Inner Door", now, true, 10, access.ReasonGranted},
			{"visitor on Saturday", visitor, "Card", "Reception Inner Door", local(14, 11, 0), false, 21, access.ReasonOutsideSchedule},
			{"visitor at the annex", visitor, "Card", "Annex Entrance", now, false, 27, access.ReasonNoAccess},
			{"disabled member", disabled, "Card", "Front Door", now, false, 21, access.ReasonPersonDisabled},
			{"staff by group reservation", last, "Card", "Server Room", now, true, 10, access.ReasonGranted},
			{"group reservation over", last, "Card", "Server Room", now.AddDate(0, 0, 6), false, 21, access.ReasonOutsideSchedule},
		}
		for _, c := range cases {
			d := access.Evaluate(snap, door[c.door], typeID[c.cred], value(c.p, c.cred), c.at)
			if d.Admit != c.admit || d.Code != c.code || d.Reason != c.reason || d.PersonID != c.p.ID {
				t.Errorf("%s: got %v %d %s person %d (%s)", c.name, d.Admit, d.Code, d.Reason, d.PersonID, d.Label())
			}
		}
		if d := access.Evaluate(snap, door["Front Door"], typeID["Card"], value(john, "Card"), now); d.Label() != "John Doe admitted using card" {
			t.Errorf("label %q", d.Label())
		}
		if d := access.Evaluate(snap, door["Front Door"], typeID["Card"], "0000000000", now); d.Code != 20 {
			t.Errorf("unknown card: %+v", d)
		}
		if _, err := controller.LoadAccess(ctx, st, acct.ID+1000, now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("missing account: %v", err)
		}
	})
}
