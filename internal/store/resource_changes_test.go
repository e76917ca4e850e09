package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// Every credential write records its change, in order, and a failed write
// records nothing.
func TestCredentialWritesRecordChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAccount(t, s, "A")
		pin := &domain.CredentialType{AccountID: a.ID, Label: "PIN", Kind: domain.KindPIN}
		if err := s.CreateCredentialType(ctx, pin); err != nil {
			t.Fatal(err)
		}
		p := &domain.Person{AccountID: a.ID, FirstName: "A", LastName: "One"}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		at := time.UnixMilli(1_700_000_000_000).UTC()
		c := &domain.Credential{AccountID: a.ID, PersonID: p.ID, CredentialTypeID: pin.ID, Value: strp("1234"), CreatedAt: at}
		if err := s.CreateCredential(ctx, c); err != nil {
			t.Fatal(err)
		}
		// A conflicting create fails and must leave no change behind.
		dup := &domain.Credential{AccountID: a.ID, PersonID: p.ID, CredentialTypeID: pin.ID, Value: strp("9999")}
		if err := s.CreateCredential(ctx, dup); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate create: %v", err)
		}
		if _, err := s.UpdateCredentialValue(ctx, a.ID, p.ID, c.UID, strp("4321"), at.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteCredential(ctx, a.ID, p.ID, c.UID, at.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListResourceChangesAfter(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{store.ChangeCreate, store.ChangeUpdate, store.ChangeDestroy}
		if len(got) != len(want) {
			t.Fatalf("changes: %+v", got)
		}
		for i, ch := range got {
			if ch.Action != want[i] || ch.ResourceType != store.ResourcePersonCredential || ch.ResourceID != c.UID ||
				ch.PersonID != p.ID || ch.AccountID != a.ID || !ch.CreatedAt.Equal(at.Add(time.Duration(i)*time.Second)) {
				t.Fatalf("change %d: %+v", i, ch)
			}
		}
		if later, err := s.ListResourceChangesAfter(ctx, got[0].ID, 1); err != nil || len(later) != 1 || later[0].ID != got[1].ID {
			t.Fatalf("after %d: %+v %v", got[0].ID, later, err)
		}
		if max, err := s.MaxResourceChangeID(ctx); err != nil || max != got[2].ID {
			t.Fatalf("max %d %v", max, err)
		}
		if one, err := s.GetResourceChange(ctx, got[1].ID); err != nil || one.Action != store.ChangeUpdate {
			t.Fatalf("get: %+v %v", one, err)
		}
		if _, err := s.GetResourceChange(ctx, got[2].ID+100); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing change: %v", err)
		}
	})
}

