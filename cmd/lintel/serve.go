package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/config"
)

func runServe(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("serve", "[flags]",
		"Runs Lintel: the DoorFlow-compatible API under /api/3, the OAuth 2.0 server under /oauth,\n"+
			"and /healthz, /readyz and /metrics. Migrations are applied on start.\n"+
			"Stop it with Ctrl-C (SIGINT) or SIGTERM; in-flight requests are finished first.\n\n"+
			"On SQLite it locks the data directory (<data dir>/lintel.lock) while it runs: a second\n"+
			"server on the same directory refuses to start and names the process holding it.", out)
	cfg := config.Bind(fs.FlagSet)
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	a, err := app.New(ctx, cfg, app.Options{Log: cfg.Logger(os.Stderr), Command: "lintel serve"})
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(out, "Lintel %s is serving %s (database: %s)\n", app.Version, a.BaseURL(), cfg.DatabaseDescription())
	fmt.Fprint(out, a.ListenNote())
	return a.Serve(ctx)
}

func runMigrate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("migrate", "[flags]",
		"Applies pending database migrations and prints the schema version. Safe to run\n"+
			"repeatedly and alongside running servers (PostgreSQL takes an advisory lock).", out)
	cfg := config.Bind(fs.FlagSet)
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	log := cfg.Logger(os.Stderr)
	st, err := app.OpenStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s is at schema version %d\n", cfg.DatabaseDescription(), v)
	return nil
}

func runVersion(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("version", "", "Prints the version of this binary, the commit it was built from (with its time, and\n"+
		"whether the checkout had uncommitted changes) and the Go version, as the Go toolchain\n"+
		"recorded them in the binary.", out)
	if err := fs.parse(args); err != nil {
		return err
	}
	fmt.Fprint(out, app.ReadBuildInfo())
	return nil
}
