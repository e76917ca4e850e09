package app_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/datadir"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestSecondServerOnOneDataDirectoryRefuses(t *testing.T) {
	b := storetest.Backends(t)[0] // SQLite
	cfg := apptest.Config(t, b)
	first, _ := apptest.Start(t, cfg, nil, 5)

	second := *cfg
	_, err := app.New(context.Background(), &second, app.Options{Log: slog.New(slog.DiscardHandler), Command: "lintel serve"})
	var busy *datadir.BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("second server: %v", err)
	}
	want := fmt.Sprintf("pid %d (lintel, serving %s, since ", os.Getpid(), first.BaseURL())
	if !strings.Contains(err.Error(), want) {
		t.Errorf("refusal %q does not say %q", err, want)
	}
	// A command that only uses the store (demo --no-serve) needs neither
	// the lock nor the port the first server holds.
	third := *cfg
	third.Listen = first.Addr().String()
	a, err := app.New(context.Background(), &third, app.Options{Log: slog.New(slog.DiscardHandler), NoListen: true})
	if err != nil {
		t.Fatalf("store-only app beside a server on its port: %v", err)
	}
	if a.Addr() != nil || a.BaseURL() != first.BaseURL() {
		t.Errorf("store-only app: addr %v, base URL %s, want %s", a.Addr(), a.BaseURL(), first.BaseURL())
	}
	if err := a.Serve(context.Background()); err == nil {
		t.Error("a store-only app served")
	}
	a.Close()
}

func TestLockIsReleasedOnClose(t *testing.T) {
	cfg := apptest.Config(t, storetest.Backends(t)[0])
	for i := range 2 {
		a, err := app.New(context.Background(), cfg, app.Options{Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
		a.Close()
	}
}

func TestNotReadyWhenTheDatabaseFileIsGone(t *testing.T) {
	cfg := apptest.Config(t, storetest.Backends(t)[0])
	a, _ := apptest.Start(t, cfg, nil, 5)
	ready := func() int {
		resp, err := http.Get(a.BaseURL() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := ready(); got != http.StatusOK {
		t.Fatalf("readyz: %d", got)
	}
	db := cfg.DSN()
	if err := os.Rename(db, filepath.Join(filepath.Dir(db), "moved.db")); err != nil {
		t.Fatal(err)
	}
	if got := ready(); got != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database file gone: %d", got)
	}
}
