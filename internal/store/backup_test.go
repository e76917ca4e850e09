package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// sqliteStore opens a migrated SQLite database at path.
func sqliteStore(t *testing.T, path string) *store.Store {
	t.Helper()
	return storetest.Open(t, storetest.Backend{Name: "sqlite", DSN: path})
}

func countPeople(t *testing.T, st *store.Store, accountID int64) int {
	t.Helper()
	_, n, err := st.ListPeople(context.Background(), accountID, store.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := sqliteStore(t, filepath.Join(dir, "lintel.db"))
	acct := newAccount(t, st, "Backed up")

	// A writer keeps adding people while the backup runs, as a server would.
	var (
		wg      sync.WaitGroup
		written atomic.Int64
		stop    = make(chan struct{})
		started = make(chan struct{})
		once    sync.Once
	)
	begin := func() { once.Do(func() { close(started) }) }
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := &domain.Person{AccountID: acct.ID, FirstName: "Writer", LastName: fmt.Sprint(i), Enabled: true}
			if err := st.CreatePerson(ctx, p); err != nil {
				t.Error(err)
				begin()
				return
			}
			if written.Add(1) == 20 {
				begin()
			}
		}
	})
	<-started
	path := filepath.Join(dir, "backup.db")
	info, err := st.Backup(ctx, path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if info.SchemaVersion == 0 || info.Bytes == 0 {
		t.Errorf("backup info %+v", info)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, %v", fi, err)
	}
	// The backup opens as a database of its own, with the people written
	// before it began and not those written after it ended.
	bk := sqliteStore(t, path)
	n := countPeople(t, bk, acct.ID)
	if n < 20 || int64(n) > written.Load() {
		t.Errorf("backup holds %d people; %d were written, 20 before it began", n, written.Load())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.partial")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// An existing file is never overwritten.
	before, _ := os.ReadFile(path)
	_, err = st.Backup(ctx, path)
	if domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("backup over an existing file: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the existing backup changed")
	}
}

func TestBackupRefusesPostgres(t *testing.T) {
	st := storetest.Open(t, storetest.Postgres(t))
	_, err := st.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("backup of PostgreSQL: %v", err)
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "lintel.db")
	st := sqliteStore(t, dbPath)
	acct := newAccount(t, st, "Restored")
	if err := st.CreatePerson(ctx, &domain.Person{AccountID: acct.ID, FirstName: "Before", LastName: "Backup", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if _, err := st.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	afterBackup := &domain.Person{AccountID: acct.ID, FirstName: "After", LastName: "Backup", Enabled: true}
	if err := st.CreatePerson(ctx, afterBackup); err != nil {
		t.Fatal(err)
	}
	seqBefore, err := st.AccessSeq(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	backupBytes, _ := os.ReadFile(backup)

	now := time.Date(2025, 6, 10, 10, 30, 0, 0, time.UTC)
	info, err := store.RestoreSQLite(ctx, backup, dbPath, now)
	if err != nil {
		t.Fatal(err)
	}
	wantPrev := dbPath + ".before-restore-20250610T103000Z"
	if info.Previous != wantPrev || info.Older || info.SchemaVersion == 0 {
		t.Errorf("restore info %+v", info)
	}
	restored := sqliteStore(t, dbPath)
	if n := countPeople(t, restored, acct.ID); n != 1 {
		t.Errorf("restored database holds %d people, want the 1 of the backup", n)
	}
	// Ids go on after everything the replaced database issued, and the
	// access journal moves past where door controllers may have got to,
	// with an account-wide change, so that each downloads a new snapshot.
	again := &domain.Person{AccountID: acct.ID, FirstName: "Again", LastName: "Restored", Enabled: true}
	if err := restored.CreatePerson(ctx, again); err != nil {
		t.Fatal(err)
	}
	if again.ID <= afterBackup.ID {
		t.Errorf("a person created after the restore got id %d, which the replaced database had issued (%d)", again.ID, afterBackup.ID)
	}
	rows, err := restored.AccessChangesAfter(ctx, acct.ID, seqBefore, 10)
	if err != nil || len(rows) == 0 || !rows[0].Everything() {
		t.Errorf("journal after the restore, past %d: %+v, %v", seqBefore, rows, err)
	}
	previous := sqliteStore(t, wantPrev)
	if n := countPeople(t, previous, acct.ID); n != 2 {
		t.Errorf("the database kept aside holds %d people, want 2", n)
	}
	if after, _ := os.ReadFile(backup); !bytes.Equal(after, backupBytes) {
		t.Error("restore changed the backup file")
	}
	if fi, err := os.Stat(dbPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored file: %v, %v", fi, err)
	}
}

func TestRestoreRefusesBadBackups(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "lintel.db")
	st := sqliteStore(t, dbPath)
	newAccount(t, st, "In place")
	st.Close()
	inPlace, _ := os.ReadFile(dbPath)

	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("this is not a database, just some text that is long enough to be read as a header"), 0o600)

	newer := filepath.Join(dir, "newer.db")
	n := sqliteStore(t, newer)
	if _, err := n.DB().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	n.Close()

	empty := filepath.Join(dir, "empty.db")
	e, err := store.Open(ctx, empty)
	if err != nil {
		t.Fatal(err)
	}
	e.Close()

	for _, tc := range []struct {
		file  string
		check func(error) bool
	}{
		{filepath.Join(dir, "missing.db"), func(err error) bool { return errors.Is(err, os.ErrNotExist) }},
		{dir, func(err error) bool { return err != nil }},
		{notDB, func(err error) bool { return err != nil }},
		{newer, func(err error) bool { var se *store.SchemaError; return errors.As(err, &se) && se.Newer() }},
		{empty, func(err error) bool { var se *store.SchemaError; return errors.As(err, &se) && se.NoTable }},
	} {
		_, err := store.RestoreSQLite(ctx, tc.file, dbPath, time.Now())
		if !tc.check(err) {
			t.Errorf("restore %s: %v", filepath.Base(tc.file), err)
		}
		if now, _ := os.ReadFile(dbPath); !bytes.Equal(now, inPlace) {
			t.Fatalf("a refused restore of %s changed the database in place", filepath.Base(tc.file))
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.restoring")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if prev, _ := filepath.Glob(dbPath + ".before-restore-*"); len(prev) != 0 {
		t.Errorf("a refused restore moved the database aside: %v", prev)
	}
}

func TestRestoreOlderBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old, err := store.Open(ctx, filepath.Join(dir, "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	migrations, _ := old.Migrations()
	latest := migrations[len(migrations)-1].Version
	if err := old.MigrateTo(ctx, latest-1); err != nil {
		t.Fatal(err)
	}
	newAccount(t, old, "Old")
	old.Close()
	dbPath := filepath.Join(dir, "data", "lintel.db")
	info, err := store.RestoreSQLite(ctx, filepath.Join(dir, "old.db"), dbPath, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !info.Older || info.Previous != "" || info.SchemaVersion >= latest {
		t.Errorf("restore info %+v", info)
	}
	// The restored database is brought up to this binary's schema.
	restored, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if v, err := restored.CheckSchema(ctx); err != nil || v != latest {
		t.Errorf("restored schema %d, %v", v, err)
	}
}
