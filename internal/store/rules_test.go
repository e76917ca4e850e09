package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// The store refuses every write the domain rules refuse, whoever makes
// it, and stores nothing of it (no row, no journal entry).
func TestStoreEnforcesTheDomainRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newOpsFixture(t, s)
		pin := &domain.CredentialType{AccountID: f.acct.ID, Label: "PIN", Kind: domain.KindPIN}
		card := &domain.CredentialType{AccountID: f.acct.ID, Label: "Card", Kind: domain.KindCard}
		for _, ct := range []*domain.CredentialType{pin, card} {
			if err := s.CreateCredentialType(ctx, ct); err != nil {
				t.Fatal(err)
			}
		}
		seq, err := s.AccessSeq(ctx, f.acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		refused := func(what, field string, err error) {
			t.Helper()
			var e *domain.Error
			if !errors.As(err, &e) || e.Code != domain.EINVALID || e.Fields[field] == nil {
				t.Errorf("%s: got %v, want a message on %s", what, err, field)
			}
		}
		str := func(s string) *string { return &s }
		cred := func(typ *domain.CredentialType, v *string) *domain.Credential {
			return &domain.Credential{AccountID: f.acct.ID, PersonID: f.person.ID, CredentialTypeID: typ.ID, Value: v}
		}
		refused("three-digit PIN", "value", s.CreateCredential(ctx, cred(pin, str("123"))))
		refused("the auto-PIN request as a value", "value", s.CreateCredential(ctx, cred(pin, str(domain.AutoPIN))))
		refused("card with a dash", "value", s.CreateCredential(ctx, cred(card, str("12-34"))))
		refused("card with no value", "value", s.CreateCredential(ctx, cred(card, nil)))
		refused("bulk PIN of letters", "value", s.BulkCreatePeople(ctx, f.acct.ID, []store.BulkPerson{{
			Person:      &domain.Person{FirstName: "Bulk", LastName: "Load", Enabled: true},
			Credentials: []*domain.Credential{{CredentialTypeID: pin.ID, Value: str("abcd")}}}}))
		good := cred(card, str("  00123  "))
		if err := s.CreateCredential(ctx, good); err != nil || *good.Value != "00123" {
			t.Fatalf("card stored as %q: %v", *good.Value, err)
		}
		_, err = s.UpdateCredentialValue(ctx, f.acct.ID, f.person.ID, good.UID, str("no spaces allowed"), time.Now())
		refused("card updated to words", "value", err)

		refused("door in an unknown mode", "mode", s.SaveChannelState(ctx, &domain.Channel{ID: f.door.ID, AccountID: f.acct.ID, Name: "Front", Mode: "open"}))
		relock := time.Now().Add(time.Hour)
		refused("relock time in normal mode", "relock_at", s.SaveChannelState(ctx, &domain.Channel{ID: f.door.ID, AccountID: f.acct.ID, Name: "Front", Mode: domain.ModeNormal, RelockAt: &relock}))
		refused("door without a name", "name", s.CreateChannel(ctx, &domain.Channel{AccountID: f.acct.ID, Name: "  "}))
		refused("site in no known zone", "time_zone", s.CreateSite(ctx, &domain.Site{AccountID: f.acct.ID, Name: "Moon", TimeZone: str("Moon/Base")}))
		refused("shift ending before it starts", "windows", s.CreateShift(ctx, &domain.Shift{AccountID: f.acct.ID, Name: "Odd",
			Windows: []domain.ShiftWindow{{Days: []int{1}, Start: "18:00", End: "09:00"}}}))
		refused("group without a name", "name", s.CreateGroup(ctx, &domain.Group{AccountID: f.acct.ID}))
		refused("credential type named like a person field", "slug", s.CreateCredentialType(ctx, &domain.CredentialType{AccountID: f.acct.ID, Label: "Email", Kind: domain.KindCard}))

		// A reservation must end by midnight in the door's zone: 22:00 to
		// 01:00 London time crosses it; on a New York door the same
		// instants are 17:00 to 20:00, within one day.
		start := time.Date(2025, 6, 10, 21, 0, 0, 0, time.UTC)
		res := &domain.Reservation{AccountID: f.acct.ID, PersonID: f.person.ID, ChannelIDs: []int64{f.door.ID}, StartTime: start, EndTime: start.Add(3 * time.Hour)}
		refused("reservation over London midnight", "end_time", s.CreateReservation(ctx, res))
		refused("reservation of no door", "channel_ids", s.CreateReservation(ctx, &domain.Reservation{AccountID: f.acct.ID, PersonID: f.person.ID, StartTime: start, EndTime: start.Add(time.Hour)}))
		refused("group reservation of no group", "group_ids", s.CreateGroupReservation(ctx, &domain.GroupReservation{AccountID: f.acct.ID, PersonID: f.person.ID, StartTime: start, EndTime: start.Add(time.Hour)}))

		after, err := s.AccessSeq(ctx, f.acct.ID)
		if err != nil || after != seq+1 { // the one good card
			t.Fatalf("journal moved from %d to %d (%v): refused writes left rows", seq, after, err)
		}

		ny := &domain.Site{AccountID: f.acct.ID, Name: "Manhattan", TimeZone: str("America/New_York")}
		if err := s.CreateSite(ctx, ny); err != nil {
			t.Fatal(err)
		}
		door := &domain.Channel{AccountID: f.acct.ID, Name: "NY Lobby", SiteID: &ny.ID}
		if err := s.CreateChannel(ctx, door); err != nil {
			t.Fatal(err)
		}
		res.ChannelIDs = []int64{door.ID}
		if err := s.CreateReservation(ctx, res); err != nil {
			t.Fatalf("the same hours on a New York door: %v", err)
		}
	})
}
