package lintel_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/store/storetest"
	lintel "github.com/lintel-dev/lintel/sdk"
)

// The shared-token test runs this test binary again as worker processes;
// these variables tell a worker what to do.
const (
	workerEnv        = "LINTEL_SDK_TOKEN_WORKER"
	workerGoroutines = 20
	workerProcesses  = 3
	// dueAfter is how soon after issue the workers find a token due for
	// refresh; between a jump of the server's clock and the next refresh,
	// calls carry tokens the server has expired.
	dueAfter = 2 * time.Second
)

// workerResult is what a worker process prints.
type workerResult struct {
	Calls  int64    `json:"calls"`
	Errors []string `json:"errors"`
}

// tokenLog counts what the server logs about the token endpoint.
type tokenLog struct {
	refreshed, refused, unauthorized, familyRevoked atomic.Int64
}

func (l *tokenLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *tokenLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *tokenLog) WithGroup(string) slog.Handler            { return l }
func (l *tokenLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn && strings.Contains(r.Message, "revoked") {
		l.familyRevoked.Add(1)
	}
	var path string
	var status int64
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "path":
			path = a.Value.String()
		case "status":
			status = a.Value.Int64()
		}
		return true
	})
	switch {
	case path == "/oauth/token" && status == 200:
		l.refreshed.Add(1)
	case path == "/oauth/token":
		l.refused.Add(1)
	case status == 401:
		l.unauthorized.Add(1)
	}
	return nil
}

// TestSharedTokenFile: 3 processes of 20 goroutines each call the API
// through one token file while the token keeps expiring, both as the
// clients see it (every token is due for refresh two seconds after it is
// issued) and behind their backs (the server's clock jumps two hours, so
// every access token in use is refused). Refresh tokens are single-use and
// a reused one revokes the grant: the test passes only if no call fails,
// the server never refuses a refresh, and the grant still works at the
// end.
func TestSharedTokenFile(t *testing.T) {
	if os.Getenv(workerEnv) != "" {
		runTokenWorker(t)
		return
	}
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testSharedTokenFile(t, b) })
	}
}

