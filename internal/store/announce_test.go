package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// recorder collects announcements.
type recorder struct {
	mu  sync.Mutex
	got []store.Change
	in  chan struct{}
}

func newRecorder(s *store.Store) *recorder {
	r := &recorder{in: make(chan struct{}, 100)}
	s.Subscribe(func(c store.Change) {
		r.mu.Lock()
		r.got = append(r.got, c)
		r.mu.Unlock()
		select {
		case r.in <- struct{}{}:
		default:
		}
	})
	return r
}

// take returns what was announced so far and forgets it.
func (r *recorder) take() []store.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

// kinds merges the announcements for one account.
func kinds(cs []store.Change, account int64) store.ChangeKind {
	var k store.ChangeKind
	for _, c := range cs {
		if c.AccountID == account {
			k |= c.Kinds
		}
	}
	return k
}

// Committed writes are announced once, after the commit, with what they
// changed; a rolled-back transaction announces nothing.
func TestStoreAnnouncesCommittedChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newOpsFixture(t, s)
		card := &domain.CredentialType{AccountID: f.acct.ID, Label: "Card", Kind: domain.KindCard}
		if err := s.CreateCredentialType(ctx, card); err != nil {
			t.Fatal(err)
		}
		r := newRecorder(s)

		v := "4242"
		err := s.InTx(ctx, func(tx *store.Store) error {
			if err := tx.CreateCredential(ctx, &domain.Credential{AccountID: f.acct.ID, PersonID: f.person.ID, CredentialTypeID: card.ID, Value: &v}); err != nil {
				return err
			}
			if got := r.take(); len(got) != 0 {
				t.Errorf("announced before the commit: %+v", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got := r.take()
		if len(got) != 1 || kinds(got, f.acct.ID) != store.ChangeAccess|store.ChangeCredentials || got[0].Remote {
			t.Fatalf("a new card: %+v", got)
		}

		boom := errors.New("boom")
		if err := s.InTx(ctx, func(tx *store.Store) error {
			if err := tx.CreateEvent(ctx, &domain.Event{AccountID: f.acct.ID, EventCode: 10, EventLabel: "x"}); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got := r.take(); len(got) != 0 {
			t.Fatalf("a rolled-back write was announced: %+v", got)
		}

		if err := s.CreateEvent(ctx, &domain.Event{AccountID: f.acct.ID, EventCode: 10, EventLabel: "x"}); err != nil {
			t.Fatal(err)
		}
		if k := kinds(r.take(), f.acct.ID); k != store.ChangeEvents {
			t.Fatalf("an event: %v", k)
		}
		if err := s.CreateChannelCommand(ctx, &domain.ChannelCommand{AccountID: f.acct.ID, ChannelID: f.door.ID, Kind: domain.CommandUnlock}); err != nil {
			t.Fatal(err)
		}
		if k := kinds(r.take(), f.acct.ID); k != store.ChangeCommands {
			t.Fatalf("a command: %v", k)
		}
		ctl := &store.Controller{AccountID: f.acct.ID, Name: "c", SecretDigest: "d"}
		if err := s.CreateController(ctx, ctl, []int64{f.door.ID}); err != nil {
			t.Fatal(err)
		}
		r.take()
		now := time.Now()
		if _, err := s.RecordHeartbeat(ctx, ctl.ID, []int64{f.door.ID}, now); err != nil {
			t.Fatal(err)
		}
		if k := kinds(r.take(), f.acct.ID); k != store.ChangeDoorStatus {
			t.Fatalf("a door coming online: %v", k)
		}
		if _, err := s.MarkSilentChannelsOffline(ctx, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if k := kinds(r.take(), f.acct.ID); k != store.ChangeDoorStatus {
			t.Fatalf("a door going offline: %v", k)
		}
	})
}

// On PostgreSQL, a write by another process (a second Store) reaches this
// one's subscribers through Listen, marked remote; this process's own
// writes are not delivered twice.
func TestStoreHearsOtherProcesses(t *testing.T) {
	pg := storetest.Postgres(t)
	s, other := storetest.Open(t, pg), storetest.Open(t, pg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newOpsFixture(t, s)
	r := newRecorder(s)
	go s.Listen(ctx, func(err error) { t.Log(err) })
	wait := func(what string, ok func([]store.Change) bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		var seen []store.Change
		for {
			seen = append(seen, r.take()...)
			if ok(seen) {
				return
			}
			select {
			case <-r.in:
			case <-deadline:
				t.Fatalf("%s: only %+v", what, seen)
			}
		}
	}
	wait("the listener's catch-up signal", func(cs []store.Change) bool {
		return len(cs) > 0 && cs[0].AccountID == 0 && cs[0].Kinds == store.ChangeAll && cs[0].Remote
	})
	if err := other.CreateEvent(ctx, &domain.Event{AccountID: f.acct.ID, EventCode: 10, EventLabel: "from elsewhere"}); err != nil {
		t.Fatal(err)
	}
	wait("another process's event", func(cs []store.Change) bool {
		return len(cs) == 1 && cs[0].AccountID == f.acct.ID && cs[0].Kinds == store.ChangeEvents && cs[0].Remote
	})
	if err := s.CreateEvent(ctx, &domain.Event{AccountID: f.acct.ID, EventCode: 10, EventLabel: "from here"}); err != nil {
		t.Fatal(err)
	}
	if err := other.CreateEvent(ctx, &domain.Event{AccountID: f.acct.ID, EventCode: 11, EventLabel: "marker"}); err != nil {
		t.Fatal(err)
	}
	// Ours once (local), then the marker (remote), and not ours again.
	wait("own write once, then the marker", func(cs []store.Change) bool {
		return len(cs) == 2 && !cs[0].Remote && cs[1].Remote
	})
}
