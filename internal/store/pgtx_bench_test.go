package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// BenchmarkPostgresWrites creates people from 8 writers at once on
// PostgreSQL, on one account and on one account per writer. Every write
// journals a change and announces it with NOTIFY, as the API's do.
//
//	LINTEL_TEST_POSTGRES_URL=... go test ./internal/store -run '^$' -bench PostgresWrites
func BenchmarkPostgresWrites(b *testing.B) {
	dsn, ok := storetest.PostgresDSN(b)
	if !ok {
		b.Skip("needs PostgreSQL: set " + storetest.EnvPostgres)
	}
	const writers = 8
	for _, shared := range []bool{true, false} {
		name := "accounts=1"
		if !shared {
			name = fmt.Sprint("accounts=", writers)
		}
		b.Run(name, func(b *testing.B) {
			s := storetest.Open(b, storetest.Backend{Name: "postgres", DSN: dsn})
			ctx := context.Background()
			accts := make([]int64, writers)
			for i := range accts {
				a := &domain.Account{Name: fmt.Sprint("Acme ", i), TimeZone: "UTC"}
				if err := s.CreateAccount(ctx, a); err != nil {
					b.Fatal(err)
				}
				accts[i] = a.ID
			}
			var next atomic.Int64
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
