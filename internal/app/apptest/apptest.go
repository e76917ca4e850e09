// Package apptest starts a whole Lintel for tests: app.New on a free
// port with the CoWork HQ demo, served until the test ends. End-to-end,
// contract and conformance tests share it so they all run the production
// code path the same way.
package apptest

import (
	"context"
	"log/slog"
	"path/filepath"
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
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	info, err := a.EnsureDemo(ctx, people, nil)
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	return a, info
}
