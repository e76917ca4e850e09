package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/datadir"
	"github.com/lintel-dev/lintel/internal/store"
)

var runDB = subcommand("db", map[string]func(context.Context, []string, io.Writer) error{
	"copy":    dbCopy,
	"backup":  dbBackup,
	"restore": dbRestore,
}, "Moves the database from SQLite to PostgreSQL (copy), and backs up and restores a\n"+
	"SQLite data directory (backup while the server runs, restore while it is stopped).\n"+
	"See docs/scaling.md.")

// dataDirUsage documents the --data-dir flag of the db commands.
const dataDirUsage = "the data `directory` holding lintel.db (default $LINTEL_DATA_DIR, else " + config.DefaultDataDir + ")"

// dataDir returns the --data-dir value, else $LINTEL_DATA_DIR, else the
// default. (Defaults are resolved after parsing so that --help never prints
// a value taken from the environment.)
func dataDir(flag string) string {
	for _, v := range []string{flag, config.Env("LINTEL_DATA_DIR")} {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return config.DefaultDataDir
}

// onPostgres reports whether the environment selects PostgreSQL.
func onPostgres() bool { return strings.TrimSpace(config.Env("LINTEL_DATABASE_URL")) != "" }

// dbLocation is a database named on the command line: a PostgreSQL URL,
// or a SQLite file with the data directory that holds it.
type dbLocation struct {
	DSN     string // what store.Open takes
	DataDir string // SQLite: the directory whose lock guards the file
}

func (l dbLocation) postgres() bool { return store.IsPostgresURL(l.DSN) }

// serverDir is the data directory a server would lock to use this
// database: "" for PostgreSQL and for a SQLite file a server never opens
// (only <data dir>/lintel.db is), such as a backup.
func (l dbLocation) serverDir() string {
	if l.postgres() || filepath.Base(l.DSN) != config.SQLiteFile {
		return ""
	}
	return l.DataDir
}

// String names the database without credentials.
func (l dbLocation) String() string {
	if !l.postgres() {
		return "sqlite " + l.DSN
	}
	u, err := url.Parse(l.DSN)
	if err != nil {
		return "postgres"
	}
	return "postgres " + u.Host + u.Path
}

// locate resolves a --from or --to value: a postgres:// URL, a data
// directory (its lintel.db), or a SQLite file. A path that does not exist
// is a file when it ends in .db or .sqlite and a directory otherwise;
// mustExist refuses it instead.
func locate(v string, mustExist bool) (dbLocation, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return dbLocation{}, errors.New("empty")
	}
	if store.IsPostgresURL(v) {
		return dbLocation{DSN: v}, nil
	}
	if strings.Contains(v, "://") {
		return dbLocation{}, fmt.Errorf("%q is neither a postgres:// URL nor a path", v)
	}
	st, err := os.Stat(v)
	switch {
	case err == nil && st.IsDir():
		file := filepath.Join(v, config.SQLiteFile)
		if mustExist {
			if _, err := os.Stat(file); err != nil {
				return dbLocation{}, fmt.Errorf("%s holds no Lintel database (%s): %w", v, config.SQLiteFile, err)
			}
		}
		return dbLocation{DSN: file, DataDir: v}, nil
	case err == nil:
		return dbLocation{DSN: v, DataDir: filepath.Dir(v)}, nil
	case mustExist:
		return dbLocation{}, fmt.Errorf("no database at %s", v)
	case !errors.Is(err, os.ErrNotExist):
		return dbLocation{}, err
	case strings.HasSuffix(v, ".db") || strings.HasSuffix(v, ".sqlite"):
		return dbLocation{DSN: v, DataDir: filepath.Dir(v)}, nil
	default:
		return dbLocation{DSN: filepath.Join(v, config.SQLiteFile), DataDir: v}, nil
	}
}

// sameDatabase reports whether two locations name one database.
func sameDatabase(a, b dbLocation) bool {
	if a.postgres() || b.postgres() {
		return a.DSN == b.DSN
	}
	sa, errA := os.Stat(a.DSN)
	sb, errB := os.Stat(b.DSN)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	pa, _ := filepath.Abs(a.DSN)
	pb, _ := filepath.Abs(b.DSN)
	return pa == pb
}

// lockDir takes the data-directory lock for a db command; advice ends the
// refusal.
func lockDir(dir, command, advice string) (*datadir.Lock, error) {
	lock, err := datadir.Acquire(dir, datadir.Holder{PID: os.Getpid(), Command: command, Since: time.Now().UTC()})
	if err != nil {
		if datadir.IsBusy(err) {
			return nil, fmt.Errorf("%w: %s", err, advice)
		}
		return nil, err
	}
	return lock, nil
}

// schemaAdvice turns a *store.SchemaError about db into what to do.
func schemaAdvice(side string, db dbLocation, err error) error {
	var se *store.SchemaError
	if !errors.As(err, &se) {
		return err
	}
	flag := "--data-dir " + db.DataDir
	if db.postgres() {
		flag = "--database-url URL"
	}
	switch {
	case se.NoTable:
		return fmt.Errorf("the %s %s is not a Lintel database: %w", side, db, se)
	case se.Newer():
		return fmt.Errorf("the %s %s was migrated by a newer Lintel: %w; run the copy with that version of lintel", side, db, se)
	default:
		return fmt.Errorf("the %s %s needs migrating: %w; run 'lintel migrate %s' (or start this version of lintel serve on it once), then copy again",
			side, db, se, flag)
	}
}

// humanBytes formats a size for people.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
