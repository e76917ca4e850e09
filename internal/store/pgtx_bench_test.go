package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// BenchmarkPostgresWrites creates people from 8 writers at once on
// PostgreSQL, on one account and on one account per writer, and on one
// account while a reader follows its journal without pause. Every write
// journals a change and announces it with NOTIFY, as the API's do.
//
//	LINTEL_TEST_POSTGRES_URL=... go test ./internal/store -run '^$' -bench PostgresWrites
func BenchmarkPostgresWrites(b *testing.B) {
	const writers = 8
	for _, c := range []struct {
		shared, follow bool
	}{{true, false}, {false, false}, {true, true}} {
		shared := c.shared
		name := "accounts=1"
		if !shared {
			name = fmt.Sprint("accounts=", writers)
		}
		if c.follow {
			name += "/following" // the controller hub reading the journal as fast as it can
		}
		b.Run(name, func(b *testing.B) {
			s := storetest.Open(b, storetest.Postgres(b))
			ctx := context.Background()
			accts := make([]int64, writers)
			for i := range accts {
				accts[i] = newAccount(b, s, fmt.Sprint("Acme ", i)).ID
			}
			var next atomic.Int64
			if c.follow {
				follow, stop := context.WithCancel(ctx)
				defer stop()
				go func() {
					var last int64
					for follow.Err() == nil {
						_ = s.ReadConsistent(follow, accts[0], func(tx *store.Store) error {
							rows, err := tx.AccessChangesAfter(follow, accts[0], last, 1000)
							if len(rows) > 0 {
								last = rows[len(rows)-1].ID
							}
							return err
						})
					}
				}()
			}
			b.SetParallelism((writers + 1) / 2) // GOMAXPROCS 2: 8 writers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				acct := accts[0]
				if !shared {
					acct = accts[int(next.Add(1)-1)%writers]
				}
				for pb.Next() {
					p := &domain.Person{AccountID: acct, FirstName: "Bench", LastName: "Writer", Enabled: true}
					if err := s.CreatePerson(ctx, p); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}
