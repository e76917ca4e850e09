package store_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		applied, err := s.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %d migrations", len(applied))
		}
		all, _ := s.Migrations()
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != all[len(all)-1].Version {
			t.Fatalf("schema version %d, %v", v, err)
		}
	})
}

func TestAccountsAndUsers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := &domain.Account{Name: "CoWork HQ", TimeZone: "Europe/London", EnterprisePIN: "4242"}
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.ID == 0 || len(a.UID) != 9 {
			t.Fatalf("account not assigned ids: %+v", a)
		}
		dup := &domain.Account{Name: "Other", TimeZone: "UTC", EnterprisePIN: "4242"}
		if err := s.CreateAccount(ctx, dup); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate PIN: got %v", err)
		}
		got, err := s.GetAccountByUID(ctx, a.UID)
		if err != nil || got.ID != a.ID || got.TimeZone != "Europe/London" {
			t.Fatalf("by uid: %+v %v", got, err)
		}
		if _, err := s.GetAccountByPIN(ctx, "4242"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAccount(ctx, 999999); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing account: %v", err)
		}

		u := &domain.User{AccountID: a.ID, Email: " Admin@Example.COM ", FirstName: "Ada", PasswordHash: "x"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if u.Email != "admin@example.com" {
			t.Fatalf("email not normalised: %q", u.Email)
		}
		if err := s.CreateUser(ctx, &domain.User{AccountID: a.ID, Email: "ADMIN@example.com", PasswordHash: "y"}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate user: %v", err)
		}
		if err := s.CreateUser(ctx, &domain.User{AccountID: 424242, Email: "x@example.com", PasswordHash: "y"}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("user on missing account: %v", err)
		}
		found, err := s.FindUsersByEmail(ctx, "ADMIN@example.com")
		if err != nil || len(found) != 1 || found[0].ID != u.ID {
			t.Fatalf("find by email: %v %v", found, err)
		}
	})
}

func TestEnsureSettingKeepsFirstValue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v1, err := s.EnsureSetting(ctx, "k", "one")
		if err != nil || v1 != "one" {
			t.Fatalf("%q %v", v1, err)
		}
		v2, err := s.EnsureSetting(ctx, "k", "two")
		if err != nil || v2 != "one" {
			t.Fatalf("second ensure: %q %v", v2, err)
		}
	})
}

func TestMigrateAppliesMissingLowerVersions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		all, _ := s.Migrations()
		if len(all) < 2 {
			t.Skip("needs two migrations")
		}
		// Pretend migration 2 was merged after a higher one had run: the
		// runner must try it (here it fails, its tables already exist)
		// instead of skipping it because a higher version is recorded.
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 2`); err != nil {
			t.Fatal(err)
		}
		_, err := s.Migrate(ctx)
		if err == nil || !strings.Contains(err.Error(), "0002_") {
			t.Fatalf("missing migration 2 was not attempted: %v", err)
		}
	})
}

func TestSQLiteFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "lintel.db")
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("database mode %v, want 0600", st.Mode().Perm())
	}
}

// AccountAndCredentialTypes gives in one read what GetAccount and
// ListCredentialTypes give, with or without types.
func TestAccountAndCredentialTypes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAccount(t, s, "Types")
		check := func(want int) {
			t.Helper()
			acct, types, err := s.AccountAndCredentialTypes(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantAcct, err := s.GetAccount(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantTypes, _, err := s.ListCredentialTypes(ctx, a.ID, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(acct, wantAcct) || !reflect.DeepEqual(types, wantTypes) || len(types) != want {
				t.Fatalf("got %+v %+v, want %+v %+v (%d types)", acct, types, wantAcct, wantTypes, want)
			}
		}
		check(0)
		for _, label := range []string{"Card", "PIN"} {
			kind := domain.KindCard
			if label == "PIN" {
				kind = domain.KindPIN
			}
			if err := s.CreateCredentialType(ctx, &domain.CredentialType{AccountID: a.ID, Label: label, Kind: kind}); err != nil {
				t.Fatal(err)
			}
		}
		check(2)
		if _, _, err := s.AccountAndCredentialTypes(ctx, a.ID+1000); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing account: %v", err)
		}
	})
}
