package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// testbed is a real Lintel with the demo and CoWork HQ registered with it
// the way `lintel demo --coworkhq` does, both serving on free ports.
type testbed struct {
	lintel *app.App
	demo   *app.DemoInfo
	sample *app.SampleApp
	cw     *Server
	db     *DB
	url    string
}

// startTestbed starts both; streamEvents chooses whether CoWork HQ
// follows the event stream (webhooks are always on).
func startTestbed(t *testing.T, b storetest.Backend, streamEvents bool) *testbed {
	t.Helper()
	cfg := apptest.Config(t, b)
	cfg.WebhookAllowPrivate = true // CoWork HQ listens on loopback
	a, info := apptest.Start(t, cfg, nil, 50)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx := context.Background()
	sample, err := a.EnsureCoworkHQ(ctx, info, url)
	if err != nil {
		t.Fatal(err)
	}
	if sample.WebhookSecret == "" {
		t.Fatal("no webhook was registered for CoWork HQ")
	}
	dir := t.TempDir()
	db, err := OpenDB(ctx, filepath.Join(dir, "coworkhq.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cwCfg := Config{BaseURL: a.BaseURL(), ClientID: sample.ClientID, ClientSecret: sample.ClientSecret, RedirectURI: sample.RedirectURI,
		WebhookSecret: sample.WebhookSecret, Listen: ln.Addr().String(), DataDir: dir, EventStream: streamEvents}
	if err := cwCfg.validate(); err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(cwCfg, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, cancel := context.WithCancel(ctx)
	hs := &http.Server{Handler: srv.Handler(), BaseContext: func(net.Listener) context.Context { return srvCtx }}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	t.Cleanup(func() {
		cancel()
		srv.Stop()
		_ = hs.Close()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("CoWork HQ: %v", err)
		}
	})
	return &testbed{lintel: a, demo: info, sample: sample, cw: srv, db: db, url: url}
}

// memberID returns the id of the member with this address.
func (tb *testbed) memberID(t *testing.T, email string) int64 {
	t.Helper()
	ms, err := tb.db.Members(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Email == email {
			return m.ID
		}
	}
	t.Fatalf("no member %s", email)
	return 0
}
