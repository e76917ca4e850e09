package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestDemoTrapsWithARunningServer: the README's demo commands next to a
// server that is running on the same data directory.
func TestDemoTrapsWithARunningServer(t *testing.T) {
	cfg := apptest.Config(t, storetest.Backends(t)[0])
	dir := cfg.DataDir
	srv, _ := apptest.Start(t, cfg, nil, 5)
	before, err := os.Stat(cfg.DSN())
	if err != nil {
		t.Fatal(err)
	}

	code, _, errOut := lintel(t, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--log-level", "error")
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("is in use by another Lintel, pid %d", os.Getpid())) ||
		!strings.Contains(errOut, "serving "+srv.BaseURL()) {
		t.Errorf("second serve: exit %d, %q", code, errOut)
	}
	code, _, errOut = lintel(t, "demo", "--reset", "--no-serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--log-level", "error")
	if code != 1 || !strings.Contains(errOut, "reset: data directory "+dir+" is in use") {
		t.Errorf("demo --reset beside a server: exit %d, %q", code, errOut)
	}
	if after, err := os.Stat(cfg.DSN()); err != nil || !os.SameFile(before, after) {
		t.Fatalf("demo --reset touched the database of a running server: %v", err)
	}

	// --no-serve never binds: the port the server holds is no obstacle.
	other := t.TempDir()
	code, out, errOut := lintel(t, "demo", "--no-serve", "--data-dir", other, "--listen", srv.Addr().String(), "--log-level", "error")
	if code != 0 || !strings.Contains(out, "is ready at "+srv.BaseURL()) {
		t.Fatalf("demo --no-serve on a busy port: exit %d, %q %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(other, "demo.json")); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", srv.Addr().String())
	if err == nil {
		ln.Close()
		t.Fatal("the server's port was free")
	}
	// With nobody on the directory, --reset starts over.
	code, _, errOut = lintel(t, "demo", "--reset", "--no-serve", "--data-dir", other, "--listen", "127.0.0.1:0", "--log-level", "error")
	if code != 0 {
		t.Fatalf("demo --reset: exit %d, %q", code, errOut)
	}
}
