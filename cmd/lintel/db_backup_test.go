package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestDBBackupAndRestore backs up a running server while it takes writes,
// refuses to restore under it, and restores once it is stopped: the server
// started on the restored directory answers as at backup time.
func TestDBBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	cfg := apptest.Config(t, storetest.Backend{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "lintel.db")})
	dir := cfg.DataDir
	srv, stop := apptest.Serve(t, cfg, app.Options{})
	info, err := srv.EnsureDemo(ctx, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	token := passwordToken(t, info)
	before := createPerson(t, srv.BaseURL(), token, "Before")

	// Writes go on through the API while the backup is taken.
	writing, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-writing:
				return
			default:
			}
			if _, err := postPerson(srv.BaseURL(), token, fmt.Sprint("During", i)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	backups := filepath.Join(t.TempDir(), "backups") + string(os.PathSeparator)
	code, out, errOut := lintel(t, "db", "backup", "--data-dir", dir, "--to", backups)
	close(writing)
	<-done
	if code != 0 || !strings.Contains(out, "Backed up sqlite "+cfg.DSN()+" to "+backups+"lintel-") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	files, _ := filepath.Glob(backups + "lintel-*.db")
	if len(files) != 1 {
		t.Fatalf("backup files: %v", files)
	}
	backup := files[0]
	if code, _, errOut := lintel(t, "db", "backup", "--data-dir", dir, "--to", backup); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("backup over an existing file: exit %d, %q", code, errOut)
	}
	after := createPerson(t, srv.BaseURL(), token, "After")

	// A backup file is a database db copy reads like any other; the
	// directory it lies in is no data directory and gets no lock file.
	elsewhere := t.TempDir()
	if code, out, errOut := lintel(t, "db", "copy", "--from", backup, "--to", elsewhere); code != 0 || !strings.Contains(out, "Every table holds as many rows") {
		t.Errorf("copy from the backup: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(backups, "lintel.lock")); err == nil {
		t.Error("db copy left a lock file among the backups")
	}

	code, _, errOut = lintel(t, "db", "restore", "--data-dir", dir, "--from", backup)
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("in use by another Lintel, pid %d", os.Getpid())) || !strings.Contains(errOut, "stop it before restoring") {
		t.Fatalf("restore under a running server: exit %d, %q", code, errOut)
	}
	stop()
	code, out, errOut = lintel(t, "db", "restore", "--data-dir", dir, "--from", backup)
	if code != 0 || !strings.Contains(out, "The database that was there is kept as "+cfg.DSN()+".before-restore-") {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}

	srv, _ = apptest.Serve(t, cfg, app.Options{})
	if code, body := apiGet(t, srv.BaseURL(), fmt.Sprintf("/api/3/people/%d", before), token); code != http.StatusOK || !strings.Contains(body, `"Before"`) {
		t.Errorf("person created before the backup: %d %s", code, body)
	}
	if code, _ := apiGet(t, srv.BaseURL(), fmt.Sprintf("/api/3/people/%d", after), token); code != http.StatusNotFound {
		t.Errorf("person created after the backup: %d, want 404", code)
	}
}

func TestDBCommandsRefuseMistakes(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"db", "copy", "--from", dir}, 2, "--to is required"},
		{[]string{"db", "copy", "--from", filepath.Join(dir, "nowhere"), "--to", "postgres://x@127.0.0.1:1/x"}, 2, "no database at"},
		{[]string{"db", "copy", "--from", dir, "--to", "postgres://x@127.0.0.1:1/x"}, 2, "holds no Lintel database"},
		{[]string{"db", "copy", "--from", "mysql://x", "--to", dir}, 2, "neither a postgres:// URL nor a path"},
		{[]string{"db", "backup", "--data-dir", dir}, 2, "--to is required"},
		{[]string{"db", "backup", "--data-dir", dir, "--to", filepath.Join(dir, "b.db")}, 1, "no database to back up"},
		{[]string{"db", "restore", "--data-dir", dir}, 2, "--from is required"},
		{[]string{"db", "restore", "--data-dir", dir, "--from", filepath.Join(dir, "missing.db")}, 1, "no such file"},
		{[]string{"db", "frobnicate"}, 2, "unknown command"},
	} {
		code, _, errOut := lintel(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	// A copy onto itself is refused before anything is opened.
	code, _, errOut := lintel(t, "demo", "--no-serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--log-level", "error")
	if code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := lintel(t, "db", "copy", "--from", dir, "--to", filepath.Join(dir, "lintel.db")); code != 2 || !strings.Contains(errOut, "same database") {
		t.Errorf("copy onto itself: exit %d, %q", code, errOut)
	}
	// Backups and restores are for SQLite.
	t.Setenv("LINTEL_DATABASE_URL", "postgres://x@127.0.0.1:1/x")
	if code, _, errOut := lintel(t, "db", "backup", "--to", filepath.Join(dir, "b.db")); code != 2 || !strings.Contains(errOut, "pg_dump") {
		t.Errorf("backup on PostgreSQL: exit %d, %q", code, errOut)
	}
}
