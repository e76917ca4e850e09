package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/sim"
)

func runSim(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("sim", "[flags]",
		"Starts a Lintel in-process on a free port (SQLite in a temporary directory unless\n"+
			"--database-url is set), seeds a demo account with --people card holders, enrols\n"+
			"simulated door controllers and runs the reference agent for each. It then presents\n"+
			"cards at a steady rate (valid, wrong door, out of hours, unknown and revoked cards),\n"+
			"revokes cards through the API, optionally cuts the network of some controllers for\n"+
			"a while, and prints decision latency, decisions by code, events sent, stored and\n"+
			"lost, the ingest rate and upload lag, offline decisions, how long each revocation\n"+
			"took to reach every controller, and the memory used.\n\n"+
			"With --boards N it runs N emulated UHPPOTE boards instead, each a 4-door controller\n"+
			"driven by the agent's UHPPOTE driver, and reports the full load of --people cards\n"+
			"(10,000 unless set), how long revocations take to leave every board's card table, and\n"+
			"whether every board event is stored once under --drop packet loss and a --cut-for\n"+
			"cut of each board. See docs/sim.md.", out)
	cfg := config.Bind(fs.FlagSet)
	controllers := fs.Int("controllers", 20, fmt.Sprintf("`number` of simulated controllers, one door each (doors are reused round-robin; at most %d)", sim.MaxControllers))
	swipes := fs.Float64("swipes", 200, "`number` of presentations per second, over all controllers")
	duration := fs.Duration("duration", 20*time.Second, "how long to present cards")
	people := fs.Int("people", 1000, fmt.Sprintf("`number` of demo people, each holding a card (at most %d)", sim.MaxPeople))
	revocations := fs.Int("revocations", 20, "`number` of cards revoked through the API during the run (0: none)")
	cuts := fs.Int("cut", 0, "`number` of controllers whose network is cut a quarter of the way into the run")
	cutFor := fs.Duration("cut-for", 5*time.Second, "how long each cut lasts; the cut controllers decide offline and upload their events afterwards")
	servers := fs.Int("servers", 1, "`number` of Lintel servers sharing the --database-url PostgreSQL; controllers are spread over\n"+
		"them and revocations go through the first, so the report shows propagation across servers")
	stopServer := fs.Bool("stop-server", false, "with --servers 2 or more, stop the last server halfway; its controllers move to the first")
	agentDir := fs.String("agent-dir", "", "`directory` for the controllers' state (outboxes, snapshots); default: the temporary\n"+
		"directory of the server's data. All simulated controllers share its disk; /dev/shm takes\n"+
		"their synced writes off the server's disk")
	report := fs.String("report", "", "also write the summary as JSON to this `file`")
	boards := fs.Int("boards", 0, fmt.Sprintf("`number` of emulated UHPPOTE boards to run instead of reference agents (at most %d)", sim.MaxBoards))
	boardSwipes := fs.Int("board-swipes", 200, "with --boards: `swipes` at each board during the packet loss and the cut")
	drop := fs.Float64("drop", 0.05, "with --boards: `share` of the boards' packets lost during the swipes (0 to 0.9)")
	inFlight := fs.Int("board-inflight", 8, "with --boards: `requests` each driver keeps in flight while loading its board")
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	if *boards != 0 {
		return simBoards(ctx, fs, cfg, out, *boards, *boardSwipes, *drop, *inFlight, *revocations, *cutFor, *report)
	}
	switch {
	case *controllers < 1 || *controllers > sim.MaxControllers:
		return usageError{fmt.Sprintf("--controllers must be between 1 and %d", sim.MaxControllers)}
	case *swipes <= 0 || *swipes > sim.MaxRate:
		return usageError{fmt.Sprintf("--swipes must be above 0 and at most %d", sim.MaxRate)}
	case *duration < 100*time.Millisecond:
		return usageError{"--duration must be at least 100ms"}
	case *people < 1 || *people > sim.MaxPeople:
		return usageError{fmt.Sprintf("--people must be between 1 and %d", sim.MaxPeople)}
	case *revocations < 0:
		return usageError{"--revocations must not be negative"}
	case *cuts < 0 || *cuts > *controllers:
		return usageError{"--cut must be between 0 and --controllers"}
	case *cutFor <= 0 || *cutFor > 10*time.Minute:
		return usageError{"--cut-for must be above 0 and at most 10m"}
	case *servers < 1 || *servers > 16:
		return usageError{"--servers must be between 1 and 16"}
	case *servers > 1 && cfg.DatabaseURL == "":
		return usageError{"--servers above 1 share one PostgreSQL database: set --database-url"}
	case *stopServer && *servers < 2:
		return usageError{"--stop-server needs --servers 2 or more"}
	}
	levelSet := false
	fs.Visit(func(f *flag.Flag) { levelSet = levelSet || f.Name == "log-level" })
	if !levelSet && os.Getenv("LINTEL_LOG_LEVEL") == "" {
		cfg.LogLevel = "warn" // the server's request log would drown the progress display
	}
	revs := *revocations
	if revs == 0 {
		revs = -1 // sim.Config reads 0 as its default
	}
	seedBar := newProgress(*people, "Creating demo data")
	var loadBar *progressbar.ProgressBar
	r, err := sim.Run(ctx, sim.Config{Server: cfg, Controllers: *controllers, Rate: *swipes, Duration: *duration,
		People: *people, Revocations: revs, Cuts: *cuts, CutFor: *cutFor, AgentDir: *agentDir, Servers: *servers, StopServer: *stopServer, Log: cfg.Logger(os.Stderr).With(slog.String("component", "server")),
		Seeding: func(done, total int) {
			if seedBar != nil {
				_ = seedBar.Set(done)
			}
		},
		Swiping: func(done, total int) {
			if loadBar == nil {
				if seedBar != nil {
					_ = seedBar.Finish()
				}
				if loadBar = newProgress(total, "Presenting cards"); loadBar == nil {
					return
				}
			}
			_ = loadBar.Set(done)
		}})
	if loadBar != nil {
		_ = loadBar.Finish()
	}
	if err != nil {
		return err
	}
	r.Print(out)
	if *report != "" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*report, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

// simBoards runs the UHPPOTE board simulation.
func simBoards(ctx context.Context, fs *flags, cfg *config.Config, out io.Writer, boards, swipes int, drop float64, inFlight, revocations int,
	cutFor time.Duration, report string) error {
	people := 0
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "people" {
			people, _ = strconv.Atoi(f.Value.String())
		}
	})
	switch {
	case boards < 1 || boards > sim.MaxBoards:
		return usageError{fmt.Sprintf("--boards must be between 1 and %d", sim.MaxBoards)}
	case people < 0 || people > sim.MaxPeople:
		return usageError{fmt.Sprintf("--people must be between 1 and %d", sim.MaxPeople)}
	case swipes < 0 || swipes > 100_000:
		return usageError{"--board-swipes must be between 0 and 100000"}
	case drop < 0 || drop > 0.9:
		return usageError{"--drop must be between 0 and 0.9"}
	case inFlight < 1 || inFlight > 64:
		return usageError{"--board-inflight must be between 1 and 64"}
	case revocations < 0:
		return usageError{"--revocations must not be negative"}
	case cutFor <= 0 || cutFor > 10*time.Minute:
		return usageError{"--cut-for must be above 0 and at most 10m"}
	}
	if revocations == 0 {
		revocations = -1 // sim.BoardsConfig reads 0 as its default
	}
	if drop == 0 {
		drop = -1 // no loss (0 is the default)
	}
	levelSet := false
	fs.Visit(func(f *flag.Flag) { levelSet = levelSet || f.Name == "log-level" })
	if !levelSet && os.Getenv("LINTEL_LOG_LEVEL") == "" {
		cfg.LogLevel = "warn"
	}
	fmt.Fprintf(out, "Running %d emulated UHPPOTE board(s)...\n", boards)
	r, err := sim.RunBoards(ctx, sim.BoardsConfig{Server: cfg, Boards: boards, People: people, Revocations: revocations, Swipes: swipes,
		DropRate: drop, CutFor: cutFor, InFlight: inFlight, Log: cfg.Logger(os.Stderr).With(slog.String("component", "server"))})
	if err != nil {
		return err
	}
	r.Print(out)
	if report != "" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(report, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}
