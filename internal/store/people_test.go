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

func newAccount(t testing.TB, s *store.Store, name string) *domain.Account {
	t.Helper()
	a := &domain.Account{Name: name, TimeZone: "Europe/London"}
	if err := s.CreateAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func strp(s string) *string { return &s }

func TestPeopleMembershipsAndScoping(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := newAccount(t, s, "A"), newAccount(t, s, "B")
		ga := &domain.Group{AccountID: a.ID, Name: "Members"}
		gb := &domain.Group{AccountID: b.ID, Name: "Other"}
		for _, g := range []*domain.Group{ga, gb} {
			if err := s.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		p := &domain.Person{AccountID: a.ID, FirstName: "Jane", LastName: "Doe", Email: strp("Jane.Doe@example.com"), Enabled: true, GroupIDs: []int64{ga.ID, ga.ID}}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetPerson(ctx, a.ID, p.ID)
		if err != nil || len(got.GroupIDs) != 1 || got.GroupIDs[0] != ga.ID || len(got.RoleIDs) != 0 {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := s.GetPerson(ctx, b.ID, p.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("cross-account get: %v", err)
		}
		// Another account's group is not linkable.
		bad := &domain.Person{AccountID: a.ID, FirstName: "X", LastName: "Y", GroupIDs: []int64{gb.ID}}
		if err := s.CreatePerson(ctx, bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("foreign group: %v", err)
		}
		// Email is unique per account, case-insensitively, but free across accounts.
		dup := &domain.Person{AccountID: a.ID, FirstName: "J", LastName: "D", Email: strp("jane.doe@EXAMPLE.com")}
		if err := s.CreatePerson(ctx, dup); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("duplicate email: %v", err)
		}
		other := &domain.Person{AccountID: b.ID, FirstName: "J", LastName: "D", Email: strp("jane.doe@example.com")}
		if err := s.CreatePerson(ctx, other); err != nil {
			t.Fatalf("same email elsewhere: %v", err)
		}
		// Updating across accounts is not found.
		other.AccountID = a.ID
		if err := s.UpdatePerson(ctx, &domain.Person{ID: other.ID, AccountID: a.ID, FirstName: "Z", LastName: "Z"}, false, false); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("cross-account update: %v", err)
		}
		if err := s.DeletePerson(ctx, a.ID, other.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("cross-account delete: %v", err)
		}
		list, total, err := s.ListPeople(ctx, a.ID, store.PersonFilter{Email: "DOE@", Page: store.Page{Limit: 10}})
		if err != nil || total != 1 || len(list) != 1 || list[0].GroupIDs[0] != ga.ID {
			t.Fatalf("list: %v %d %v", list, total, err)
		}
		if err := s.DeletePerson(ctx, a.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := s.ListPeople(ctx, a.ID, store.PersonFilter{}); total != 0 {
			t.Fatalf("after delete: %d", total)
		}
	})
}

func TestListPeoplePagesAndSince(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAccount(t, s, "A")
		base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		for i := 0; i < 25; i++ {
			p := &domain.Person{AccountID: a.ID, FirstName: "P", LastName: fmt.Sprint(i), SystemID: strp(fmt.Sprintf("S%d", i%5)),
				CreatedAt: base.Add(time.Duration(i) * time.Minute)}
			if err := s.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		page, total, err := s.ListPeople(ctx, a.ID, store.PersonFilter{Page: store.Page{Limit: 10, Offset: 20}})
		if err != nil || total != 25 || len(page) != 5 || page[0].LastName != "20" {
			t.Fatalf("page 3: %d %d %v", total, len(page), err)
		}
		past, total, err := s.ListPeople(ctx, a.ID, store.PersonFilter{Page: store.Page{Limit: 10, Offset: 30}})
		if err != nil || total != 25 || len(past) != 0 || past == nil {
			t.Fatalf("past the end: %v %d %v", past, total, err)
		}
		since := base.Add(20 * time.Minute)
		_, total, _ = s.ListPeople(ctx, a.ID, store.PersonFilter{UpdatedSince: &since})
		if total != 5 {
			t.Fatalf("since: %d", total)
		}
		_, total, _ = s.ListPeople(ctx, a.ID, store.PersonFilter{SystemID: strp("S1")})
		if total != 5 {
			t.Fatalf("system id: %d", total)
		}
	})
}