// The change cursor starts once, moves by compare-and-set with its
// deliveries, and the deliveries name the change, not an event.
func TestChangeCursorAndDeliveries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, _, app := oauthFixture(t, s)
		now := time.UnixMilli(1_700_000_000_000).UTC()
		ep, err := s.SetAppWebhook(ctx, app.ID, "https://hooks.test/in", "sekrit", now)
		if err != nil {
			t.Fatal(err)
		}
		if cur, err := s.ChangeCursors(ctx); err != nil || len(cur) != 0 {
			t.Fatalf("cursor before start: %v %v", cur, err)
		}
		ch := &store.ResourceChange{AccountID: a.ID, ResourceType: store.ResourcePersonCredential, ResourceID: "abc", PersonID: 7, Action: store.ChangeCreate}
		if err := s.RecordResourceChange(ctx, ch); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.StartChangeCursor(ctx, ep.ID, ch.ID-1); err != nil || !ok {
			t.Fatalf("start: %v %v", ok, err)
		}
		if ok, err := s.StartChangeCursor(ctx, ep.ID, 999); err != nil || ok {
			t.Fatalf("second start moved the cursor: %v %v", ok, err)
		}
		if cur, err := s.ChangeCursors(ctx); err != nil || cur[ep.ID] != ch.ID-1 {
			t.Fatalf("cursor: %v %v", cur, err)
		}
		if moved, err := s.EnqueueChangeDeliveries(ctx, ep.ID, ch.ID-1, ch.ID, []*store.ResourceChange{ch}, now); err != nil || !moved {
			t.Fatalf("enqueue: %v %v", moved, err)
		}
		if moved, err := s.EnqueueChangeDeliveries(ctx, ep.ID, ch.ID-1, ch.ID, []*store.ResourceChange{ch}, now); err != nil || moved {
			t.Fatalf("stale enqueue: %v %v", moved, err)
		}
		got, err := s.ClaimWebhookDeliveries(ctx, now, time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].ChangeID != ch.ID || got[0].EventID != 0 || got[0].EventCode != 0 || got[0].AccountUID != a.UID {
			t.Fatalf("claimed: %+v %v", got, err)
		}
		// An event with the change's id is another thing: acknowledging
		// it leaves the change's delivery alone.
		if ok, err := s.AckWebhookEvent(ctx, ep.ID, ch.ID, now); err != nil || ok {
			t.Fatalf("ack of the event with the change's id: %v %v", ok, err)
		}
		if ok, err := s.AckWebhookChange(ctx, ep.ID, ch.ID, now); err != nil || !ok {
			t.Fatalf("ack: %v %v", ok, err)
		}
		if ok, err := s.AckWebhookChange(ctx, ep.ID, ch.ID, now); err != nil || ok {
			t.Fatalf("second ack found something new: %v %v", ok, err)
		}
		rp, err := s.ReplayWebhookDelivery(ctx, got[0].ID, now)
		if err != nil || rp.ChangeID != ch.ID || rp.EventID != 0 || rp.ReplayOf != got[0].ID || rp.AckedAt != nil {
			t.Fatalf("replay: %+v %v", rp, err)
		}
		if err := s.StopChangeCursor(ctx, ep.ID); err != nil {
			t.Fatal(err)
		}
		if cur, err := s.ChangeCursors(ctx); err != nil || len(cur) != 0 {
			t.Fatalf("cursor after stop: %v %v", cur, err)
		}
	})
}

// Deleting a person can announce the credentials that go with them.
func TestRecordPersonCredentialsDestroyed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, p, c := personWithPIN(t, s)
		if err := s.RecordPersonCredentialsDestroyed(ctx, a.ID, p.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListResourceChangesAfter(ctx, 0, 10)
		if err != nil || len(got) != 2 || got[1].Action != store.ChangeDestroy || got[1].ResourceID != c.UID {
			t.Fatalf("changes: %+v %v", got, err)
		}
	})
}

func TestDeletePersonAnnouncesCredentialsDestroyed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, p, c := personWithPIN(t, s)
		if err := s.DeletePerson(ctx, a.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListResourceChangesAfter(ctx, 0, 10)
		if err != nil || len(got) != 2 || got[1].Action != store.ChangeDestroy || got[1].ResourceID != c.UID {
			t.Fatalf("changes after deleting the person: %+v %v", got, err)
		}
	})
}

// personWithPIN creates an account holding one person with one PIN.
func personWithPIN(t *testing.T, s *store.Store) (*domain.Account, *domain.Person, *domain.Credential) {
	t.Helper()
	ctx := context.Background()
	a := newAccount(t, s, "A")
	pin := &domain.CredentialType{AccountID: a.ID, Label: "PIN", Kind: domain.KindPIN}
	if err := s.CreateCredentialType(ctx, pin); err != nil {
		t.Fatal(err)
	}
	p := &domain.Person{AccountID: a.ID, FirstName: "A", LastName: "One"}
	if err := s.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	c := &domain.Credential{AccountID: a.ID, PersonID: p.ID, CredentialTypeID: pin.ID, Value: strp("1234")}
	if err := s.CreateCredential(ctx, c); err != nil {
		t.Fatal(err)
	}
	return a, p, c
}
