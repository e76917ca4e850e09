package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/password"
)

func TestMain(m *testing.M) {
	password.UseCheap()
	os.Exit(m.Run())
}

// lintel runs the command line and returns its exit status and outputs.
func lintel(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpEverywhere(t *testing.T) {
	code, out, _ := lintel(t)
	if code != 0 || !strings.Contains(out, "demo") || !strings.Contains(out, "LINTEL_DATABASE_URL") {
		t.Fatalf("top-level help: %d %q", code, out)
	}
	for _, args := range [][]string{
		{"serve", "--help"}, {"demo", "--help"}, {"migrate", "-h"}, {"version", "--help"},
		{"accounts", "--help"}, {"accounts", "create", "--help"}, {"accounts", "list", "--help"},
		{"users", "create", "--help"}, {"apps", "create", "--help"}, {"apps", "update", "--help"}, {"help", "serve"},
	} {
		code, out, errOut := lintel(t, args...)
		if code != 0 || !strings.Contains(out, "Usage: lintel") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"}, {"serve", "--no-such-flag"}, {"serve", "extra"}, {"accounts"}, {"accounts", "rename"},
		{"serve", "--listen", "nonsense"}, {"accounts", "create"},
		{"accounts", "create", "--name", "X", "--time-zone", "Mars/Olympus"},
	} {
		code, _, errOut := lintel(t, args...)
		if code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}

	code, out, errOut := lintel(t, append([]string{"accounts", "create", "--name", "Example Co", "--time-zone", "Europe/Paris", "--pin", "4711", "--json"}, data...)...)
	if code != 0 {
		t.Fatalf("accounts create: %d %s", code, errOut)
	}
	var acct struct {
		ID       int64  `json:"id"`
		TimeZone string `json:"time_zone"`
	}
	if err := json.Unmarshal([]byte(out), &acct); err != nil || acct.ID == 0 || acct.TimeZone != "Europe/Paris" {
		t.Fatalf("account json %q: %v", out, err)
	}
	code, out, _ = lintel(t, append([]string{"accounts", "list"}, data...)...)
	if code != 0 || !strings.Contains(out, "Example Co") {
		t.Fatalf("accounts list: %q", out)
	}

	stdin = strings.NewReader("a-long-password\n")
	t.Cleanup(func() { stdin = os.Stdin })
	code, _, errOut = lintel(t, append([]string{"users", "create", "--account", "1", "--email", "Ops@Example.com", "--password-stdin"}, data...)...)
	if code != 0 {
		t.Fatalf("users create: %s", errOut)
	}
	code, out, _ = lintel(t, append([]string{"users", "create", "--account", "1", "--email", "second@example.com", "--json"}, data...)...)
	var user map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &user) != nil || len(user["password"].(string)) < 16 {
		t.Fatalf("generated password: %d %q", code, out)
	}
	code, _, errOut = lintel(t, append([]string{"users", "create", "--account", "1", "--email", "ops@example.com"}, data...)...)
	if code != 1 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate user: %d %q", code, errOut)
	}
	code, _, errOut = lintel(t, append([]string{"users", "create", "--account", "99", "--email", "x@example.com"}, data...)...)
	if code != 1 || !strings.Contains(errOut, "accounts list") {
		t.Fatalf("unknown account: %d %q", code, errOut)
	}

	code, out, errOut = lintel(t, append([]string{"apps", "create", "--account", "1", "--name", "Front desk",
		"--redirect-uri", "https://frontdesk.example.com/cb", "--scopes", "account.person account.channel.readonly", "--json"}, data...)...)
	if code != 0 {
		t.Fatalf("apps create: %d %s", code, errOut)
	}
	var app map[string]any
	if err := json.Unmarshal([]byte(out), &app); err != nil || app["client_id"] == "" || len(app["client_secret"].(string)) < 32 {
		t.Fatalf("app json %q: %v", out, err)
	}
	// The secret is stored only as a digest.
	raw, _ := os.ReadFile(filepath.Join(dir, "lintel.db"))
	if bytes.Contains(raw, []byte(app["client_secret"].(string))) {
		t.Fatal("client secret stored in clear")
	}
	code, _, errOut = lintel(t, append([]string{"apps", "create", "--account", "1", "--name", "Bad", "--redirect-uri", "https://x.example/cb", "--scopes", "account.everything"}, data...)...)
	if code != 2 || !strings.Contains(errOut, "account.everything") {
		t.Fatalf("unknown scope: %d %q", code, errOut)
	}

	// apps update changes only what is given.
	cid := app["client_id"].(string)
	code, out, errOut = lintel(t, append([]string{"apps", "update", "--app", cid, "--approve-admit", "--state", "live"}, data...)...)
	if code != 0 || !strings.Contains(out, "state live") {
		t.Fatalf("apps update: %d %q %q", code, out, errOut)
	}
	code, out, _ = lintel(t, append([]string{"apps", "update", "--app", cid, "--state", "suspended", "--approve-admit=false"}, data...)...)
	if code != 0 || !strings.Contains(out, "app suspended") || !strings.Contains(out, "admit approval withdrawn") {
		t.Fatalf("suspend: %d %q", code, out)
	}
	if code, _, _ := lintel(t, append([]string{"apps", "update", "--app", cid, "--state", "paused"}, data...)...); code != 2 {
		t.Fatalf("bad state: exit %d", code)
	}
	if code, _, errOut := lintel(t, append([]string{"apps", "update", "--app", "nope"}, data...)...); code != 1 || !strings.Contains(errOut, "no application") {
		t.Fatalf("unknown app: %d %q", code, errOut)
	}

	code, out, _ = lintel(t, append([]string{"migrate"}, data...)...)
	if code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: %q", out)
	}
}

func TestDemoWritesDemoJSON(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := lintel(t, "demo", "--no-serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--log-level", "error")
	if code != 0 {
		t.Fatalf("demo: %d %s", code, errOut)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	if err := json.Unmarshal(raw, &info); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"base_url", "account_id", "admin_email", "admin_password", "client_id", "client_secret", "redirect_uri", "scopes"} {
		if info[k] == nil || info[k] == "" {
			t.Errorf("demo.json lacks %s: %s", k, raw)
		}
		if s, ok := info[k].(string); ok && k != "base_url" && k != "redirect_uri" && !strings.Contains(out, s) {
			t.Errorf("demo output does not show %s", k)
		}
	}
	if st, _ := os.Stat(filepath.Join(dir, "demo.json")); st.Mode().Perm() != 0o600 {
		t.Errorf("demo.json mode %v, want 0600", st.Mode().Perm())
	}
	// A second run reuses the demo instead of creating another account.
	code, _, errOut = lintel(t, "demo", "--no-serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--log-level", "error")
	if code != 0 {
		t.Fatalf("second demo: %s", errOut)
	}
	code, out, _ = lintel(t, "accounts", "list", "--data-dir", dir)
	if code != 0 || strings.Count(out, "CoWork HQ") != 1 {
		t.Fatalf("accounts after two demo runs:\n%s", out)
	}
}
