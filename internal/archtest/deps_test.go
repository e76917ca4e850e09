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
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(gobin, "list", "-deps", module+pkg)
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
// types or the reference agent start to link the store or a SQL driver.
func TestDatabaseFreeCore(t *testing.T) {
	for _, pkg := range []string{"internal/domain", "internal/access", "internal/controller/wire", "internal/controller/agent"} {
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
		"internal/controller/wire": {"internal/domain", "internal/access"},
		"internal/config":          {"internal/domain"},
		"internal/demo":            {"internal/domain", "internal/store", "internal/password"},
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
