package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// browser starts headless Chromium with a fresh profile. Without Chromium
// the test is skipped, unless LINTEL_BROWSER_TESTS=required.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		} else if os.Getenv("LINTEL_BROWSER_TESTS") == "required" {
			t.Fatal("LINTEL_BROWSER_TESTS=required but Chromium is not installed (apt-get install chromium)")
		} else {
			t.Skip("Chromium is not installed; set LINTEL_BROWSER_TESTS=required to fail instead")
		}
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this context
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// do runs browser steps within a minute, failing the test with what the
// page showed.
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

// flashes returns the messages the page shows.
func flashes(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval(t, ctx, `Array.from(document.querySelectorAll('.flash')).map(e => e.textContent).join('\n')`)
}

// poll waits until a JavaScript expression is true, across page loads
// (an evaluation while the page changes fails and is tried again).
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

// TestBrowser drives CoWork HQ in headless Chromium against a real Lintel:
// connect through Lintel's sign-in and consent pages, map teams to groups,
// sync the demo members, sync again with nothing to change, issue a card
// and an automatic PIN, see the card's badge event at a door (decided by
// the reference controller, delivered as a signed webhook) appear on the
// live page, and disconnect.
func TestBrowser(t *testing.T) {
	ctx := browser(t)
	b := storetest.Backends(t)[0]   // SQLite; the SDK's own suite covers both databases
	tb := startTestbed(t, b, false) // the live page is fed by webhooks only here

	// Connect: CoWork HQ → Lintel's sign-in → consent → back.
	do(t, ctx, "connect",
		chromedp.Navigate(tb.url+"/"),
		chromedp.Click(chromedp.ID("connect")),
		chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), tb.demo.AdminEmail),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), tb.demo.AdminPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="allow"]`)),
		chromedp.Click(chromedp.CSS(`button[value="allow"]`)),
		chromedp.WaitVisible(chromedp.ID("disconnect")),
	)
	if f := flashes(t, ctx); !strings.Contains(f, "Connected to Lintel") {
		t.Fatalf("after connecting: %q", f)
	}

	// Settings: Engineering and Sales → Members, Executives and Community → Staff.
	do(t, ctx, "open settings", chromedp.Navigate(tb.url+"/settings"), chromedp.WaitVisible(chromedp.ID("mapping")))
	mapped := eval(t, ctx, `(() => {
			const want = {Engineering: "Members", Sales: "Members", Executives: "Staff", Community: "Staff"};
			for (const s of document.querySelectorAll("select[data-team]")) {
				const o = Array.from(s.options).find(o => o.text === want[s.dataset.team]);
				if (o) s.value = o.value;
			}
			return Array.from(document.querySelectorAll("select[data-team]")).filter(s => s.value).length + "";
		})()`)
	do(t, ctx, "save the mapping",
		chromedp.Click(chromedp.CSS(`#mapping button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash.ok")),
	)
	if f := flashes(t, ctx); mapped != "4" || !strings.Contains(f, "4 teams mapped") {
		t.Fatalf("mapping: %s selected, %q", mapped, f)
	}

	// Sync, then sync again: the second changes nothing.
	syncOnce := func() string {
		do(t, ctx, "sync", chromedp.Navigate(tb.url+"/members"), chromedp.Click(chromedp.ID("sync")),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		return flashes(t, ctx)
	}
	first := syncOnce()
	if !strings.Contains(first, "Sync: 5 created, 1 updated, 2 unchanged") || strings.Contains(first, "failed") {
		t.Fatalf("first sync: %q", first)
	}
	if second := syncOnce(); !strings.Contains(second, "Sync: 0 created, 0 updated, 8 unchanged — nothing to change") {
		t.Fatalf("second sync: %q", second)
	}

	// A card and an automatic PIN for Grace Hopper.
	grace := tb.memberID(t, "grace.hopper@coworkhq.example")
	do(t, ctx, "issue a card",
		chromedp.Navigate(fmt.Sprintf("%s/members/%d", tb.url, grace)),
		chromedp.WaitVisible(chromedp.ID("issue-card")),
		chromedp.SendKeys(chromedp.CSS(`#issue-card input[name="value"]`), "4242424242"),
		chromedp.Click(chromedp.CSS(`#issue-card button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash.ok")),
	)
	if f := flashes(t, ctx); !strings.Contains(f, "Card issued") {
		t.Fatalf("card: %q", f)
	}
	do(t, ctx, "issue a PIN", chromedp.Click(chromedp.CSS(`#issue-pin button`)),
		poll(`Array.from(document.querySelectorAll(".flash")).some(e => e.textContent.includes("PIN"))`, 20*time.Second))
	f := flashes(t, ctx)
	pin := regexp.MustCompile(`generated PIN is (\d{4,8})`).FindStringSubmatch(f)
	if pin == nil {
		t.Fatalf("PIN: %q", f)
	}
	table := eval(t, ctx, `document.getElementById("credentials").textContent`)
	if !strings.Contains(table, "4242424242") || !strings.Contains(table, pin[1]) {
		t.Fatalf("credentials table:\n%s", table)
	}

	// The live page, then Grace's card at the front door.
	do(t, ctx, "open the live page", chromedp.Navigate(tb.url+"/live"),
		chromedp.WaitVisible(chromedp.ID("live-status")),
		poll(`document.getElementById("live-status").textContent.startsWith("Listening")`, 20*time.Second))
	badge(t, tb, "4242424242")
	do(t, ctx, "see the badge event",
		poll(`Array.from(document.querySelectorAll("#events tbody tr")).some(r => r.textContent.includes("Grace Hopper") && r.textContent.includes("webhook"))`, 30*time.Second))

	// Disconnect: the grant is revoked and forgotten.
	do(t, ctx, "disconnect", chromedp.Navigate(tb.url+"/"), chromedp.Click(chromedp.ID("disconnect")),
		chromedp.WaitVisible(chromedp.ID("connect")))
	if f := flashes(t, ctx); !strings.Contains(f, "Disconnected") {
		t.Fatalf("disconnect: %q", f)
	}
	if ok, _ := tb.cw.auth.Connected(context.Background()); ok {
		t.Fatal("still connected after disconnecting")
	}
}

// badge presents a card at the Front Door through the reference
// controller, and waits until the controller has uploaded the event.
func badge(t *testing.T, tb *testbed, card string) {
	t.Helper()
	ctx := context.Background()
	st := tb.lintel.Store
	acct, err := st.GetAccountByUID(ctx, tb.demo.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	var front int64
	for c, err := range tb.cw.lintel.Channels.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if c.Name == "Front Door" {
			front = c.ID
		}
	}
	_, secret, err := controller.Enroll(ctx, st, controller.Enrollment{AccountID: acct.ID, Name: "front desk", ChannelIDs: []int64{front}})
	if err != nil {
		t.Fatal(err)
	}
	state, err := agent.OpenState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, err := agent.New(agent.Config{Server: tb.lintel.BaseURL(), Secret: secret, State: state, Out: io.Discard,
		HeartbeatEvery: time.Second, PollWait: time.Second, RetryMax: 200 * time.Millisecond, UploadDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- a.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-ran })
	waitFor(t, "the controller's first access list", func() bool { return a.Seq() != 0 })
	o, err := a.Present(agent.Presentation{Kind: "card", Value: card, ChannelID: front})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("controller decided: %s", o.Label)
	waitFor(t, "the event upload", func() bool { p, _ := state.Pending(); return len(p) == 0 })
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
