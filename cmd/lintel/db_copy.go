package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/store"
)

func dbCopy(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("db copy", "--to postgres://... [--from DIR|FILE] [flags]",
		"Copies the whole database, every table with its ids, from a SQLite data directory to\n"+
			"PostgreSQL (or between any two Lintel databases), then checks that every table holds as\n"+
			"many rows on both sides. The target is migrated first and must be empty; both sides must\n"+
			"be at this binary's schema version. The copy is one transaction: on any error the target\n"+
			"keeps nothing but its migrations. Identity sequences are set past every id the source\n"+
			"issued.\n\n"+
			"Stop the server first: while a server holds the source data directory the copy is\n"+
			"refused, unless --allow-running (then it copies one consistent moment, and writes made\n"+
			"after it are not copied). Afterwards start the server with --database-url set to the\n"+
			"target. See docs/scaling.md.", out)
	from := fs.String("from", "", "the source: a data `directory` or SQLite file, or a postgres:// URL (default $LINTEL_DATA_DIR, else "+config.DefaultDataDir+")")
	to := fs.String("to", "", "the target: a postgres:// `URL` (default $LINTEL_DATABASE_URL), or a data directory or SQLite file")
	replace := fs.Bool("replace", false, "delete everything in the target first instead of refusing a target that holds data")
	running := fs.Bool("allow-running", false, "copy even while a server uses the source data directory (a snapshot; later writes are not copied)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *from == "" {
		*from = dataDir("")
	}
	if *to == "" {
		*to = strings.TrimSpace(config.Env("LINTEL_DATABASE_URL"))
	}
	if *to == "" {
		return usageError{"--to is required: the PostgreSQL URL to copy to (postgres://user:password@host:5432/lintel)"}
	}
	src, err := locate(*from, true)
	if err != nil {
		return usageError{"--from: " + err.Error()}
	}
	dst, err := locate(*to, false)
	if err != nil {
		return usageError{"--to: " + err.Error()}
	}
	if sameDatabase(src, dst) {
		return usageError{"--from and --to name the same database"}
	}

	// A server on the source would go on writing what the copy misses; a
	// server on a SQLite target would see its database rewritten.
	if dir := src.serverDir(); dir != "" && !*running {
		lock, err := lockDir(dir, "lintel db copy", "stop it first, or pass --allow-running to copy a snapshot (writes made after it are not copied)")
		if err != nil {
			return err
		}
		defer lock.Release()
	}
	if dir := dst.serverDir(); dir != "" {
		lock, err := lockDir(dir, "lintel db copy", "stop it before copying into its database")
		if err != nil {
			return err
		}
		defer lock.Release()
	}

	srcDB, err := store.Open(ctx, src.DSN)
	if err != nil {
		return fmt.Errorf("open the source %s: %w", src, err)
	}
	defer srcDB.Close()
	if _, err := srcDB.CheckSchema(ctx); err != nil {
		return schemaAdvice("source", src, err)
	}
	dstDB, err := store.Open(ctx, dst.DSN)
	if err != nil {
		return fmt.Errorf("open the target %s: %w", dst, err)
	}
	defer dstDB.Close()

	var bar *progressbar.ProgressBar
	start := time.Now()
	report, err := store.Copy(ctx, srcDB, dstDB, store.CopyOptions{Replace: *replace, Progress: func(done, total int64) {
		if bar == nil {
			bar = newProgress(int(total), "Copying rows")
		}
		if bar != nil {
			_ = bar.Set64(done)
		}
	}})
	if bar != nil {
		_ = bar.Finish()
	}
	var full *store.NotEmptyError
	switch {
	case errors.As(err, &full):
		return fmt.Errorf("%s: %w; copy into an empty database, or pass --replace to delete what it holds", dst, err)
	case err != nil:
		if se := (*store.SchemaError)(nil); errors.As(err, &se) {
			return schemaAdvice("target", dst, err)
		}
		return err
	}
	elapsed := time.Since(start)

	fmt.Fprintf(out, "Copied %d rows in %d tables from %s to %s in %s (schema version %d).\n\n",
		report.Rows, len(report.Tables), src, dst, elapsed.Round(time.Millisecond), report.SchemaVersion)
	width := len("table")
	for _, t := range report.Tables {
		width = max(width, len(t.Table))
	}
	fmt.Fprintf(out, "  %-*s  %10s\n", width, "table", "rows")
	for _, t := range report.Tables {
		fmt.Fprintf(out, "  %-*s  %10d\n", width, t.Table, t.Rows)
	}
	fmt.Fprintf(out, "\nEvery table holds as many rows in the target as in the source.\n")
	if dst.postgres() {
		fmt.Fprintf(out, "Next: start the server on PostgreSQL, e.g. LINTEL_DATABASE_URL='<the --to URL>' lintel serve\n")
	} else {
		fmt.Fprintf(out, "Next: start the server on it, e.g. lintel serve --data-dir %s\n", dst.DataDir)
	}
	return nil
}
