package archtest

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/lintel-dev/lintel/"

// deps lists every package pkg links, through go list -deps.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	return depsFor(t, pkg)
}

// depsFor is deps with extra environment variables (GOOS=windows).
func depsFor(t *testing.T, pkg string, env ...string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(gobin, "list", "-deps", module+pkg)
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// forbidden is what a database-free package must never link.
var forbidden = []string{
	module + "internal/store",
	"database/sql",
	"github.com/jackc/pgx",
	"modernc.org/sqlite",
}

// TestDatabaseFreeCore fails when the decision engine, the protocol's wire
// types, the reference agent or the UHPPOTE board driver and its emulator
// start to link the store or a SQL driver.
func TestDatabaseFreeCore(t *testing.T) {
	for _, pkg := range []string{"internal/domain", "internal/access", "internal/controller/wire", "internal/controller/agent",
		"internal/uhppote", "internal/uhppote/emulator"} {
		for _, d := range deps(t, pkg) {
			for _, f := range forbidden {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("%s links %s; it must stay free of databases", pkg, d)
				}
			}
		}
	}
}

// TestLayers checks which Lintel packages the lower layers may link.
func TestLayers(t *testing.T) {
	allowed := map[string][]string{
		"internal/domain":          {},
		"internal/access":          {"internal/domain"},
		"internal/authz":           {"internal/domain"},
		"internal/controller/wire": {"internal/domain", "internal/access"},
		"internal/config":          {"internal/domain", "internal/mail"},
		"internal/mail":            {},
		"internal/photo":           {},
		"internal/demo":            {"internal/domain", "internal/store", "internal/password", "internal/photo"},
	}
	for pkg, ok := range allowed {
		for _, d := range deps(t, pkg) {
			rel, mine := strings.CutPrefix(d, module)
			if !mine || rel == pkg {
				continue
			}
			permitted := false
			for _, a := range ok {
				if rel == a {
					permitted = true
				}
			}
			if !permitted {
				t.Errorf("%s links %s, which is not below it", pkg, rel)
			}
		}
	}
}

// TestSDK keeps the Go SDK importable without the server: on every
// platform it builds for, it links no other package of this module (none
// of internal/ in particular), no database/sql and no SQL driver. The
// CoWork HQ sample app may link the SDK and its own SQLite, nothing else
// of Lintel.
func TestSDK(t *testing.T) {
	drivers := append([]string{"github.com/lib/pq", "github.com/mattn/go-sqlite3", "github.com/go-sql-driver/mysql"}, forbidden[1:]...)
	for _, goos := range []string{"linux", "darwin", "windows"} {
		for _, d := range depsFor(t, "sdk", "GOOS="+goos, "CGO_ENABLED=0") {
			if rel, mine := strings.CutPrefix(d, module); mine && rel != "sdk" {
				t.Errorf("%s: the SDK links %s", goos, d)
			}
			for _, f := range drivers {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("%s: the SDK links %s", goos, d)
				}
			}
		}
	}
	for _, d := range deps(t, "examples/coworkhq") {
		if rel, mine := strings.CutPrefix(d, module); mine && rel != "sdk" && rel != "examples/coworkhq" {
			t.Errorf("CoWork HQ links %s; it must use the SDK only", d)
		}
	}
}
