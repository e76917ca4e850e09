package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// opsFixture is an account with one door, one person and a shift.
type opsFixture struct {
	acct   *domain.Account
	door   *domain.Channel
	person *domain.Person
	shift  *domain.Shift
}

func newOpsFixture(t *testing.T, s *store.Store) opsFixture {
	t.Helper()
	ctx := context.Background()
	f := opsFixture{acct: &domain.Account{Name: "Ops", TimeZone: "Europe/London"}}
	if err := s.CreateAccount(ctx, f.acct); err != nil {
		t.Fatal(err)
	}
	f.shift = &domain.Shift{AccountID: f.acct.ID, Name: "Days", Windows: []domain.ShiftWindow{{Days: []int{1, 2, 3, 4, 5}, Start: "08:00", End: "18:00"}}}
	f.door = &domain.Channel{AccountID: f.acct.ID, Name: "Front", MACAddress: "00:11:22:33:44:55"}
	f.person = &domain.Person{AccountID: f.acct.ID, FirstName: "Ada", LastName: "Lovelace", Enabled: true}
	if err := s.CreateShift(ctx, f.shift); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateChannel(ctx, f.door); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePerson(ctx, f.person); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestNotificationRulesStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newOpsFixture(t, s)
		n := &domain.NotificationRule{AccountID: f.acct.ID, Name: "Hook", Active: true, CallbackURL: "https://example.com/",
			EventCodes: []int{10, 20}, ChannelIDs: []int64{f.door.ID, f.door.ID}}
		if err := s.CreateNotificationRule(ctx, n); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetNotificationRule(ctx, f.acct.ID, n.ID)
		if err != nil || len(got.ChannelIDs) != 1 || len(got.EventCodes) != 2 || !got.Active {
			t.Fatalf("get %+v %v", got, err)
		}
		bad := *n
		bad.ChannelIDs = []int64{999999}
		if err := s.UpdateNotificationRule(ctx, &bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("foreign door: %v", err)
		}
		got.Active, got.EventCodes = false, []int{52}
		if err := s.UpdateNotificationRule(ctx, got); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListNotificationRules(ctx, f.acct.ID)
		if err != nil || len(list) != 1 || list[0].Active || list[0].EventCodes[0] != 52 {
			t.Fatalf("list %+v %v", list, err)
		}
		if _, err := s.GetNotificationRule(ctx, f.acct.ID+1, n.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("other account: %v", err)
		}
		if err := s.DeleteNotificationRule(ctx, f.acct.ID, n.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteNotificationRule(ctx, f.acct.ID, n.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestCommandsAdmissionsAndSync(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newOpsFixture(t, s)
		now := time.Date(2025, 6, 10, 10, 0, 0, 0, time.UTC)
		c1 := &domain.ChannelCommand{AccountID: f.acct.ID, ChannelID: f.door.ID, Kind: domain.CommandUnlock, CreatedAt: now}
		c2 := &domain.ChannelCommand{AccountID: f.acct.ID, ChannelID: f.door.ID, Kind: domain.CommandNormal, Payload: `{"x":1}`, CreatedAt: now}
		for _, c := range []*domain.ChannelCommand{c1, c2} {
			if err := s.CreateChannelCommand(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetChannelCommandStatus(ctx, c1.ID, domain.CommandDelivered, now); err != nil {
			t.Fatal(err)
		}
		q, err := s.QueuedChannelCommands(ctx, f.door.ID)
		if err != nil || len(q) != 1 || q[0].ID != c2.ID || q[0].Payload != `{"x":1}` || q[0].Status != domain.CommandQueued {
			t.Fatalf("queued %+v %v", q, err)
		}

		ev := &domain.Event{AccountID: f.acct.ID, EventCode: domain.EventRemoteAdmitRequested, EventLabel: "requested", CreatedAt: now}
		if err := s.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		req := &domain.AdmissionRequest{ID: ev.ID, AccountID: f.acct.ID, ChannelID: f.door.ID, ChannelName: "Front", Status: domain.AdmissionPending, RequestedAt: now}
		if err := s.CreateAdmissionRequest(ctx, req); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetAdmissionRequest(ctx, f.acct.ID, ev.ID)
		if err != nil || got.StatusAt(now.Add(119*time.Second)) != domain.AdmissionPending || got.StatusAt(now.Add(2*time.Minute)) != domain.AdmissionTimeout {
			t.Fatalf("admission %+v %v", got, err)
		}
		if err := s.CompleteAdmissionRequest(ctx, ev.ID, domain.AdmissionAdmitted, now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteAdmissionRequest(ctx, ev.ID, domain.AdmissionDenied, now.Add(time.Second)); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("completing twice: %v", err)
		}
		if got, _ := s.GetAdmissionRequest(ctx, f.acct.ID, ev.ID); got.StatusAt(now.Add(time.Hour)) != domain.AdmissionAdmitted || got.CompletedAt == nil {
			t.Fatalf("completed %+v", got)
		}

		if wait, err := s.ClaimSync(ctx, f.acct.ID, now, 30*time.Second); err != nil || wait != 0 {
			t.Fatalf("first sync %v %v", wait, err)
		}
		if wait, _ := s.ClaimSync(ctx, f.acct.ID, now.Add(12*time.Second), 30*time.Second); wait != 18*time.Second {
			t.Fatalf("second sync wait %v", wait)
		}
		if wait, _ := s.ClaimSync(ctx, f.acct.ID, now.Add(30*time.Second), 30*time.Second); wait != 0 {
			t.Fatalf("third sync wait %v", wait)
		}
	})
}
