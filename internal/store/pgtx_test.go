package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// A write whose last statements fail (on PostgreSQL they are sent with
// the COMMIT) or that panics keeps nothing, and leaves no connection of
// the pool inside a transaction.
func TestFailedOrPanickedWriteKeepsNothing(t *testing.T) {
	storetest.Run(t, failedOrPanickedWriteKeepsNothing)
}

// The same with SQLite's group commit off: each write in a transaction of
// its own.
func TestFailedOrPanickedWriteKeepsNothingUngrouped(t *testing.T) {
	old := store.SetSQLiteGroupCommit(false)
	defer store.SetSQLiteGroupCommit(old)
	storetest.Run(t, failedOrPanickedWriteKeepsNothing)
}

func failedOrPanickedWriteKeepsNothing(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a := newAccount(t, s, "Acme")
	person := func(tx *store.Store, name string) error {
		return tx.CreatePerson(ctx, &domain.Person{AccountID: a.ID, FirstName: name, LastName: "Test", Enabled: true})
	}
	err := s.InTx(ctx, func(tx *store.Store) error {
		if err := person(tx, "Lost"); err != nil {
			return err
		}
		// No such account: the journal row breaks its foreign key
		// when it is written, at the commit.
		return tx.NoteAccessChangeForTest(ctx, a.ID+1_000_000, 0)
	})
	if err == nil {
		t.Fatal("a journal row of an account that does not exist was committed")
	}
	boom := errors.New("boom")
	func() {
		defer func() {
			if v := recover(); v != boom {
				t.Fatalf("recovered %v", v)
			}
		}()
		_ = s.InTx(ctx, func(tx *store.Store) error {
			if err := person(tx, "Panicked"); err != nil {
				return err
			}
			panic(boom)
		})
	}()
	// Every connection of the pool is used after the failures: none
	// may still be inside their transactions.
	const n = 24
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- s.InTx(ctx, func(tx *store.Store) error { return person(tx, fmt.Sprint("Kept ", i)) }) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	people, total, err := s.ListPeople(ctx, a.ID, store.PersonFilter{Page: store.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if total != n || len(people) != n {
		t.Fatalf("%d people (total %d), want the %d kept", len(people), total, n)
	}
	for _, p := range people {
		if p.FirstName == "Lost" || p.FirstName == "Panicked" {
			t.Fatalf("%s was kept", p.FirstName)
		}
	}
	seq, err := s.AccessSeq(ctx, a.ID)
	if err != nil || seq == 0 {
		t.Fatalf("journal: %d %v", seq, err)
	}
}

// A transaction whose first statement fails (on PostgreSQL it goes to the
// server in one pipeline with the BEGIN) answers the statement's own
// error, keeps nothing and leaves its connection out of any transaction.
func TestFirstStatementFailing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAccount(t, s, "Acme")
		email := "taken@example.com"
		if err := s.CreatePerson(ctx, &domain.Person{AccountID: a.ID, FirstName: "First", Email: &email, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		const n = 24
		errs := make(chan error, n)
		for i := range n {
			go func() {
				errs <- s.InTx(ctx, func(tx *store.Store) error {
					return tx.CreatePerson(ctx, &domain.Person{AccountID: a.ID, FirstName: fmt.Sprint("Second ", i), Email: &email, Enabled: true})
				})
			}()
		}
		for range n {
			if err := <-errs; domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("the email taken: %v, want EINVALID", err)
			}
		}
		for i := range n {
			go func() {
				errs <- s.InTx(ctx, func(tx *store.Store) error {
					return tx.CreatePerson(ctx, &domain.Person{AccountID: a.ID, FirstName: fmt.Sprint("Kept ", i), Enabled: true})
				})
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if _, total, err := s.ListPeople(ctx, a.ID, store.PersonFilter{Page: store.Page{Limit: 1}}); err != nil || total != n+1 {
			t.Fatalf("%d people, %v; want %d", total, err, n+1)
		}
	})
}
