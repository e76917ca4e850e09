package conformance

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// EnvMode names the variable that decides what happens when Node, npm or
// the npm registry is missing: "required" fails the test, anything else
// skips it.
const EnvMode = "LINTEL_CONFORMANCE"

// scopeAdmit is the restricted scope the suite needs for remote admission.
const scopeAdmit = "account.channel.admit"

// TestSDKConformance runs the Node suite against a fresh Lintel with the
// demo account, once per test backend.
func TestSDKConformance(t *testing.T) {
	node := lookTool(t, "node")
	npm := lookTool(t, "npm")
	npmCI(t, npm)

	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			cfg := apptest.Config(t, b)
			serverLog := &syncBuffer{}
			a, demo := apptest.Start(t, cfg, slog.New(slog.NewTextHandler(serverLog, nil)), 50)
			scopes := approveAdmit(t, a, demo)
			runSuite(t, node, []string{
				"LINTEL_BASE_URL=" + a.BaseURL(),
				"LINTEL_CLIENT_ID=" + demo.ClientID,
				"LINTEL_CLIENT_SECRET=" + demo.ClientSecret,
				"LINTEL_REDIRECT_URI=" + demo.RedirectURI,
				"LINTEL_ADMIN_EMAIL=" + demo.AdminEmail,
				"LINTEL_ADMIN_PASSWORD=" + demo.AdminPassword,
				"LINTEL_ACCOUNT_ID=" + demo.AccountID,
				"LINTEL_SCOPES=" + scopes,
			})
			if t.Failed() {
				t.Logf("Lintel's log:\n%s", serverLog.String())
			}
		})
	}
}

// unavailable skips the test, or fails it when EnvMode is "required".
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(EnvMode) == "required" {
		t.Fatalf(format+" ("+EnvMode+"=required)", args...)
	}
	t.Skipf(format+" (set "+EnvMode+"=required to fail instead)", args...)
}

// lookTool returns the path of a program on PATH, or skips (or fails).
func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		unavailable(t, "the SDK conformance suite needs %s on PATH: %v", name, err)
	}
	return p
}

// networkError recognises npm failures caused by an unreachable registry.
var networkError = regexp.MustCompile(`(?i)ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH|EHOSTUNREACH|network|socket hang up|proxy`)

// npmCI installs the pinned SDK into node_modules unless the installed
// tree already matches package-lock.json (npm's own record of it,
// node_modules/.package-lock.json, is newer than the lock file). An
// unreachable registry skips (or fails) the test; any other npm failure
// fails it.
func npmCI(t *testing.T, npm string) {
	t.Helper()
	lock, err := os.Stat("package-lock.json")
	if err != nil {
		t.Fatalf("package-lock.json: %v", err)
	}
	if rec, err := os.Stat(filepath.Join("node_modules", ".package-lock.json")); err == nil && !rec.ModTime().Before(lock.ModTime()) {
		if _, err := os.Stat(filepath.Join("node_modules", "doorflow", "package.json")); err == nil {
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if networkError.Match(out.Bytes()) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			unavailable(t, "npm ci cannot reach the registry: %v\n%s", err, out.String())
		}
		t.Fatalf("npm ci: %v\n%s", err, out.String())
	}
}

// approveAdmit does what an operator does with `lintel apps ... --approve-admit`:
// it lets the demo app ask for the restricted account.channel.admit scope,
// which the channel command and admission tests need. It returns the scopes
// the suite asks for, space-separated.
func approveAdmit(t *testing.T, a *app.App, demo *app.DemoInfo) string {
	t.Helper()
	ctx := context.Background()
	oa, err := a.Store.GetOAuthAppByUID(ctx, demo.ClientID)
	if err != nil {
		t.Fatalf("demo app: %v", err)
	}
	oa.Scopes = oa.Scopes.Union(domain.NewScopeSet(scopeAdmit))
	oa.AdmitApproved = true
	if err := a.Store.UpdateOAuthApp(ctx, oa); err != nil {
		t.Fatalf("approve %s: %v", scopeAdmit, err)
	}
	return demo.Scope + " " + scopeAdmit
}

// runSuite runs the Node suite with the given environment, streaming its
// output into the test log, and fails the test when Node exits non-zero.
func runSuite(t *testing.T, node string, env []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "sdk.test.mjs")
	cmd.Env = append(suiteEnv(os.Environ()), env...)
	lw := &lineLogger{t: t}
	cmd.Stdout, cmd.Stderr = lw, lw
	err := cmd.Run()
	lw.flush()
	if err != nil {
		t.Errorf("the DoorFlow SDK suite failed: %v (the output above shows each failing SDK call with its HTTP exchange)", err)
	}
}

// suiteEnv drops inherited LINTEL_* settings (and NODE_OPTIONS), so the
// suite sees only the server this test started.
func suiteEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if strings.HasPrefix(kv, "LINTEL_") || strings.HasPrefix(kv, "NODE_OPTIONS=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "NO_COLOR=1")
}

// lineLogger writes each complete line it receives to the test log.
type lineLogger struct {
	t   *testing.T
	mu  sync.Mutex
	buf []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.t.Log(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(string(l.buf))
		l.buf = nil
	}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
