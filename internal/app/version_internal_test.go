package app

import (
	"runtime/debug"
	"strings"
	"testing"
)

// The version comes from the build information the toolchain records, not
// a fixed "dev".
func TestVersionFromBuildInfo(t *testing.T) {
	checkout := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/lintel-dev/lintel", Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0c69d2b1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7"},
			{Key: "vcs.time", Value: "2026-12-03T06:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got := shortVersion(checkout); got != "devel+0c69d2b1e2f3-dirty" {
		t.Errorf("checkout build: %q", got)
	}
	out := describe(checkout, shortVersion(checkout)).String()
	for _, want := range []string{"lintel devel+0c69d2b1e2f3-dirty\n", "module    github.com/lintel-dev/lintel\n",
		"revision  0c69d2b1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7 (2026-12-03T06:00:00Z) with uncommitted changes\n", "go        go1.26.0\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("version output %q lacks %q", out, want)
		}
	}
	installed := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/lintel-dev/lintel", Version: "v1.4.2"}}
	if got := shortVersion(installed); got != "v1.4.2" {
		t.Errorf("installed build: %q", got)
	}
	if got := shortVersion(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); got != "devel" {
		t.Errorf("build without VCS: %q", got)
	}
	// This test binary has build information too: never the old "dev".
	if Version == "" || Version == "dev" || ReadBuildInfo().Go == "" {
		t.Errorf("Version %q, build info %+v", Version, ReadBuildInfo())
	}
}

// Listening on every interface prints a note that the 127.0.0.1 URLs work
// on this machine only, with the machine's addresses and --public-url.
func TestListenNote(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:8080", "[::]:8080", ":8080"} {
		n := listenNote("", listen, []string{"192.0.2.10", "2001:db8::1"})
		for _, want := range []string{"every interface (" + listen + ")", "127.0.0.1", "http://192.0.2.10:8080, http://[2001:db8::1]:8080", "--public-url http://ADDRESS:8080"} {
			if !strings.Contains(n, want) {
				t.Errorf("%s: note %q lacks %q", listen, n, want)
			}
		}
	}
	if n := listenNote("", "0.0.0.0:8080", nil); !strings.Contains(n, "--public-url") || strings.Contains(n, "Other machines") {
		t.Errorf("note without addresses: %q", n)
	}
	for _, tc := range [][2]string{{"", "127.0.0.1:8080"}, {"", "192.0.2.10:8080"}, {"https://doors.example.com", "0.0.0.0:8080"}} {
		if n := listenNote(tc[0], tc[1], []string{"192.0.2.10"}); n != "" {
			t.Errorf("public %q listen %q: unexpected note %q", tc[0], tc[1], n)
		}
	}
}
