package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lintel-dev/lintel/internal/bench"
)

func runBench(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("bench", "[flags]",
		"Starts a Lintel in-process on a free port (SQLite in a temporary directory, or a scratch\n"+
			"schema of --database-url that is dropped afterwards), seeds the demo account with\n"+
			"--people people and --events events, and measures side by side, in one run, with\n"+
			"closed-loop load over keep-alive connections:\n\n"+
			"  - the list pages (people, events, credentials; 100 a page) beside a static net/http\n"+
			"    server sending the same bytes (the ceiling): as a polling client sees them (from\n"+
			"    the list cache), then computed on every request (the cache off);\n"+
			"  - the last page of people and page 500 of events beside the first page (computed);\n"+
			"  - POST /api/3/people beside a bare INSERT of the same row with the same driver, one\n"+
			"    row per transaction;\n"+
			"  - the refresh grant over HTTP, beside an OAuth server built on fosite that keeps its\n"+
			"    tokens in memory (--refresh-anchor, tools/fosite-anchor) or against the target of\n"+
			"    2,500/s;\n"+
			"  - GET /api/3/people?skip_pagination=true once, and the idle CPU.\n\n"+
			"Each measure runs --rounds rounds of --duration, alternating with its anchor; the\n"+
			"medians and their ratio are printed. CPU is the whole process's, load generator\n"+
			"included. Progress goes to stderr. See docs/scaling.md.", out)
	dbURL := fs.String("database-url", os.Getenv("LINTEL_DATABASE_URL"), "PostgreSQL `URL` to measure on (a scratch schema is created and dropped); empty: SQLite")
	people := fs.Int("people", 10000, "`number` of people on the demo account")
	events := fs.Int("events", 100000, "`number` of events in the last 80 days")
	rounds := fs.Int("rounds", 3, "`number` of rounds of each measure (medians are reported)")
	duration := fs.Duration("duration", 3*time.Second, "length of one round of one measure")
	listC := fs.Int("c", 16, "`concurrency` of the list pages and the refresh grant")
	writeC := fs.Int("write-c", 8, "`concurrency` of the writes")
	only := fs.String("only", "", "comma-separated `groups` to run: lists, deep, writes, refresh, all (skip_pagination), idle; empty: every one")
	idle := fs.Duration("idle", 5*time.Second, "how long the idle CPU is measured (--only idle measures it alone)")
	report := fs.String("report", "", "also write the report as JSON to this `file`")
	anchor := fs.String("refresh-anchor", "", "base `URL` of an OAuth server to measure the refresh grant beside, in the same run\n(tools/fosite-anchor; see docs/scaling.md); empty: the grant is held against 2,500/s")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measures (not the seeding) to this `file`, for go tool pprof")
	if err := fs.parse(args); err != nil {
		return err
	}
	switch {
	case *people < 1 || *people > 1_000_000:
		return usageError{"--people must be between 1 and 1000000"}
	case *events < 0 || *events > 10_000_000:
		return usageError{"--events must be between 0 and 10000000"}
	case *rounds < 1 || *rounds > 100:
		return usageError{"--rounds must be between 1 and 100"}
	case *duration < 100*time.Millisecond || *duration > 10*time.Minute:
		return usageError{"--duration must be between 100ms and 10m"}
	case *idle < 100*time.Millisecond || *idle > time.Hour:
		return usageError{"--idle must be between 100ms and 1h"}
	case *listC < 1 || *listC > 1024 || *writeC < 1 || *writeC > 1024:
		return usageError{"-c and --write-c must be between 1 and 1024"}
	case *dbURL != "" && !strings.HasPrefix(*dbURL, "postgres://") && !strings.HasPrefix(*dbURL, "postgresql://"):
		return usageError{"--database-url must start with postgres:// or postgresql://"}
	case *anchor != "" && !strings.HasPrefix(*anchor, "http://") && !strings.HasPrefix(*anchor, "https://"):
		return usageError{"--refresh-anchor must be an http:// or https:// URL, such as http://127.0.0.1:9096 (tools/fosite-anchor)"}
	}
	cfg := bench.Config{DatabaseURL: *dbURL, People: *people, Events: *events, Rounds: *rounds, Duration: *duration,
		ListC: *listC, WriteC: *writeC, RefreshC: *listC, RefreshAnchor: *anchor, Idle: *idle, Progress: os.Stderr}
	if *events == 0 {
		cfg.Events = -1
	}
	known := map[string]bool{"lists": true, "deep": true, "writes": true, "refresh": true, "all": true, "idle": true}
	for _, g := range strings.Split(*only, ",") {
		if g = strings.TrimSpace(g); g == "" {
			continue
		}
		if !known[g] {
			return usageError{fmt.Sprintf("--only: unknown group %q", g)}
		}
		cfg.Only = append(cfg.Only, g)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		cfg.Seeded = func() error { return pprof.StartCPUProfile(f) }
		defer pprof.StopCPUProfile()
	}
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	printBench(out, rep)
	if *report != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*report, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func printBench(out io.Writer, r *bench.Report) {
	fmt.Fprintf(out, "\nLintel bench: %s, %d people, %d events, %d rounds of %.1fs (medians)\n", r.Database, r.People, max(r.Events, 0), r.Rounds, r.RoundSec)
	fmt.Fprintf(out, "seeding: people %.1fs, events %.1fs\n\n", r.SeedPeopleS, r.SeedEventsS)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tc\tLintel/s\tCPU ms\tbytes\tanchor\tanchor/s\tratio\terrors")
	for _, row := range r.Rows {
		bytes := ""
		if row.Bytes > 0 {
			bytes = fmt.Sprint(row.Bytes)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%s\t%s\t%.0f\t%.3f\t%d\n", row.Name, row.Concurrency, row.Rate, row.CPUms, bytes,
			row.Anchor, row.AnchorRate, row.Ratio, row.Errors)
	}
	tw.Flush()
	for _, row := range r.Rows {
		if row.Note != "" && !strings.HasSuffix(row.Note, "; ") {
			fmt.Fprintf(out, "note: %s: %s\n", row.Name, strings.TrimSuffix(row.Note, "; "))
		}
	}
	if s := r.SkipPagination; s != nil {
		fmt.Fprintf(out, "GET /api/3/people?skip_pagination=true: status %d, %d bytes, Total %s, %.2fs, peak heap %.0f MiB\n",
			s.Status, s.Bytes, s.Items, s.Seconds, s.HeapMiB)
	}
	if r.IdleCPU != nil {
		fmt.Fprintf(out, "idle CPU: %.2f%% of a core\n", *r.IdleCPU)
	}
}
