package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// BenchmarkAuditPage reads one page (50 rows, newest first) of an audit
// log of 1,000,000 rows on SQLite, unfiltered and with each kind of
// filter, and the list of actors the console's filter offers.
func BenchmarkAuditPage(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b, storetest.Backend{Name: "sqlite", DSN: filepath.Join(b.TempDir(), "audit.db")})
	acct := &domain.Account{Name: "Bench", TimeZone: "UTC"}
	if err := st.CreateAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	const rows = 1000000
	base := time.Now().Add(-rows * time.Second).UnixMilli()
	if _, err := st.DB().ExecContext(ctx, `INSERT INTO audit_events (account_id, actor_kind, actor_id, actor_user_id, actor_display,
		resource, resource_id, action, changes, created_at)
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		SELECT ?, CASE i % 5 WHEN 0 THEN 'app' ELSE 'operator' END, i % 20, i % 20, 'op' || (i % 20) || '@example.com',
			CASE i % 3 WHEN 0 THEN 'people' WHEN 1 THEN 'channels' ELSE 'operators' END, CAST(i % 1000 AS TEXT),
			CASE WHEN i % 10000 = 0 THEN 'disable' WHEN i % 4 = 0 THEN 'update' ELSE 'create' END, '{"name":"x"}', ? + i * 1000 FROM n`,
		rows, acct.ID, base); err != nil {
		b.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	mid := time.UnixMilli(base + rows/2*1000)
	for _, c := range []struct {
		name string
		f    store.AuditFilter
	}{
		{"newest", store.AuditFilter{}},
		{"deep page", store.AuditFilter{BeforeID: rows / 2}},
		{"operator", store.AuditFilter{UserID: 7}},
		{"actor", store.AuditFilter{ActorKind: "app", ActorID: 5}},
		{"resource id", store.AuditFilter{Resource: "people", ResourceID: "42"}},
		{"rare action", store.AuditFilter{Action: "disable"}},
		{"day", store.AuditFilter{Since: mid, Until: mid.Add(24 * time.Hour)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := st.AuditPage(ctx, acct.ID, c.f, 51); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("actors", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.AuditActors(ctx, acct.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
