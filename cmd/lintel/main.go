// Command lintel is the Lintel access-control server and its admin tools.
//
// Run "lintel help" for the list of commands and "lintel <command> --help"
// for the flags of one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // IANA zones even on machines without a zoneinfo database
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, out io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the server (API, OAuth, health and metrics)", runServe},
		{"demo", "create the CoWork HQ demo account and serve it", runDemo},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"db", "copy the database to PostgreSQL; back up and restore SQLite", runDB},
		{"accounts", "create and list accounts", runAccounts},
		{"users", "create operator users, unlock a locked-out one", runUsers},
		{"apps", "create OAuth applications", runApps},
		{"controllers", "enrol and list door controllers", runControllers},
		{"controller", "run the reference door controller agent", runController},
		{"bench", "measure list pages, writes and the token endpoint beside their ceilings", runBench},
		{"sim", "measure latency, delivery and revocation propagation with simulated controllers", runSim},
		{"keys", "create, list and revoke personal API keys", runKeys},
		{"subscriptions", "require, create, list and revoke subscription keys", runSubscriptions},
		{"allow", "enable restricted API families per account or user", runAllow},
		{"verify", "mark an account verified (the trust gate)", accountsVerify},
		{"webhooks", "set application webhooks, read delivery logs, replay", runWebhooks},
		{"version", "print the version", runVersion},
	}
}

// usageError marks errors that should print usage and exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			args = []string{args[1], "--help"}
		} else {
			usage(out)
			return 0
		}
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], out)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			fmt.Fprintf(errOut, "lintel %s: %v\nRun 'lintel %s --help' for usage.\n", c.name, err, c.name)
			return 2
		default:
			fmt.Fprintf(errOut, "lintel %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(errOut, "lintel: unknown command %q\nRun 'lintel help' for the list of commands.\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Lintel is a self-hosted access-control server with a DoorFlow-compatible API.

Usage:
  lintel <command> [flags]

Commands:
`)
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprint(w, `
Every command takes --help. Configuration comes from flags or LINTEL_*
environment variables (flags win): LINTEL_LISTEN, LINTEL_DATA_DIR,
LINTEL_DATABASE_URL, LINTEL_PUBLIC_URL, LINTEL_LOG_LEVEL, LINTEL_LOG_FORMAT.

Start here:
  lintel demo      # a demo account, an operator login and an OAuth app, served on 127.0.0.1:8080
`)
}

// flags is a subcommand's flag set plus the help text printed for --help.
type flags struct {
	*flag.FlagSet
	out  io.Writer
	help func()
}

// newFlags returns a flag set whose help lists the command's flags under a summary.
func newFlags(name, synopsis, summary string, out io.Writer) *flags {
	fs := flag.NewFlagSet("lintel "+name, flag.ContinueOnError)
	f := &flags{FlagSet: fs, out: out}
	f.help = func() {
		fmt.Fprintf(out, "Usage: lintel %s %s\n\n%s\n\nFlags:\n", name, synopsis, summary)
		fs.SetOutput(out)
		fs.PrintDefaults()
	}
	return f
}

// parse parses flags. --help prints the help and returns flag.ErrHelp;
// other flag errors become usage errors.
func (f *flags) parse(args []string) error {
	f.SetOutput(io.Discard)
	f.Usage = func() {}
	err := f.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		f.help()
		return flag.ErrHelp
	}
	if err != nil {
		return usageError{err.Error()}
	}
	if f.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", f.Arg(0))}
	}
	return nil
}
