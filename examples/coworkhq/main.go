// Command coworkhq is CoWork HQ, a sample coworking CRM that integrates
// with Lintel (or DoorFlow) through the Go SDK: it connects with OAuth,
// syncs its members to people by email, maps its teams to groups, issues
// cards, PINs and mobile passes, and shows badge events live. Every call
// to Lintel is made by this server; the browser never sees a token.
//
// Usage:
//
//	coworkhq [-env FILE]
//
// Configuration comes from the environment and from FILE (default .env;
// the environment wins): LINTEL_BASE_URL, LINTEL_CLIENT_ID,
// LINTEL_CLIENT_SECRET, LINTEL_REDIRECT_URI, LINTEL_WEBHOOK_SECRET,
// COWORKHQ_LISTEN, COWORKHQ_DATA_DIR and COWORKHQ_EVENT_STREAM (see
// .env.example). `lintel demo --coworkhq http://127.0.0.1:3333` registers
// the app with a demo server and writes such a file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "coworkhq:", err)
		os.Exit(1)
	}
}

func run() error {
	envFile := flag.String("env", ".env", "`file` of KEY=VALUE settings; the environment wins over it")
	flag.Parse()
	if err := loadDotEnv(*envFile); err != nil {
		return err
	}
	cfg, err := configFromEnv()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	db, err := OpenDB(ctx, filepath.Join(cfg.DataDir, "coworkhq.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	srv, err := NewServer(cfg, db, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	// Requests share ctx, so open live pages end when the server stops.
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	srv.Start(ctx)
	defer srv.Stop()
	log.Info("CoWork HQ is running", "url", "http://"+ln.Addr().String(), "lintel", cfg.BaseURL)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}
