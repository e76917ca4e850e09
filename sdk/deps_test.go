package lintel_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the SDK importable without the server: no
// package of the server (internal/), no database/sql and no SQL driver,
// on any platform the SDK builds for.
func TestDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	drivers := []string{"database/sql", "modernc.org/sqlite", "github.com/jackc/pgx", "github.com/lib/pq",
		"github.com/mattn/go-sqlite3", "github.com/go-sql-driver/mysql"}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command("go", "list", "-deps", ".")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list (%s): %v\n%s", goos, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/lintel-dev/lintel/") && dep != "github.com/lintel-dev/lintel/sdk" {
				t.Errorf("%s: the SDK depends on the server's package %s", goos, dep)
			}
			for _, d := range drivers {
				if dep == d || strings.HasPrefix(dep, d+"/") {
					t.Errorf("%s: the SDK depends on %s", goos, dep)
				}
			}
		}
	}
}
