package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Backups of a SQLite database use VACUUM INTO rather than the online
// backup API: it is one statement run in a read transaction, so it copies
// one consistent moment of the database, neither blocks the server's
// writers (WAL) nor is restarted by them (the backup API starts over when
// another connection writes while it steps), and it writes a compact,
// self-contained file (no -wal beside it) that opens like any database.

// BackupInfo describes a backup file.
type BackupInfo struct {
	Path          string
	Bytes         int64
	SchemaVersion int
}

// Backup writes a consistent copy of the SQLite database to path while
// the database stays in use, and returns its size and schema version. The
// copy is written beside path under a temporary name, synced to disk,
// checked (PRAGMA quick_check and the migrations table), and only then
// renamed to path, readable by its owner only. The schema version is the
// database's, whether or not this binary knows it. Errors: EINVALID on
// PostgreSQL (use pg_dump); ECONFLICT when path already exists; a copy
// that fails its check; otherwise the file system's or the database's.
func (s *Store) Backup(ctx context.Context, path string) (*BackupInfo, error) {
	if s.dialect != SQLite {
		return nil, domain.Errorf(domain.EINVALID, "backups are for SQLite; back PostgreSQL up with its own tools (pg_dump)")
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, domain.Errorf(domain.ECONFLICT, "%s already exists; choose a new file name", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	dir := filepath.Dir(path)
	// VACUUM INTO wants a file that does not exist or is empty; creating
	// it first fixes its mode (it holds secrets) and claims the name.
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.partial")
	if err != nil {
		return nil, fmt.Errorf("create the backup file: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpName)
		}
	}()
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, tmpName); err != nil {
		return nil, fmt.Errorf("write the backup: %w", err)
	}
	// SQLite does not sync what VACUUM INTO writes.
	if err := syncFile(tmpName); err != nil {
		return nil, err
	}
	// A schema this binary does not know is still a good backup: only a
	// damaged file fails.
	version, err := checkSQLiteFile(ctx, tmpName)
	if se := (*SchemaError)(nil); err != nil && !errors.As(err, &se) {
		return nil, fmt.Errorf("check the backup: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return nil, fmt.Errorf("name the backup: %w", err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return &BackupInfo{Path: path, Bytes: st.Size(), SchemaVersion: version}, nil
}

// RestoreInfo describes a restored database.
type RestoreInfo struct {
	SchemaVersion int // the backup's, before migrating
	// Older is true when the backup predated this binary's migrations;
	// they were applied to the restored database.
	Older bool
	// Previous is where the database that was in place went ("" when there
	// was none); its -wal file, if any, went beside it.
	Previous string
}

// RestoreSQLite puts the backup file in place as the SQLite database
// dbPath. The caller must make sure that no process uses dbPath (hold the
// data directory's lock). The backup is copied beside dbPath and checked
// first (PRAGMA quick_check, and a schema no newer than this binary's),
// then prepared:
//
//   - this binary's migrations are applied to it;
//   - its auto-increment positions are raised past every id the database
//     it replaces had issued, so that ids seen by the outside world since
//     the backup (webhook delivery ids that receivers deduplicate on,
//     access-journal positions that door controllers keep) are never
//     handed out again for something else;
//   - every account gets an account-wide row in the access journal, so that
//     each door controller downloads a new snapshot instead of keeping
//     state the backup does not have.
//
// Only then is the database in place, with its -wal file, moved aside to
// dbPath.before-restore-<time> and the copy synced and renamed to dbPath.
// The backup file itself is only read. Errors: a missing or unreadable
// backup; *SchemaError when it holds no Lintel schema or a newer one; a
// backup that fails its check; otherwise the file system's or the
// database's.
func RestoreSQLite(ctx context.Context, backup, dbPath string, now time.Time) (*RestoreInfo, error) {
	in, err := os.Open(backup)
	if err != nil {
		return nil, fmt.Errorf("open the backup: %w", err)
	}
	defer in.Close()
	if st, err := in.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a file", backup)
	}
	dir := filepath.Dir(dbPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the data directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(dbPath)+".*.restoring")
	if err != nil {
		return nil, fmt.Errorf("copy the backup: %w", err)
	}
	tmpName := tmp.Name()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpName)
		}
	}()
	_, err = io.Copy(tmp, in)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("copy the backup: %w", err)
	}
	version, err := checkSQLiteFile(ctx, tmpName)
	var se *SchemaError
	switch {
	case errors.As(err, &se) && !se.NoTable && !se.Newer():
		// An older schema: migrations bring it up to date at the next start.
	case err != nil:
		return nil, fmt.Errorf("%s: %w", backup, err)
	}
	info := &RestoreInfo{SchemaVersion: version, Older: se != nil}
	var positions map[string]int64
	if _, err := os.Stat(dbPath); err == nil {
		if positions, err = issuedIDs(ctx, dbPath); err != nil {
			return nil, fmt.Errorf("read the ids the current database has issued: %w", err)
		}
	}
	if err := prepareRestore(ctx, tmpName, positions); err != nil {
		return nil, fmt.Errorf("prepare the restored database: %w", err)
	}
	if err := syncFile(tmpName); err != nil {
		return nil, err
	}
	if _, err := os.Stat(dbPath); err == nil {
		info.Previous = dbPath + ".before-restore-" + now.UTC().Format("20060102T150405Z")
		if err := os.Rename(dbPath, info.Previous); err != nil {
			return nil, fmt.Errorf("move the current database aside: %w", err)
		}
		if err := os.Rename(dbPath+"-wal", info.Previous+"-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("move the current database aside: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	// The shared-memory index belongs to the old file; SQLite rebuilds it.
	if err := os.Remove(dbPath + "-shm"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.Rename(tmpName, dbPath); err != nil {
		return nil, fmt.Errorf("put the backup in place: %w", err)
	}
	done = true
	return info, syncDir(dir)
}

// issuedIDs returns, per table, the highest id the SQLite database at path
// has issued. It opens the database normally, so that a -wal file left by
// a crash counts too.
func issuedIDs(ctx context.Context, path string) (map[string]int64, error) {
	st, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ts, err := st.schemaTables(ctx)
	if err != nil {
		return nil, err
	}
	return st.idPositions(ctx, ts)
}

// prepareRestore migrates the SQLite database at path, raises its
// auto-increment positions to at least positions, and journals an
// account-wide change for every account, in one transaction. Closing it
// folds its -wal file back into it.
func prepareRestore(ctx context.Context, path string, positions map[string]int64) error {
	st, err := Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	ts, err := st.schemaTables(ctx)
	if err != nil {
		return err
	}
	err = st.InTx(ctx, func(tx *Store) error {
		if err := tx.setIDPositions(ctx, ts, positions); err != nil {
			return err
		}
		accts, err := tx.ListAccounts(ctx)
		if err != nil {
			return err
		}
		for _, a := range accts {
			if err := tx.noteEverythingChanged(ctx, a.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return st.Close()
}

// checkSQLiteFile opens a SQLite file read-only, as immutable (no lock,
// no -wal or -shm created), runs PRAGMA quick_check and returns its schema
// version. Errors: a failed check; *SchemaError when its migrations are
// not exactly this binary's (the version is returned with it).
func checkSQLiteFile(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return 0, fmt.Errorf("not a readable SQLite database: %w", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return 0, err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("not a readable SQLite database: %w", err)
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("the database is damaged: %s", strings.Join(problems, "; "))
	}
	return (&Store{db: db, q: db, dialect: SQLite}).CheckSchema(ctx)
}

// syncFile flushes a file's contents to disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// syncDir flushes a directory entry change (a rename) to disk, where the
// system allows it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !strings.Contains(err.Error(), "not supported") {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
