package console_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/console"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// testbed is a whole Lintel (the demo, SQLite) and, beside it, a second
// console on the same store whose roles come from a table, so viewers
// and operators can be tested before operators carry roles of their own.
type testbed struct {
	app     *app.App
	demo    *app.DemoInfo
	acct    *domain.Account
	url     string // the real server: its console and everything else
	roleURL string // the console with roles from the table
	roles   map[string]domain.OperatorRole
	// roleConsole is the console at roleURL.
	roleConsole *console.Console
}

func startTestbed(t *testing.T, people int) *testbed {
	t.Helper()
	return startTestbedWith(t, people, nil)
}

// startTestbedWith is startTestbed with a change to the configuration.
func startTestbedWith(t *testing.T, people int, configure func(*config.Config)) *testbed {
	t.Helper()
	b := storetest.Backends(t)[0]
	cfg := apptest.Config(t, b)
	if configure != nil {
		configure(cfg)
	}
	a, info := apptest.Start(t, cfg, nil, people)
	acct, err := a.Store.GetAccountByUID(context.Background(), info.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	tb := &testbed{app: a, demo: info, acct: acct, url: a.BaseURL(), roles: map[string]domain.OperatorRole{}}
	c, err := console.New(console.Config{Store: a.Store, Sessions: a.OAuth, DoorCommand: a.API.DoorCommand, BaseURL: a.BaseURL(),
		RoleOf: func(u *domain.User) domain.OperatorRole {
			if r, ok := tb.roles[u.Email]; ok {
				return r
			}
			return domain.RoleViewer
		}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	c.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(c.Drain) // runs first: live streams end, so Close need not wait for them
	tb.roleURL, tb.roleConsole = srv.URL, c
	return tb
}

// operator creates an operator of the demo account with a role in the
// role-table console and returns their email and password.
func (tb *testbed) operator(t *testing.T, name string, role domain.OperatorRole) (string, string) {
	t.Helper()
	email, pw := name+"@cowork.example", "pw-"+name+"-0123456789"
	hash, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := tb.app.Store.CreateUser(context.Background(), &domain.User{AccountID: tb.acct.ID, Email: email, FirstName: name, LastName: "Test",
		PasswordHash: hash, Role: role, PasswordChangedAt: now.Add(-time.Minute), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	tb.roles[email] = role
	return email, pw
}

// client is a plain HTTP client signed in to a console as an operator.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func signIn(t testing.TB, base, email, pw string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, body := c.get("/login")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the login page:\n%s", body)
	}
	if st, _ := c.post("/login", url.Values{"csrf_token": {m[1]}, "email": {email}, "password": {pw}}); st != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, st)
	}
	_, body = c.get("/")
	if m = csrfField.FindStringSubmatch(body); m == nil {
		t.Fatalf("not signed in:\n%s", body)
	}
	c.csrf = m[1]
	return c
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	res, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = fmt.Fprint(&b, readAll(res))
	return res.StatusCode, b.String()
}

func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	res, err := c.http.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, readAll(res)
}

// postFile posts a multipart form with the CSRF token, fields and, when
// data is not nil, a file in field; it answers the status, the body and
// the Location header.
func (c *client) postFile(path string, fields map[string]string, field, name string, data []byte) (int, string, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", c.csrf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if data != nil {
		fw, _ := mw.CreateFormFile(field, name)
		_, _ = fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, readAll(res), res.Header.Get("Location")
}

func readAll(res *http.Response) string {
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

// browser starts headless Chromium with a fresh profile. Without Chromium
// the test is skipped, unless LINTEL_BROWSER_TESTS=required or CI=true.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		} else if os.Getenv("LINTEL_BROWSER_TESTS") == "required" || os.Getenv("CI") == "true" {
			t.Fatal("the console's browser tests are required here but Chromium is not installed (apt-get install chromium)")
		} else {
			t.Skip("Chromium is not installed; set LINTEL_BROWSER_TESTS=required to fail instead")
		}
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(420, 900), chromedp.UserDataDir(t.TempDir()))
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// tab opens another tab of the same browser (same cookies).
func tab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	c, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(c); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return c
}

// do runs browser steps within a minute, failing with what the page showed.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		c2, cancel2 := context.WithTimeout(ctx, 5*time.Second)
		defer cancel2()
		loc, _ := chromedp.Run(c2, chromedp.Location())
		body, _ := chromedp.Run(c2, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\nat %s:\n%s", what, err, loc, body)
	}
}

// eval evaluates a JavaScript expression to a string.
func eval(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// poll waits until a JavaScript expression is true.
func poll(expr string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		deadline := time.Now().Add(timeout)
		for {
			ok, err := chromedp.Evaluate[bool](expr)(ctx, tg)
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("still false after %v (%v): %s", timeout, err, expr)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// waitFor polls cond until it holds, for up to 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
