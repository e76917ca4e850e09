package main

import (
	"strings"
	"testing"
)

// lintel version prints what the toolchain recorded, not a fixed "dev".
func TestVersionPrintsBuildInfo(t *testing.T) {
	code, out, _ := lintel(t, "version")
	if code != 0 || strings.Contains(out, "lintel dev\n") || !strings.HasPrefix(out, "lintel ") ||
		!strings.Contains(out, "module    github.com/lintel-dev/lintel") || !strings.Contains(out, "go        go1.") {
		t.Fatalf("version: %d %q", code, out)
	}
}

// serve --help documents the metrics settings and their default.
func TestServeHelpNamesMetricsSettings(t *testing.T) {
	code, out, _ := lintel(t, "serve", "--help")
	for _, want := range []string{"-metrics-listen", "LINTEL_METRICS_LISTEN", "-metrics-token", "LINTEL_METRICS_TOKEN", "empty serves it on --listen"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q: %q", want, out)
		}
	}
}

// demo --listen 0.0.0.0 says that the printed 127.0.0.1 URLs are local.
func TestDemoOnEveryInterfaceNotesTheURL(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := lintel(t, "demo", "--no-serve", "--people", "3", "--listen", "0.0.0.0:18080", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "http://127.0.0.1:18080") || !strings.Contains(out, "every interface (0.0.0.0:18080)") ||
		!strings.Contains(out, "--public-url http://ADDRESS:18080") {
		t.Fatalf("demo on 0.0.0.0: %d %s %s", code, out, errOut)
	}
	code, out, _ = lintel(t, "demo", "--no-serve", "--people", "3", "--listen", "127.0.0.1:18080", "--data-dir", dir)
	if code != 0 || strings.Contains(out, "every interface") {
		t.Fatalf("demo on 127.0.0.1: %d %s", code, out)
	}
}

// After the demo, a new account does not get id 1: accounts create says
// which id to use, and --print-id gives it to scripts.
func TestAccountsCreatePrintsTheID(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := lintel(t, "demo", "--no-serve", "--people", "3", "--data-dir", dir); code != 0 {
		t.Fatalf("demo: %s", errOut)
	}
	code, out, errOut := lintel(t, "accounts", "create", "--name", "Example Co", "--time-zone", "Europe/London", "--print-id", "--data-dir", dir)
	if code != 0 || out != "2\n" {
		t.Fatalf("accounts create --print-id: %d %q %q", code, out, errOut)
	}
	code, out, _ = lintel(t, "accounts", "create", "--name", "Other Co", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Created account 3 ") || !strings.Contains(out, "Use --account 3 with lintel users create") {
		t.Fatalf("accounts create: %d %q", code, out)
	}
	code, out, errOut = lintel(t, "users", "create", "--account", "2", "--email", "ops@example.com", "--admin", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "on account 2 (Example Co)") {
		t.Fatalf("users create on the new account: %d %q %q", code, out, errOut)
	}
	if code, _, _ := lintel(t, "accounts", "create", "--name", "X", "--json", "--print-id", "--data-dir", dir); code != 2 {
		t.Errorf("--json with --print-id: exit %d", code)
	}
}
