package store_test

import (
	"context"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// TestSQLiteSynchronousFull checks that every SQLite connection commits
// with synchronous=FULL (2): a committed revocation must survive a power
// cut, which NORMAL in WAL mode does not promise.
func TestSQLiteSynchronousFull(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "lintel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Hold several connections at once so the check reaches more than one.
	var conns []interface{ Close() error }
	for range 4 {
		c, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("synchronous = %d, want 2 (FULL)", n)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
}

// durabilityStore opens a migrated SQLite store with the given synchronous
// setting, in a directory on the same disk as the test's temporary files.
func durabilityStore(b *testing.B, mode string) *store.Store {
	b.Helper()
	old := store.SetSQLiteSynchronous(mode)
	defer store.SetSQLiteSynchronous(old)
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(b.TempDir(), "lintel.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSQLiteDurability measures, one commit per operation, what
// synchronous=FULL costs against NORMAL: a card created and revoked (two
// commits), and one controller event stored. The figures are in
// docs/scaling.md.
func BenchmarkSQLiteDurability(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		b.Run("card-create-revoke/"+mode, func(b *testing.B) {
			s := durabilityStore(b, mode)
			ctx := context.Background()
			a := &domain.Account{Name: "Bench", TimeZone: "UTC"}
			if err := s.CreateAccount(ctx, a); err != nil {
				b.Fatal(err)
			}
			card := &domain.CredentialType{AccountID: a.ID, Label: "Card", Kind: domain.KindCard}
			if err := s.CreateCredentialType(ctx, card); err != nil {
				b.Fatal(err)
			}
			p := &domain.Person{AccountID: a.ID, FirstName: "Ada", LastName: "L", Enabled: true}
			if err := s.CreatePerson(ctx, p); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				v := strconv.Itoa(1_000_000 + i)
				c := &domain.Credential{AccountID: a.ID, PersonID: p.ID, CredentialTypeID: card.ID, Value: &v}
				if err := s.CreateCredential(ctx, c); err != nil {
					b.Fatal(err)
				}
				if _, err := s.DeleteCredential(ctx, a.ID, p.ID, c.UID, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("event/"+mode, func(b *testing.B) {
			s := durabilityStore(b, mode)
			ctx := context.Background()
			a := &domain.Account{Name: "Bench", TimeZone: "UTC"}
			if err := s.CreateAccount(ctx, a); err != nil {
				b.Fatal(err)
			}
			door := &domain.Channel{AccountID: a.ID, Name: "Front"}
			if err := s.CreateChannel(ctx, door); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				id, name, now := "ev-"+strconv.Itoa(i), door.Name, time.Now()
				e := &domain.Event{AccountID: a.ID, EventCode: 12, EventLabel: "Admitted", ChannelID: &door.ID, ChannelName: &name,
					ClientEventID: &id, CreatedAt: now, UpdatedAt: now}
				if _, err := s.StoreControllerEvents(ctx, []*domain.Event{e}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSQLiteGroupCommit measures concurrent writers (8 at once, as
// the API's write benchmark runs them) each creating a person in its own
// transaction, with synchronous=FULL, with and without group commit. The
// figures are in docs/scaling.md.
func BenchmarkSQLiteGroupCommit(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "each-alone", true: "grouped"}[on], func(b *testing.B) {
			old := store.SetSQLiteGroupCommit(on)
			s := durabilityStore(b, "FULL")
			store.SetSQLiteGroupCommit(old)
			ctx := context.Background()
			a := &domain.Account{Name: "Bench", TimeZone: "UTC"}
			if err := s.CreateAccount(ctx, a); err != nil {
				b.Fatal(err)
			}
			var n atomic.Int64
			b.SetParallelism(8 / max(1, runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					email := "p" + strconv.FormatInt(n.Add(1), 10) + "@example.com"
					if err := s.CreatePerson(ctx, &domain.Person{AccountID: a.ID, FirstName: "Ada", LastName: "L", Email: &email, Enabled: true}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
