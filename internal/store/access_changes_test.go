package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// Every write that changes what doors decide with leaves one journal row
// naming the person, the door or the whole account; a write that fails
// leaves none; the sequence only grows.
func TestWritesJournalAccessChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAccount(t, s, "Journal")
		seq := func() int64 {
			t.Helper()
			n, err := s.AccessSeq(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		last := seq()
		// expect checks that the writes since the last call journaled
		// exactly want (person and channel ids; 0, 0 is account-wide).
		expect := func(what string, want ...store.AccessChange) {
			t.Helper()
			rows, err := s.AccessChangesAfter(ctx, a.ID, last, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want) {
				t.Fatalf("%s: journaled %+v, want %+v", what, rows, want)
			}
			for i, r := range rows {
				if r.PersonID != want[i].PersonID || r.ChannelID != want[i].ChannelID || r.ID <= last {
					t.Fatalf("%s: row %d is %+v, want %+v", what, i, r, want[i])
				}
				last = r.ID
			}
			if got := seq(); got != last {
				t.Fatalf("%s: sequence %d, newest row %d", what, got, last)
			}
		}
		everything := store.AccessChange{}

		card := &domain.CredentialType{AccountID: a.ID, Label: "Card", Kind: domain.KindCard}
		if err := s.CreateCredentialType(ctx, card); err != nil {
			t.Fatal(err)
		}
		expect("credential type", everything)
		site := &domain.Site{AccountID: a.ID, Name: "HQ"}
		if err := s.CreateSite(ctx, site); err != nil {
			t.Fatal(err)
		}
		door := &domain.Channel{AccountID: a.ID, Name: "Front", SiteID: &site.ID}
		if err := s.CreateChannel(ctx, door); err != nil {
			t.Fatal(err)
		}
		expect("site and door", everything, everything)

		p := &domain.Person{AccountID: a.ID, FirstName: "Ada", LastName: "L", Enabled: true}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		c := &domain.Credential{AccountID: a.ID, PersonID: p.ID, CredentialTypeID: card.ID, Value: strp("123456")}
		if err := s.CreateCredential(ctx, c); err != nil {
			t.Fatal(err)
		}
		ada := store.AccessChange{PersonID: p.ID}
		expect("person and card", ada, ada)

		// A failed write journals nothing.
		dup := &domain.Credential{AccountID: a.ID, PersonID: p.ID, CredentialTypeID: card.ID, Value: strp("999")}
		if err := s.CreateCredential(ctx, dup); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("second card of the type: %v", err)
		}
		if err := s.DeleteReservation(ctx, a.ID, 987654); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown reservation: %v", err)
		}
		expect("failed writes")

		r := &domain.Reservation{AccountID: a.ID, PersonID: p.ID, StartTime: time.Now(), EndTime: time.Now().Add(time.Hour), ChannelIDs: []int64{door.ID}}
		if err := s.CreateReservation(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteReservation(ctx, a.ID, r.ID); err != nil {
			t.Fatal(err)
		}
		expect("reservation made and cancelled", ada, ada)

		door.CardLockdown = true
		if err := s.SaveChannelState(ctx, door); err != nil {
			t.Fatal(err)
		}
		expect("door state", store.AccessChange{ChannelID: door.ID})

		if _, err := s.DeleteCredential(ctx, a.ID, p.ID, c.UID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.DeletePerson(ctx, a.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		expect("card and person deleted", ada, ada)

		// Another account's writes do not show in this one's journal.
		b := newAccount(t, s, "Other")
		if err := s.CreateSite(ctx, &domain.Site{AccountID: b.ID, Name: "Elsewhere"}); err != nil {
			t.Fatal(err)
		}
		expect("another account's write")
		seqs, err := s.AccessSeqsAfter(ctx, last)
		if err != nil || len(seqs) != 1 || seqs[b.ID] <= last {
			t.Fatalf("sequences after %d: %v %v", last, seqs, err)
		}

		// Purging keeps the newest row of each account: the sequence holds.
		if _, err := s.PurgeAccessChanges(ctx, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got := seq(); got != last {
			t.Fatalf("after purging the sequence is %d, want %d", got, last)
		}
		if rows, _ := s.AccessChangesAfter(ctx, a.ID, 0, 100); len(rows) != 1 {
			t.Fatalf("after purging %d rows are left, want 1", len(rows))
		}
	})
}

// A reader following the journal of an account with `id > last`, each
// read in ReadConsistent, sees every row, however many writers append to
// it at once: no row commits behind a larger id the reader has already
// passed.
func TestJournalReaderMissesNoRowUnderConcurrentWriters(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAccount(t, s, "Journal order")
		start, err := s.AccessSeq(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		const writers, each = 8, 40
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					p := &domain.Person{AccountID: a.ID, FirstName: fmt.Sprintf("W%d", w), LastName: fmt.Sprint(i), Enabled: true}
					if err := s.CreatePerson(ctx, p); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()

		seen := map[int64]bool{}
		last := start
		follow := func() {
			var rows []store.AccessChange
			err := s.ReadConsistent(ctx, a.ID, func(tx *store.Store) error {
				var err error
				rows, err = tx.AccessChangesAfter(ctx, a.ID, last, 1000)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				seen[r.ID] = true
				last = r.ID
			}
		}
	tail:
		for {
			select {
			case <-done:
				break tail
			default:
				follow()
			}
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		follow()
		all, err := s.AccessChangesAfter(ctx, a.ID, start, 10*writers*each)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != writers*each {
			t.Fatalf("%d journal rows, want %d", len(all), writers*each)
		}
		var missed []int64
		for _, r := range all {
			if !seen[r.ID] {
				missed = append(missed, r.ID)
			}
		}
		if len(missed) > 0 {
			t.Fatalf("the reader passed %d rows before they committed: %v", len(missed), missed)
		}
	})
}

// On PostgreSQL a journal read that gives up while it waits for a writer
// still committing (ReadConsistent) leaves the account's journal lock to
// nobody: the writer commits, and later writes and reads go on.
func TestJournalReadGivenUpLeavesNoLock(t *testing.T) {
	pg := storetest.Postgres(t)
	s := storetest.Open(t, pg)
	ctx := context.Background()
	a := newAccount(t, s, "Journal lock")
	holding, release := make(chan struct{}), make(chan struct{})
	wrote := make(chan error, 1)
	go func() {
		wrote <- s.InTx(ctx, func(tx *store.Store) error {
			if err := tx.NoteAccessChangeForTest(ctx, a.ID, 0); err != nil {
				return err
			}
			// Reading its own journal writes it now: the lock is held
			// until this transaction ends.
			if _, err := tx.AccessSeq(ctx, a.ID); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err := s.ReadConsistent(short, a.ID, func(*store.Store) error { return nil })
	cancel()
	if err == nil {
		t.Fatal("the read did not wait for the writer still committing")
	}
	close(release)
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	other := storetest.Open(t, pg) // another server
	go func() {
		// A write, a read, and a write again, on another server's
		// connections: neither read may keep the lock from the writers.
		for want := 2; want <= 3; want++ {
			if err := other.NoteAccessChangeForTest(ctx, a.ID, 0); err != nil {
				done <- err
				return
			}
			err := s.ReadConsistent(ctx, a.ID, func(tx *store.Store) error {
				rows, err := tx.AccessChangesAfter(ctx, a.ID, 0, 10)
				if err == nil && len(rows) != want {
					err = fmt.Errorf("%d journal rows, want %d", len(rows), want)
				}
				return err
			})
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a write or a read after the given-up read waited for a lock nobody lets go")
	}
}
