package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/datadir"
)

func runDemo(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("demo", "[flags]",
		"Creates the CoWork HQ demo account (two sites, doors, credential types, groups, roles,\n"+
			"shifts and about 50 people with cards and PINs), an operator login and an OAuth\n"+
			"application in the testing state, prints how to use them, writes them to\n"+
			"<data dir>/demo.json, and serves. Running it again reuses the same demo.\n\n"+
			"On SQLite the data directory is locked while it serves: a second server on the same\n"+
			"directory refuses to start, and --reset refuses to delete a database a server is using.\n"+
			"With --no-serve it does not bind the listen address (the address only names the demo's\n"+
			"redirect URI).", out)
	cfg := config.Bind(fs.FlagSet)
	reset := fs.Bool("reset", false, "delete the SQLite database and demo.json in the data directory first (refused while a server uses it)")
	noServe := fs.Bool("no-serve", false, "create the demo data, print it and exit instead of serving")
	people := fs.Int("people", 50, "`number` of demo people")
	coworkhq := fs.String("coworkhq", "", "also register the CoWork HQ sample app running at `URL` (e.g. http://127.0.0.1:3333)\nand write its settings to <data dir>/coworkhq.env")
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	if *people < 1 || *people > 100000 {
		return usageError{"--people must be between 1 and 100000"}
	}
	infoPath := filepath.Join(cfg.DataDir, "demo.json")
	opt := app.Options{Log: cfg.Logger(os.Stderr), NoListen: *noServe, Command: "lintel demo"}
	if *reset {
		lock, err := resetDemo(cfg, infoPath)
		if err != nil {
			return err
		}
		opt.DataLock = lock // the App keeps the directory locked from here on
	}
	a, err := app.New(ctx, cfg, opt)
	if err != nil {
		opt.DataLock.Release()
		return err
	}
	defer a.Close()

	bar := newProgress(*people, "Creating demo data")
	info, err := a.EnsureDemo(ctx, *people, func(done, total int) {
		if bar != nil {
			_ = bar.Set(done)
		}
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	printDemo(out, info, infoPath)
	if note := a.ListenNote(); note != "" {
		fmt.Fprintln(out, note)
	}
	if *coworkhq != "" {
		sample, err := a.EnsureCoworkHQ(ctx, info, *coworkhq)
		if err != nil {
			return err
		}
		printCoworkHQ(out, sample)
	}
	if *noServe {
		return nil
	}
	return a.Serve(ctx)
}

// resetDemo locks the data directory and removes the demo's SQLite files
// and demo.json, returning the lock still held. It refuses to touch a
// PostgreSQL database, and a directory another process holds (a running
// server would go on serving the deleted file).
func resetDemo(cfg *config.Config, infoPath string) (*datadir.Lock, error) {
	if cfg.DatabaseURL != "" {
		return nil, usageError{"--reset only works with SQLite; drop the PostgreSQL database yourself"}
	}
	lock, err := datadir.Acquire(cfg.DataDir, datadir.Holder{PID: os.Getpid(), Command: "lintel demo --reset", Since: time.Now().UTC()})
	if err != nil {
		return nil, fmt.Errorf("reset: %w: stop it before resetting (it would go on serving the deleted database)", err)
	}
	for _, p := range []string{cfg.DSN(), cfg.DSN() + "-wal", cfg.DSN() + "-shm", infoPath} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			lock.Release()
			return nil, fmt.Errorf("reset: %w", err)
		}
	}
	return lock, nil
}

// quickstartScopes are the scopes the DoorFlow quickstart uses, for the
// shorter password-grant example.
const quickstartScopes = "account.person account.channel.readonly account.credential_type.readonly account.group.readonly account.event.access.readonly account.group_reservation"

func printDemo(out io.Writer, info *app.DemoInfo, infoPath string) {
	fmt.Fprintf(out, `
Lintel demo: CoWork HQ is ready at %[1]s

  Account          CoWork HQ, id %[10]s
  Console          %[1]s/ (sign in with the operator login)
  Operator login   %[2]s / %[3]s
  OAuth client     client_id=%[4]s
                   client_secret=%[5]s
                   redirect_uri=%[6]s
  Saved to         %[7]s

1. Open this URL in a browser, sign in as the operator and allow access:
   %[8]s
2. The callback page shows the code. Exchange it for a token:
   curl -X POST %[1]s/oauth/token -d grant_type=authorization_code -d code=CODE \
     -d client_id=%[4]s -d client_secret=%[5]s -d redirect_uri=%[6]s
   Or skip the browser with the password grant:
   curl -X POST %[1]s/oauth/token -u %[4]s:%[5]s -d grant_type=password \
     -d username=%[2]s -d password=%[3]s -d scope='%[9]s'
3. Call the API:
   curl -H "Authorization: Bearer ACCESS_TOKEN" %[1]s/api/3/people

`, info.BaseURL, info.AdminEmail, info.AdminPassword, info.ClientID, info.ClientSecret,
		info.RedirectURI, infoPath, info.AuthorizeURL, quickstartScopes, info.AccountID)
}

func printCoworkHQ(out io.Writer, s *app.SampleApp) {
	fmt.Fprintf(out, `CoWork HQ sample app registered (client_id=%s, redirect_uri=%s).
Its settings are in %s. In another terminal, from the repository root:

   go run ./examples/coworkhq -env %s

then open %s and press "Connect to Lintel".
`, s.ClientID, s.RedirectURI, s.EnvPath, s.EnvPath, s.AppURL)
	if s.WebhookSecret == "" {
		fmt.Fprintln(out, "Its live page follows the event stream. Add --webhook-allow-private to let Lintel send it\nsigned webhooks on this machine as well.")
	} else {
		fmt.Fprintln(out, "Lintel sends it signed webhooks, and its live page also follows the event stream.")
	}
	fmt.Fprintln(out)
}

// newProgress returns a progress bar on stderr when it is a terminal.
func newProgress(total int, what string) *progressbar.ProgressBar {
	if st, err := os.Stderr.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
}