func TestCredentialsUniqueness(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := newAccount(t, s, "A"), newAccount(t, s, "B")
		pin := &domain.CredentialType{AccountID: a.ID, Label: "PIN", Kind: domain.KindPIN}
		if err := s.CreateCredentialType(ctx, pin); err != nil || pin.Slug != "pin" {
			t.Fatalf("%v %q", err, pin.Slug)
		}
		if err := s.CreateCredentialType(ctx, &domain.CredentialType{AccountID: a.ID, Label: "Mobile", Kind: domain.KindMobile}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("reserved slug accepted: %v", err)
		}
		p1 := &domain.Person{AccountID: a.ID, FirstName: "A", LastName: "One"}
		p2 := &domain.Person{AccountID: a.ID, FirstName: "B", LastName: "Two"}
		pb := &domain.Person{AccountID: b.ID, FirstName: "C", LastName: "Three"}
		for _, p := range []*domain.Person{p1, p2, pb} {
			if err := s.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		c := &domain.Credential{AccountID: a.ID, PersonID: p1.ID, CredentialTypeID: pin.ID, Value: strp("1234")}
		if err := s.CreateCredential(ctx, c); err != nil || c.UID == "" || c.Label != "PIN" {
			t.Fatalf("create: %v %+v", err, c)
		}
		if err := s.CreateCredential(ctx, &domain.Credential{AccountID: a.ID, PersonID: p1.ID, CredentialTypeID: pin.ID, Value: strp("9999")}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("second of type: %v", err)
		}
		if err := s.CreateCredential(ctx, &domain.Credential{AccountID: a.ID, PersonID: p2.ID, CredentialTypeID: pin.ID, Value: strp("1234")}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("value in use: %v", err)
		}
		if err := s.CreateCredential(ctx, &domain.Credential{AccountID: b.ID, PersonID: pb.ID, CredentialTypeID: pin.ID, Value: strp("1234")}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("foreign credential type: %v", err)
		}
		if err := s.CreateCredential(ctx, &domain.Credential{AccountID: a.ID, PersonID: pb.ID, CredentialTypeID: pin.ID, Value: strp("5555")}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("foreign person: %v", err)
		}
		if _, err := s.GetCredential(ctx, b.ID, p1.ID, c.UID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("cross-account credential: %v", err)
		}
		if _, err := s.UpdateCredentialValue(ctx, a.ID, p1.ID, c.UID, strp("1234"), time.Now()); err != nil {
			t.Fatalf("keeping own value: %v", err)
		}
		all, err := s.CredentialsOfPeople(ctx, a.ID, []int64{p1.ID, p2.ID, pb.ID})
		if err != nil || len(all) != 1 {
			t.Fatalf("of people: %v %v", all, err)
		}
		if _, err := s.DeleteCredential(ctx, a.ID, p1.ID, c.UID, time.Now()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestEventsFilterAndGroupReservations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAccount(t, s, "A")
		now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		ch := &domain.Channel{AccountID: a.ID, Name: "Front Door", MACAddress: "00:11:22:33:44:55"}
		if err := s.CreateChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		for i, code := range []int{10, 20, 1, 10} {
			e := &domain.Event{AccountID: a.ID, EventCode: code, EventLabel: "x", ChannelID: &ch.ID, PersonLastName: strp("Doe"),
				CreatedAt: now.Add(time.Duration(-i) * time.Hour)}
			if err := s.CreateEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		evs, total, err := s.ListEvents(ctx, a.ID, store.EventFilter{Codes: []int{10, 20}, LastName: "DOE", ChannelIDs: []int64{ch.ID}, Page: store.Page{Limit: 2}})
		if err != nil || total != 3 || len(evs) != 2 || evs[0].CreatedAt.After(now) || !evs[0].CreatedAt.After(evs[1].CreatedAt) {
			t.Fatalf("events: %v %d %v", evs, total, err)
		}
		g := &domain.Group{AccountID: a.ID, Name: "Visitors"}
		_ = s.CreateGroup(ctx, g)
		p := &domain.Person{AccountID: a.ID, FirstName: "V", LastName: "Isitor"}
		_ = s.CreatePerson(ctx, p)
		gr := &domain.GroupReservation{AccountID: a.ID, PersonID: p.ID, StartTime: now.Add(-time.Hour), EndTime: now.Add(time.Hour), GroupIDs: []int64{g.ID}}
		if err := s.CreateGroupReservation(ctx, gr); err != nil {
			t.Fatal(err)
		}
		kept, err := s.CancelGroupReservation(ctx, a.ID, gr.ID, now)
		if err != nil || !kept {
			t.Fatalf("cancel active: %v %v", kept, err)
		}
		got, err := s.GetGroupReservation(ctx, a.ID, gr.ID)
		if err != nil || got.State(now) != "deactivated" || len(got.GroupIDs) != 1 {
			t.Fatalf("after cancel: %+v %v", got, err)
		}
		list, total, err := s.ListGroupReservations(ctx, a.ID, store.GroupReservationFilter{EndsAfter: now})
		if err != nil || total != 1 || len(list[0].GroupIDs) != 1 {
			t.Fatalf("list: %v %d %v", list, total, err)
		}
	})
}
