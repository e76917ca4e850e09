package demo_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestAddPeople(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2025, 6, 10, 10, 30, 0, 0, time.UTC)
		acct, err := demo.Seed(ctx, st, demo.Options{Now: func() time.Time { return now }, People: 20})
		if err != nil {
			t.Fatal(err)
		}
		var last, calls int
		if err := demo.AddPeople(ctx, st, acct.ID, 4500, now, func(done, total int) {
			if total != 4500 || done <= last {
				t.Errorf("progress %d of %d after %d", done, total, last)
			}
			last, calls = done, calls+1
		}); err != nil {
			t.Fatal(err)
		}
		if last != 4500 || calls != 3 {
			t.Errorf("progress ended at %d after %d calls", last, calls)
		}
		// A second call numbers after the first: no email or card clash.
		if err := demo.AddPeople(ctx, st, acct.ID, 10, now, nil); err != nil {
			t.Fatal(err)
		}
		people, total, err := st.ListPeople(ctx, acct.ID, store.PersonFilter{})
		if err != nil || total != 4530 {
			t.Fatalf("people %d, %v", total, err)
		}
		groups, _ := st.ListGroups(ctx, acct.ID)
		name := map[int64]string{}
		for _, g := range groups {
			name[g.ID] = g.Name
		}
		count := map[string]int{}
		disabled := 0
		for _, p := range people[20:] {
			if len(p.GroupIDs) != 1 || p.Email == nil || p.SystemID == nil {
				t.Fatalf("person %+v", p)
			}
			g := name[p.GroupIDs[0]]
			count[g]++
			if g == "Visitors" && (p.ValidFrom == nil || p.ValidTo == nil || !p.ValidTo.After(now)) {
				t.Fatalf("visitor without a validity: %+v", p)
			}
			if !p.Enabled {
				disabled++
			}
		}
		if count["Staff"] != 451 || count["Visitors"] != 451 || count["Members"] != 3608 || disabled < 260 || disabled > 270 {
			t.Errorf("groups %v, %d disabled", count, disabled)
		}
		creds, n, err := st.ListCredentials(ctx, acct.ID, nil, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		values, cards := map[string]bool{}, 0
		for _, c := range creds {
			if c.Label == "Card" {
				cards++
				if values[*c.Value] || len(*c.Value) != 10 {
					t.Fatalf("card value %q repeated or malformed", *c.Value)
				}
				values[*c.Value] = true
			}
		}
		if cards != 4530 || n < 4530 {
			t.Errorf("%d cards among %d credentials", cards, n)
		}
		// The new cards open doors like the seeded ones.
		snap, err := controller.LoadAccess(ctx, st, acct.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		chs, _, _ := st.ListChannels(ctx, acct.ID, nil, store.Page{})
		admitted := 0
		for _, c := range creds[len(creds)-100:] {
			if access.Evaluate(snap, chs[0].ID, c.CredentialTypeID, *c.Value, now).Admit {
				admitted++
			}
		}
		if admitted < 80 {
			t.Errorf("only %d of the last 100 cards open the front door", admitted)
		}
		changes, err := st.ListResourceChangesAfter(ctx, 0, 10000)
		if err != nil || len(changes) != n {
			t.Errorf("%d credential changes for %d credentials (%v)", len(changes), n, err)
		}
	})
}

func TestBulkCreatePeopleRefuses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		acct, err := demo.Seed(ctx, st, demo.Options{People: 3})
		if err != nil {
			t.Fatal(err)
		}
		types, _, _ := st.ListCredentialTypes(ctx, acct.ID, store.Page{})
		card := types[0].ID
		existing, _, _ := st.ListCredentials(ctx, acct.ID, nil, store.Page{})
		person := func(email string, creds ...*domain.Credential) store.BulkPerson {
			return store.BulkPerson{Person: &domain.Person{FirstName: "A", LastName: "B", Email: &email, Enabled: true}, Credentials: creds}
		}
		val := func(s string) *string { return &s }
		cases := map[string]struct {
			batch []store.BulkPerson
			code  string
		}{
			"foreign group": {[]store.BulkPerson{{Person: &domain.Person{FirstName: "A", GroupIDs: []int64{99999}}}}, domain.EINVALID},
			"foreign type":  {[]store.BulkPerson{person("x@example.com", &domain.Credential{CredentialTypeID: 99999, Value: val("1")})}, domain.EINVALID},
			"taken email":   {[]store.BulkPerson{person("john.doe@example.com")}, domain.EINVALID},
			"value twice": {[]store.BulkPerson{person("a@example.com", &domain.Credential{CredentialTypeID: card, Value: val("77")}),
				person("b@example.com", &domain.Credential{CredentialTypeID: card, Value: val("77")})}, domain.EINVALID},
			"value in use": {[]store.BulkPerson{person("c@example.com", &domain.Credential{CredentialTypeID: existing[0].CredentialTypeID,
				Value: existing[0].Value})}, domain.EINVALID},
			"type twice": {[]store.BulkPerson{person("d@example.com", &domain.Credential{CredentialTypeID: card, Value: val("1")},
				&domain.Credential{CredentialTypeID: card, Value: val("2")})}, domain.ECONFLICT},
		}
		// The same refusals in batches large enough to go in with COPY on
		// PostgreSQL: the offending row comes last.
		large := func(bad store.BulkPerson) []store.BulkPerson {
			out := make([]store.BulkPerson, 0, 601)
			for i := range 600 {
				out = append(out, person(fmt.Sprintf("filler%d@example.com", i),
					&domain.Credential{CredentialTypeID: card, Value: val(fmt.Sprint(5_000_000 + i))}))
			}
			return append(out, bad)
		}
		cases["taken email, large batch"] = struct {
			batch []store.BulkPerson
			code  string
		}{large(person("john.doe@example.com")), domain.EINVALID}
		cases["value in use, large batch"] = struct {
			batch []store.BulkPerson
			code  string
		}{large(person("e@example.com", &domain.Credential{CredentialTypeID: existing[0].CredentialTypeID, Value: existing[0].Value})), domain.EINVALID}
		for name, c := range cases {
			if err := st.BulkCreatePeople(ctx, acct.ID, c.batch); domain.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", name, err, c.code)
			}
		}
		if _, total, _ := st.ListPeople(ctx, acct.ID, store.PersonFilter{}); total != 3 {
			t.Errorf("a refused batch left people behind: %d", total)
		}
		if err := st.BulkCreatePeople(ctx, acct.ID, nil); err != nil {
			t.Errorf("empty batch: %v", err)
		}
	})
}

// TestAddWiegandPeople gives out card numbers a controller board holds.
func TestAddWiegandPeople(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		acct, err := demo.Seed(ctx, st, demo.Options{People: 5})
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.AddWiegandPeople(ctx, st, acct.ID, 300, time.Now(), nil); err != nil {
			t.Fatal(err)
		}
		creds, _, err := st.ListCredentials(ctx, acct.ID, nil, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		wiegand := 0
		for _, c := range creds {
			if c.Value == nil || c.Label != "Card" {
				continue
			}
			n, err := strconv.ParseUint(*c.Value, 10, 32)
			if err == nil && n >= 100_001 && n <= 25_565_535 && n%100_000 != 0 {
				wiegand++
			}
		}
		if wiegand < 300 {
			t.Fatalf("%d of the cards are 26-bit Wiegand numbers, want at least 300", wiegand)
		}
	})
}
