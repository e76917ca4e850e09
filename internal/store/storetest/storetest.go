// Package storetest gives tests fresh, migrated databases on every backend
// available: SQLite always, PostgreSQL when LINTEL_TEST_POSTGRES_URL is set
// (each test gets its own schema, dropped afterwards).
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/store"
)

// EnvPostgres names the variable holding a PostgreSQL URL for tests.
const EnvPostgres = "LINTEL_TEST_POSTGRES_URL"

// Backend is one database a test can run against.
type Backend struct {
	Name string // "sqlite" or "postgres"
	DSN  string // what store.Open and LINTEL_DATABASE_URL accept
}

// Backends returns an empty SQLite file and, when configured, a fresh
// PostgreSQL schema. Both are removed when the test ends.
func Backends(t testing.TB) []Backend {
	t.Helper()
	out := []Backend{{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "lintel.db")}}
	if dsn, ok := PostgresDSN(t); ok {
		out = append(out, Backend{Name: "postgres", DSN: dsn})
	}
	return out
}

// PostgresDSN creates a schema for this test and returns a URL whose
// search_path selects it. It returns false when PostgreSQL is not configured.
func PostgresDSN(t testing.TB) (string, bool) {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		return "", false
	}
	schema := "t_" + strings.ToLower(store.NewUID(12))
	schema = strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
			return r
		}
		return 'x'
	}, schema)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create test schema (is %s reachable?): %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), true
}

// Postgres returns a fresh PostgreSQL schema as a Backend, for a test that
// needs PostgreSQL alone; it skips the test when none is configured.
func Postgres(t testing.TB) Backend {
	t.Helper()
	dsn, ok := PostgresDSN(t)
	if !ok {
		t.Skip("needs PostgreSQL: set " + EnvPostgres)
	}
	return Backend{Name: "postgres", DSN: dsn}
}

// Open opens and migrates a backend's database; it is closed when the test ends.
func Open(t testing.TB, b Backend) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, b.DSN)
	if err != nil {
		t.Fatalf("open %s: %v", b.Name, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", b.Name, err)
	}
	return s
}

// Run runs fn as a subtest against every backend, with a fresh store each.
func Run(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, b := range Backends(t) {
		b := b
		t.Run(b.Name, func(t *testing.T) {
			fn(t, Open(t, b))
		})
	}
}

// RunBackends is Run for tests that need the backend too, for example to
// open a second Store on the same database as another process would.
func RunBackends(t *testing.T, fn func(t *testing.T, b Backend, s *store.Store)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, b, Open(t, b))
		})
	}
}

// Skipf-friendly description of the backends, for log lines.
func Describe(t testing.TB) string {
	names := []string{}
	for _, b := range Backends(t) {
		names = append(names, b.Name)
	}
	return fmt.Sprint(names)
}