func testSharedTokenFile(t *testing.T, b storetest.Backend) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	logs := &tokenLog{}
	srv := startServer(t, b, app.Options{Now: now, Log: slog.New(logs)})
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "tokens.json")
	stopFile := filepath.Join(dir, "stop")
	srv.connect(t, lintel.NewFileStorage(tokenFile), nil)
	base := logs.refreshed.Load() // the code exchange

	start := time.Now()
	var workers []*exec.Cmd
	var outputs []*bytes.Buffer
	for range workerProcesses {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSharedTokenFile$")
		cmd.Env = append(os.Environ(), workerEnv+"=1", "W_BASE="+srv.BaseURL(), "W_CLIENT="+srv.clientID,
			"W_SECRET="+srv.clientSecret, "W_REDIRECT="+srv.redirect, "W_TOKENS="+tokenFile, "W_STOP="+stopFile)
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		workers, outputs = append(workers, cmd), append(outputs, out)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = os.WriteFile(stopFile, nil, 0o600)
		}
	}
	defer func() {
		stop()
		for _, w := range workers {
			_ = w.Wait()
		}
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (refreshes %d, refused %d, 401s %d)", what, logs.refreshed.Load()-base, logs.refused.Load(), logs.unauthorized.Load())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Expiries the clients see coming: refreshes ahead of expiry.
	waitFor("three refreshes ahead of expiry", func() bool { return logs.refreshed.Load()-base >= 3 })
	// Expiries they do not: the server moves two hours on, twice.
	const jumps = 2
	for range jumps {
		before := logs.refreshed.Load()
		offset.Add(int64(2 * time.Hour))
		waitFor("a refresh after the server's clock jumped", func() bool { return logs.refreshed.Load() > before })
	}
	settled := logs.refreshed.Load()
	waitFor("two more refreshes", func() bool { return logs.refreshed.Load()-settled >= 2 })
	stop()
	elapsed := time.Since(start)

	var calls int64
	for i, w := range workers {
		err := w.Wait()
		res, perr := parseWorker(outputs[i].String())
		if err != nil || perr != nil {
			t.Fatalf("worker %d: %v %v\n%s", i, err, perr, outputs[i])
		}
		if len(res.Errors) > 0 || res.Calls == 0 {
			t.Errorf("worker %d: %d calls, errors: %v", i, res.Calls, res.Errors)
		}
		calls += res.Calls
	}
	workers = nil
	refreshes := logs.refreshed.Load() - base
	t.Logf("%d processes x %d goroutines: %d calls in %v, %d refreshes, %d calls refused with 401 and retried",
		workerProcesses, workerGoroutines, calls, elapsed.Round(time.Millisecond), refreshes, logs.unauthorized.Load())
	if logs.unauthorized.Load() == 0 {
		t.Error("no call was refused with 401 after the clock jumps: the test did not exercise expiry behind the clients' backs")
	}
	if n := logs.refused.Load(); n != 0 {
		t.Errorf("the server refused %d refresh requests", n)
	}
	if n := logs.familyRevoked.Load(); n != 0 {
		t.Errorf("the server revoked %d token families", n)
	}
	// One refresh per expiry, not one per goroutine or process: about one
	// every dueAfter (plus one per jump).
	if limit := int64(elapsed/dueAfter)*2 + jumps + 5; refreshes > limit {
		t.Errorf("%d refreshes in %v: concurrent refreshes were not collapsed (limit %d)", refreshes, elapsed, limit)
	}
	// The grant is alive: a new process can refresh it and call the API.
	a, err := lintel.NewAuth(srv.authConfig(lintel.NewFileStorage(tokenFile), nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Refresh(context.Background()); err != nil {
		t.Fatalf("the grant did not survive: %v", err)
	}
	c, _ := lintel.NewClient(srv.BaseURL(), lintel.WithAuth(a))
	if _, err := c.Account.Get(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func parseWorker(out string) (*workerResult, error) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "WORKER-RESULT "); ok {
			var r workerResult
			return &r, json.Unmarshal([]byte(line), &r)
		}
	}
	return nil, fmt.Errorf("no result line")
}

// runTokenWorker is one worker process: 20 goroutines calling the API
// through the shared token file until the stop file appears.
func runTokenWorker(t *testing.T) {
	env := os.Getenv
	a, err := lintel.NewAuth(lintel.AuthConfig{BaseURL: env("W_BASE"), ClientID: env("W_CLIENT"), ClientSecret: env("W_SECRET"),
		RedirectURL: env("W_REDIRECT"), Storage: lintel.NewFileStorage(env("W_TOKENS")),
		RefreshAhead: time.Hour - dueAfter}) // every token is due soon after it is issued
	if err != nil {
		t.Fatal(err)
	}
	c, err := lintel.NewClient(env("W_BASE"), lintel.WithAuth(a))
	if err != nil {
		t.Fatal(err)
	}
	var (
		calls atomic.Int64
		mu    sync.Mutex
		errs  []string
		wg    sync.WaitGroup
	)
	stopped := func() bool { _, err := os.Stat(env("W_STOP")); return err == nil }
	for g := range workerGoroutines {
		wg.Go(func() {
			for !stopped() {
				var err error
				if g%2 == 0 {
					_, err = c.Account.Get(context.Background())
				} else {
					_, _, err = c.People.List(context.Background(), &lintel.PeopleListOptions{ListOptions: lintel.ListOptions{PerPage: 1}})
				}
				calls.Add(1)
				if err != nil {
					mu.Lock()
					if len(errs) < 5 {
						errs = append(errs, err.Error())
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	b, _ := json.Marshal(workerResult{Calls: calls.Load(), Errors: errs})
	fmt.Println("WORKER-RESULT " + string(b))
}
