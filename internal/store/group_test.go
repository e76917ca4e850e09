package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// groupStore is a migrated SQLite store with group commit and an account.
func groupStore(t *testing.T) (*Store, *domain.Account) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "lintel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if s.group == nil {
		t.Fatal("SQLite store without group commit")
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := &domain.Account{Name: "Group", TimeZone: "UTC"}
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	return s, a
}

// queued waits until n writes wait in the store's group queue.
func queued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.group.mu.Lock()
		got := len(s.group.queue)
		s.group.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// holdWrite starts a write (person 1) and keeps it open, so that the
// writes started meanwhile queue behind it and share the next
// transaction; release lets it commit and answers its error.
func holdWrite(t *testing.T, s *Store, a *domain.Account) (release func() error) {
	t.Helper()
	ctx := context.Background()
	running, open := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- s.InTx(ctx, func(tx *Store) error {
			close(running)
			<-open
			return tx.CreatePerson(ctx, person(a, 1))
		})
	}()
	<-running // it leads, alone in its transaction
	return func() error { close(open); return <-held }
}

// stored reports whether the account has a person with the email.
func stored(t *testing.T, s *Store, a *domain.Account, email string) bool {
	t.Helper()
	m, err := s.PeopleByEmail(context.Background(), a.ID, []string{email})
	if err != nil {
		t.Fatal(err)
	}
	return m[email] != nil
}

func person(a *domain.Account, i int) *domain.Person {
	email := fmt.Sprintf("p%d@example.com", i)
	return &domain.Person{AccountID: a.ID, FirstName: "P", LastName: fmt.Sprint(i), Email: &email, Enabled: true}
}

// TestGroupCommitEachWriteAlone holds one write open while others queue
// behind it, so that they share one transaction: a write that fails (a
// taken email, an error after its insert, a panic, a context ended while
// it waited) leaves no trace and the rest commit; every write answered
// nil is stored, counted and announced once.
func TestGroupCommitEachWriteAlone(t *testing.T) {
	s, a := groupStore(t)
	ctx := context.Background()
	var announced atomic.Int64
	s.Subscribe(func(c Change) {
		if c.AccountID == a.ID {
			announced.Add(1)
		}
	})
	if err := s.CreatePerson(ctx, person(a, 0)); err != nil {
		t.Fatal(err)
	}
	before := announced.Load()

	release := holdWrite(t, s, a) // the writes below queue meanwhile

	const n = 150 // more than one group
	errs := make([]error, n)
	panics := make([]any, n)
	ended, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			wctx := ctx
			if i%10 == 9 {
				wctx = ended
			}
			errs[i] = s.InTx(wctx, func(tx *Store) error {
				p := person(a, 100+i)
				switch i % 10 {
				case 3:
					p = person(a, 0) // taken
				case 5:
					if err := tx.CreatePerson(ctx, p); err != nil {
						return err
					}
					return errors.New("changed my mind")
				case 7:
					if err := tx.CreatePerson(ctx, p); err != nil {
						return err
					}
					panic("write panicked")
				}
				return tx.CreatePerson(ctx, p)
			})
		}()
	}
	queued(t, s, n)
	cancel()
	if err := release(); err != nil {
		t.Fatalf("the held write: %v", err)
	}
	wg.Wait()

	want := 2
	for i := range n {
		found := stored(t, s, a, fmt.Sprintf("p%d@example.com", 100+i))
		switch i % 10 {
		case 3:
			if domain.ErrorCode(errs[i]) != domain.EINVALID && domain.ErrorCode(errs[i]) != domain.ECONFLICT {
				t.Errorf("write %d (taken email): %v", i, errs[i])
			}
		case 5:
			if errs[i] == nil || errs[i].Error() != "changed my mind" || found {
				t.Errorf("write %d (error after insert): %v, stored %v", i, errs[i], found)
			}
		case 7:
			if panics[i] != "write panicked" || found {
				t.Errorf("write %d (panic): recovered %v, stored %v", i, panics[i], found)
			}
		case 9:
			if !errors.Is(errs[i], context.Canceled) || found {
				t.Errorf("write %d (context ended while waiting): %v, stored %v", i, errs[i], found)
			}
		default:
			if errs[i] != nil || !found {
				t.Errorf("write %d: %v, stored %v", i, errs[i], found)
			}
			want++
		}
	}
	count, err := s.CountPeople(ctx, a.ID, PersonFilter{})
	if err != nil || count != want {
		t.Fatalf("count %d (%v), want %d", count, err, want)
	}
	var rows int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE account_id = ?`, a.ID).Scan(&rows); err != nil || rows != want {
		t.Fatalf("%d rows (%v), want %d", rows, err, want)
	}
	if got := announced.Load() - before; got != int64(want-1) {
		t.Fatalf("%d writes announced, want %d", got, want-1)
	}
}

// TestGroupCommitStatementsOutliveCancel: a write whose context ends while
// its statements run is not interrupted half-way (SQLite would roll back
// the whole shared transaction); the writes beside it commit.
func TestGroupCommitStatementsOutliveCancel(t *testing.T) {
	s, a := groupStore(t)
	ctx := context.Background()
	release := holdWrite(t, s, a)
	wctx, cancel := context.WithCancel(ctx)
	mid := make(chan error, 1)
	go func() {
		mid <- s.InTx(wctx, func(tx *Store) error {
			if err := tx.CreatePerson(wctx, person(a, 2)); err != nil {
				return err
			}
			cancel() // the caller gives up between two statements
			return tx.CreatePerson(wctx, person(a, 3))
		})
	}()
	queued(t, s, 1)
	after := make(chan error, 1)
	go func() { after <- s.CreatePerson(ctx, person(a, 4)) }()
	queued(t, s, 2)
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := <-mid; err != nil {
		t.Fatalf("the write whose context ended: %v", err)
	}
	if err := <-after; err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		if !stored(t, s, a, fmt.Sprintf("p%d@example.com", i)) {
			t.Errorf("person %d was not stored", i)
		}
	}
}

// TestGroupCommitLostTransaction: when the shared transaction is lost
// (here a write ends it itself), nothing of the writes that ran is
// committed and they are answered ErrGroupAborted; the writes that had
// not run yet are run in the next transaction.
func TestGroupCommitLostTransaction(t *testing.T) {
	s, a := groupStore(t)
	ctx := context.Background()
	release := holdWrite(t, s, a)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	start := func(i int, fn func(tx *Store) error) {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.InTx(ctx, fn) }()
		queued(t, s, i+1)
	}
	start(0, func(tx *Store) error { return tx.CreatePerson(ctx, person(a, 2)) })
	start(1, func(tx *Store) error {
		_, err := tx.exec(ctx, `ROLLBACK`) // SQLite drops every savepoint with it
		return err
	})
	start(2, func(tx *Store) error { return tx.CreatePerson(ctx, person(a, 3)) })
	if err := release(); err != nil { // it ran alone, before the others queued
		t.Fatalf("the held write: %v", err)
	}
	wg.Wait()
	if !errors.Is(errs[0], ErrGroupAborted) || !errors.Is(errs[1], ErrGroupAborted) || errs[2] != nil {
		t.Fatalf("writes: %v", errs)
	}
	for i, want := range map[int]bool{1: true, 2: false, 3: true} {
		if got := stored(t, s, a, fmt.Sprintf("p%d@example.com", i)); got != want {
			t.Errorf("person %d stored: %v, want %v", i, got, want)
		}
	}
	// The store goes on.
	if err := s.CreatePerson(ctx, person(a, 4)); err != nil {
		t.Fatal(err)
	}
}
