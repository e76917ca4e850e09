// Package apptest starts a whole Lintel for tests: app.New on a free
// port with the CoWork HQ demo, served until the test ends. End-to-end,
// contract and conformance tests share it so they all run the production
// code path the same way.
package apptest

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// Config returns a configuration on a free local port for backend b: its
// PostgreSQL URL, or its SQLite file's directory as the data directory.
func Config(t testing.TB, b storetest.Backend) *config.Config {
	cfg := &config.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "info", LogFormat: "text"}
	if b.Name == "postgres" {
		cfg.DatabaseURL = b.DSN
	} else {
		cfg.DataDir = filepath.Dir(b.DSN)
	}
	return cfg
}

// Start starts Lintel with cfg, seeds the demo with the given number of
// people, and stops it when the test ends (failing the test if serving
// failed). A nil log discards.
func Start(t testing.TB, cfg *config.Config, log *slog.Logger, people int) (*app.App, *app.DemoInfo) {
	t.Helper()
	return StartWith(t, cfg, app.Options{Log: log}, people)
}

// StartWith is Start with the parts tests replace (a clock, a logger).
func StartWith(t testing.TB, cfg *config.Config, opt app.Options, people int) (*app.App, *app.DemoInfo) {
	t.Helper()
	a, _ := Serve(t, cfg, opt)
	info, err := a.EnsureDemo(context.Background(), people, nil)
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	return a, info
}

// Serve starts Lintel with cfg and no demo, as another server on a
// database that already holds one. It stops when the test ends, or
// earlier when stop is called (stop waits for the shutdown; calling it
// again does nothing).
func Serve(t testing.TB, cfg *config.Config, opt app.Options) (a *app.App, stop func()) {
	t.Helper()
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, opt)
	if err != nil {
		cancel()
		t.Fatalf("start Lintel: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
			a.Close()
		})
	}
	t.Cleanup(stop)
	return a, stop
}
