package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/store"
)

func dbBackup(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("db backup", "--to FILE|DIR/ [--data-dir DIR]",
		"Writes a consistent copy of the SQLite database to FILE while the server keeps running\n"+
			"(no need to stop it: the copy is one moment of the database, taken with VACUUM INTO in a\n"+
			"read transaction that does not block the server's writes). With a directory, the file is\n"+
			"named lintel-<UTC time>.db inside it. The copy is synced to disk and checked before it\n"+
			"takes its name; it is readable by its owner only, as it holds digests and webhook\n"+
			"secrets. Put it back with 'lintel db restore'. For PostgreSQL use pg_dump.", out)
	dir := fs.String("data-dir", "", dataDirUsage)
	to := fs.String("to", "", "the backup `file` to write (refused if it exists), or a directory to write a timestamped file into")
	if err := fs.parse(args); err != nil {
		return err
	}
	if onPostgres() {
		return usageError{"LINTEL_DATABASE_URL is set: db backup copies a SQLite data directory; back PostgreSQL up with pg_dump"}
	}
	cfg := &config.Config{DataDir: dataDir(*dir)}
	if *to == "" {
		return usageError{"--to is required: the file (or directory) to write the backup to"}
	}
	path := *to
	if st, err := os.Stat(path); (err == nil && st.IsDir()) || strings.HasSuffix(path, string(os.PathSeparator)) {
		if err := os.MkdirAll(path, 0o700); err != nil {
			return err
		}
		path = filepath.Join(path, "lintel-"+time.Now().UTC().Format("20060102T150405Z")+".db")
	}
	if _, err := os.Stat(cfg.DSN()); err != nil {
		return fmt.Errorf("no database to back up at %s: %w", cfg.DSN(), err)
	}
	st, err := store.Open(ctx, cfg.DSN())
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	info, err := st.Backup(ctx, path)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Backed up %s to %s (%s, schema version %d) in %s.\n", cfg.DatabaseDescription(), info.Path,
		humanBytes(info.Bytes), info.SchemaVersion, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(out, "Restore it with: lintel db restore --from %s --data-dir %s\n", info.Path, cfg.DataDir)
	return nil
}

func dbRestore(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("db restore", "--from FILE [--data-dir DIR]",
		"Puts a backup made by 'lintel db backup' in place as the data directory's SQLite database.\n"+
			"Stop the server first: restore refuses while a server holds the data directory. The\n"+
			"backup file is only read. A copy of it is checked (integrity, and a schema no newer than\n"+
			"this binary's), migrated to this binary's schema, given ids that continue after every id\n"+
			"the replaced database issued, and told to make every door controller download a new\n"+
			"snapshot; only then is it put in place. The database that was there is kept beside it as\n"+
			"lintel.db.before-restore-<time>. See docs/scaling.md.", out)
	dir := fs.String("data-dir", "", dataDirUsage)
	from := fs.String("from", "", "the backup `file` to restore")
	if err := fs.parse(args); err != nil {
		return err
	}
	if onPostgres() {
		return usageError{"LINTEL_DATABASE_URL is set: db restore puts a SQLite backup in place; for PostgreSQL use pg_restore, or 'lintel db copy --from BACKUP'"}
	}
	cfg := &config.Config{DataDir: dataDir(*dir)}
	if *from == "" {
		return usageError{"--from is required: the backup file to restore"}
	}
	lock, err := lockDir(cfg.DataDir, "lintel db restore", "stop it before restoring")
	if err != nil {
		return err
	}
	defer lock.Release()
	info, err := store.RestoreSQLite(ctx, *from, cfg.DSN(), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Restored %s into %s.\n", *from, cfg.DSN())
	if info.Older {
		fmt.Fprintf(out, "The backup was at schema version %d; this version's migrations were applied to it.\n", info.SchemaVersion)
	}
	if info.Previous != "" {
		fmt.Fprintf(out, "The database that was there is kept as %s.\n", info.Previous)
	}
	fmt.Fprintf(out, "Door controllers download a new snapshot when they next connect. Tokens issued after\n"+
		"the backup was taken are unknown to it: those integrations must sign in again.\n")
	fmt.Fprintf(out, "Start the server: lintel serve --data-dir %s\n", cfg.DataDir)
	return nil
}
