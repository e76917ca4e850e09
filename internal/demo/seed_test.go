package demo_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

var (
	macRe = regexp.MustCompile(`^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$`)
	pinRe = regexp.MustCompile(`^\d{4,8}$`)
)

func TestSeedMakesValidData(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2025, 6, 10, 10, 30, 0, 0, time.UTC)
		var progress []int
		acct, err := demo.Seed(ctx, st, demo.Options{Now: func() time.Time { return now }, Progress: func(done, total int) {
			if total != 50 {
				t.Errorf("progress total %d", total)
			}
			progress = append(progress, done)
		}})
		if err != nil {
			t.Fatal(err)
		}
		if acct.Name != "CoWork HQ" || acct.Location().String() != "Europe/London" || len(progress) == 0 || progress[len(progress)-1] != 50 {
			t.Fatalf("account %+v, progress %v", acct, progress)
		}
		sites, _, _ := st.ListSites(ctx, acct.ID, store.Page{})
		chs, _, _ := st.ListChannels(ctx, acct.ID, nil, store.Page{})
		types, _, _ := st.ListCredentialTypes(ctx, acct.ID, store.Page{})
		groups, _ := st.ListGroups(ctx, acct.ID)
		roles, _ := st.ListRoles(ctx, acct.ID)
		if len(sites) != 2 || len(chs) < 4 || len(types) != 4 || len(groups) != 3 {
			t.Fatalf("sites %d channels %d types %d groups %d", len(sites), len(chs), len(types), len(groups))
		}
		for _, c := range chs {
			if !macRe.MatchString(c.MACAddress) || c.SiteID == nil {
				t.Errorf("channel %+v", c)
			}
			// No controller is connected: no door may claim to be online.
			if c.Status != "offline" {
				t.Errorf("channel %s is %s without a controller", c.Name, c.Status)
			}
		}
		shifted, allHours := 0, 0
		for _, r := range roles {
			if len(r.GroupIDs) == 0 || len(r.ChannelIDs) == 0 {
				t.Errorf("role %s links nothing", r.Name)
			}
			if r.ShiftID == nil {
				allHours++
			} else {
				shifted++
			}
		}
		if shifted == 0 || allHours == 0 {
			t.Fatalf("roles with shifts %d, without %d", shifted, allHours)
		}
		people, total, _ := st.ListPeople(ctx, acct.ID, store.PersonFilter{})
		if total != 50 {
			t.Fatalf("%d people", total)
		}
		ids := make([]int64, len(people))
		doe := false
		for i, p := range people {
			ids[i] = p.ID
			doe = doe || p.LastName == "Doe"
			if len(p.GroupIDs) != 1 || p.Email == nil {
				t.Errorf("person %+v", p)
			}
		}
		if !doe {
			t.Fatal("no Doe among the people")
		}
		kind := map[int64]string{}
		for _, ty := range types {
			kind[ty.ID] = ty.Kind
		}
		creds, _ := st.CredentialsOfPeople(ctx, acct.ID, ids)
		cards, pins := 0, 0
		for _, c := range creds {
			switch kind[c.CredentialTypeID] {
			case domain.KindPIN:
				pins++
				if !pinRe.MatchString(*c.Value) {
					t.Errorf("PIN %q", *c.Value)
				}
			case domain.KindCard:
				cards++
			}
		}
		if cards != 50 || pins < 25 {
			t.Fatalf("cards %d pins %d", cards, pins)
		}
		res, _, _ := st.ListReservations(ctx, acct.ID, store.ReservationFilter{EndsAfter: now})
		grs, _, _ := st.ListGroupReservations(ctx, acct.ID, store.GroupReservationFilter{EndsAfter: now.AddDate(0, 0, -30)})
		states := map[string]int{}
		for _, g := range grs {
			states[g.State(now)]++
		}
		if len(res) == 0 || states["active"] == 0 || states["pending"] == 0 || states["deactivated"] == 0 {
			t.Fatalf("reservations %d, group reservation states %v", len(res), states)
		}
		evs, n, _ := st.ListEvents(ctx, acct.ID, store.EventFilter{Since: now.AddDate(0, 0, -30)})
		admits, rejects := 0, 0
		for _, e := range evs {
			if e.CreatedAt.After(now) {
				t.Fatalf("event in the future: %+v", e)
			}
			switch {
			case e.EventCode >= 10 && e.EventCode <= 18:
				admits++
			case e.EventCode >= 20 && e.EventCode <= 29:
				rejects++
			}
		}
		if n < 100 || admits == 0 || rejects == 0 {
			t.Fatalf("events %d admits %d rejects %d", n, admits, rejects)
		}
		// A second demo account is independent.
		if _, err := demo.Seed(ctx, st, demo.Options{People: 5}); err != nil {
			t.Fatalf("second seed: %v", err)
		}
	})
}
