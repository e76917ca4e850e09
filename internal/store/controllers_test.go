package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func controllerFixture(t *testing.T, s *store.Store) (acct *domain.Account, doors []*domain.Channel) {
	t.Helper()
	ctx := context.Background()
	acct = &domain.Account{Name: "Ctl", TimeZone: "UTC"}
	if err := s.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	for i, mac := range []string{"aa:bb", "aa:bb", "cc:dd"} {
		ch := &domain.Channel{AccountID: acct.ID, Name: "Door " + string(rune('A'+i)), MACAddress: mac}
		if err := s.CreateChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		doors = append(doors, ch)
	}
	return acct, doors
}

func TestControllersEnrolAndCover(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		acct, doors := controllerFixture(t, s)
		one := &store.Controller{AccountID: acct.ID, Name: "one", SecretDigest: "d1"}
		if err := s.CreateController(ctx, one, []int64{doors[2].ID}); err != nil {
			t.Fatal(err)
		}
		mac := "aa:bb"
		byMAC := &store.Controller{AccountID: acct.ID, Name: "mac", MACAddress: &mac, SecretDigest: "d2"}
		if err := s.CreateController(ctx, byMAC, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateController(ctx, &store.Controller{AccountID: acct.ID, SecretDigest: "d3"}, nil); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("no door: %v", err)
		}
		if err := s.CreateController(ctx, &store.Controller{AccountID: acct.ID, SecretDigest: "d4"}, []int64{999999}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("foreign door: %v", err)
		}
		if err := s.CreateController(ctx, &store.Controller{AccountID: acct.ID, SecretDigest: "d1"}, []int64{doors[0].ID}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("same digest: %v", err)
		}
		got, err := s.ControllerBySecretDigest(ctx, "d2")
		if err != nil || got.ID != byMAC.ID {
			t.Fatalf("by digest: %+v %v", got, err)
		}
		ids, err := s.ControllerChannels(ctx, got)
		if err != nil || !slices.Equal(ids, []int64{doors[0].ID, doors[1].ID}) {
			t.Fatalf("MAC doors: %v %v", ids, err)
		}
		ids, err = s.ControllerChannels(ctx, one)
		if err != nil || !slices.Equal(ids, []int64{doors[2].ID}) {
			t.Fatalf("listed doors: %v %v", ids, err)
		}
		if err := s.RevokeController(ctx, acct.ID, one.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ControllerBySecretDigest(ctx, "d1"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("revoked: %v", err)
		}
		list, err := s.ListControllers(ctx, acct.ID)
		if err != nil || len(list) != 2 || list[0].RevokedAt == nil {
			t.Fatalf("list: %+v %v", list, err)
		}
	})
}

func TestControllerHeartbeatsAndOffline(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		acct, doors := controllerFixture(t, s)
		c := &store.Controller{AccountID: acct.ID, Name: "c", SecretDigest: "d"}
		if err := s.CreateController(ctx, c, []int64{doors[0].ID, doors[1].ID}); err != nil {
			t.Fatal(err)
		}
		t0 := time.UnixMilli(1_700_000_000_000)
		n, err := s.RecordHeartbeat(ctx, c.ID, []int64{doors[0].ID, doors[1].ID}, t0)
		if err != nil || n != 2 {
			t.Fatalf("online: %d %v", n, err)
		}
		if n, _ := s.RecordHeartbeat(ctx, c.ID, []int64{doors[0].ID}, t0.Add(time.Minute)); n != 0 {
			t.Fatalf("already online counted: %d", n)
		}
		n, err = s.MarkSilentChannelsOffline(ctx, t0.Add(30*time.Second))
		if err != nil || n != 1 {
			t.Fatalf("offline: %d %v", n, err)
		}
		a, _ := s.GetChannel(ctx, acct.ID, doors[0].ID)
		b, _ := s.GetChannel(ctx, acct.ID, doors[1].ID)
		other, _ := s.GetChannel(ctx, acct.ID, doors[2].ID)
		if a.Status != "online" || b.Status != "offline" || other.Status != "offline" {
			t.Fatalf("statuses %s %s %s", a.Status, b.Status, other.Status)
		}
	})
}

func TestControllerEventsAreIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		acct, doors := controllerFixture(t, s)
		mk := func(id string) *domain.Event {
			return &domain.Event{AccountID: acct.ID, EventCode: 10, EventLabel: "x", ChannelID: &doors[0].ID, ClientEventID: &id,
				CreatedAt: time.UnixMilli(1_700_000_000_000)}
		}
		first, err := s.StoreControllerEvents(ctx, []*domain.Event{mk("a"), mk("b")})
		if err != nil || len(first) != 2 || first[0].Duplicate || first[1].Duplicate {
			t.Fatalf("first: %+v %v", first, err)
		}
		again, err := s.StoreControllerEvents(ctx, []*domain.Event{mk("b"), mk("c")})
		if err != nil || !again[0].Duplicate || again[0].EventID != first[1].EventID || again[1].Duplicate {
			t.Fatalf("retry: %+v %v", again, err)
		}
		_, total, err := s.ListEvents(ctx, acct.ID, store.EventFilter{})
		if err != nil || total != 3 {
			t.Fatalf("stored %d events, %v", total, err)
		}
		if _, err := s.StoreControllerEvents(ctx, []*domain.Event{{AccountID: acct.ID}}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("no client id: %v", err)
		}
	})
}

func TestControllerCommands(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		acct, doors := controllerFixture(t, s)
		t0 := time.UnixMilli(1_700_000_000_000)
		lock := &domain.ChannelCommand{AccountID: acct.ID, ChannelID: doors[0].ID, Kind: domain.CommandLockdown, CreatedAt: t0}
		other := &domain.ChannelCommand{AccountID: acct.ID, ChannelID: doors[2].ID, Kind: domain.CommandLockdown, CreatedAt: t0}
		reqID := int64(77)
		oldAdmit := &domain.ChannelCommand{AccountID: acct.ID, ChannelID: doors[0].ID, Kind: domain.CommandAdmit, AdmissionRequestID: &reqID, CreatedAt: t0}
		for _, c := range []*domain.ChannelCommand{lock, other, oldAdmit} {
			if err := s.CreateChannelCommand(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		now := t0.Add(5 * time.Minute)
		got, err := s.PendingControllerCommands(ctx, []int64{doors[0].ID, doors[1].ID}, now.Add(-2*time.Minute), now)
		if err != nil || len(got) != 1 || got[0].ID != lock.ID || got[0].Status != domain.CommandDelivered {
			t.Fatalf("pending: %+v %v", got, err)
		}
		// Delivered but unreported commands are handed out again.
		again, _ := s.PendingControllerCommands(ctx, []int64{doors[0].ID}, now.Add(-2*time.Minute), now)
		if len(again) != 1 {
			t.Fatalf("redelivery: %+v", again)
		}
		if _, err := s.GetChannelCommand(ctx, other.ID, []int64{doors[0].ID}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("foreign command: %v", err)
		}
		if err := s.RecordCommandResult(ctx, 1, lock.ID, "done", "", now); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordCommandResult(ctx, 1, lock.ID, "done", "", now); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("second result: %v", err)
		}
		left, _ := s.PendingControllerCommands(ctx, []int64{doors[0].ID}, now.Add(-2*time.Minute), now)
		if len(left) != 0 {
			t.Fatalf("reported command handed out: %+v", left)
		}
		// The API expires an admission only while no controller has claimed
		// it; a claimed one stays with the controller, an expired one is
		// never handed out.
		fresh := &domain.ChannelCommand{AccountID: acct.ID, ChannelID: doors[1].ID, Kind: domain.CommandAdmit, AdmissionRequestID: &reqID, CreatedAt: now}
		late := &domain.ChannelCommand{AccountID: acct.ID, ChannelID: doors[1].ID, Kind: domain.CommandAdmit, AdmissionRequestID: &reqID, CreatedAt: now}
		for _, c := range []*domain.ChannelCommand{fresh, late} {
			if err := s.CreateChannelCommand(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := s.ExpireQueuedChannelCommand(ctx, late.ID); !ok || err != nil {
			t.Fatalf("expire a queued command: %v %v", ok, err)
		}
		claimed, err := s.PendingControllerCommands(ctx, []int64{doors[1].ID}, now.Add(-2*time.Minute), now)
		if err != nil || len(claimed) != 1 || claimed[0].ID != fresh.ID {
			t.Fatalf("claimed: %+v %v", claimed, err)
		}
		if ok, err := s.ExpireQueuedChannelCommand(ctx, fresh.ID); ok || err != nil {
			t.Fatalf("expired a command a controller had claimed: %v %v", ok, err)
		}
	})
}
