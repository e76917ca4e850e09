package console_test

import (
	"context"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lintel-dev/lintel/internal/console"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/photo/phototest"
	"github.com/lintel-dev/lintel/internal/store"
)

// signInBrowser signs a browser in through the console's own form.
func signInBrowser(t *testing.T, ctx context.Context, base, email, pw string) {
	t.Helper()
	do(t, ctx, "sign in",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("password")), // / sends a visitor to /login
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("doors-online")),
	)
}

// TestBrowser drives the console in headless Chromium against a real
// Lintel: sign in; create a person, issue a card and an automatic PIN;
// unlock a door and see it change on another tab without a reload; enrol
// a controller, run the reference controller with the secret shown, and
// see the person's card read appear in the live tail; import a 1,000-row
// CSV, following the job's progress page to its result, and import it
// again changed.
func TestBrowser(t *testing.T) {
	ctx := browser(t)
	tb := startTestbed(t, 5)
	bg := context.Background()
	signInBrowser(t, ctx, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)

	// A person, a card and an automatic PIN.
	do(t, ctx, "create a person",
		chromedp.Navigate(tb.url+"/people/new"),
		chromedp.SendKeys(chromedp.ID("first_name"), "Grace"),
		chromedp.SendKeys(chromedp.ID("last_name"), "Hopper"),
		chromedp.SendKeys(chromedp.ID("email"), "grace@cowork.example"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("credentials")),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !regexp.MustCompile(`/people/\d+$`).MatchString(loc) {
		t.Fatalf("after creating: %q %v", loc, err)
	}
	personPath := strings.TrimPrefix(loc, tb.url)
	selectKind := func(kind string) string {
		return fmt.Sprintf(`(() => { const s = document.getElementById("credential_type_id");
			const o = Array.from(s.options).find(o => o.dataset.kind === %q); s.value = o.value; return o.value; })()`, kind)
	}
	eval(t, ctx, selectKind("card"))
	do(t, ctx, "issue a card",
		chromedp.SendKeys(chromedp.ID("value"), "4242424242"),
		chromedp.Click(chromedp.CSS(`form[action$="/credentials"] button`)),
		poll(`document.getElementById("credentials").textContent.includes("4242424242")`, 20*time.Second),
	)
	eval(t, ctx, selectKind("pin"))
	do(t, ctx, "issue an automatic PIN",
		chromedp.Click(chromedp.CSS(`form[action$="/credentials"] button`)),
		chromedp.WaitVisible(chromedp.ID("notice")),
	)
	notice := eval(t, ctx, `document.getElementById("notice").textContent`)
	pin := regexp.MustCompile(`PIN issued: (\d{6,8})`).FindStringSubmatch(notice)
	if pin == nil {
		t.Fatalf("PIN notice: %q", notice)
	}
	if table := eval(t, ctx, `document.getElementById("credentials").textContent`); !strings.Contains(table, "PIN") || strings.Contains(table, pin[1]) {
		t.Fatalf("credentials after the PIN (it must be listed, masked):\n%s", table)
	}

	// A photo, chosen in the file field of the person's form.
	photoFile := filepath.Join(t.TempDir(), "grace.png")
	if err := os.WriteFile(photoFile, phototest.PNG(t, 240, 320, color.RGBA{40, 90, 160, 255}), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "upload a photo",
		chromedp.SetUploadFiles(chromedp.ID("photo_file"), []string{photoFile}),
		chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type="submit"]`)),
		poll(`(() => { const i = document.getElementById("photo"); return !!i && i.complete && i.naturalWidth > 0; })()`, 20*time.Second),
	)
	if w := eval(t, ctx, `document.getElementById("photo").naturalWidth + "x" + document.getElementById("photo").naturalHeight`); w != "96x128" {
		t.Fatalf("the photo's thumbnail is %s, want 96x128", w)
	}

	// Unlock the Front Door on its page; the doors list in another tab
	// changes without reloading.
	chans, _, err := tb.app.Store.ListChannels(bg, tb.acct.ID, nil, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var front int64
	for _, c := range chans {
		if c.Name == "Front Door" {
			front = c.ID
		}
	}
	watcher := tab(t, ctx)
	row := fmt.Sprintf(`document.getElementById("door-%d")`, front)
	do(t, watcher, "open the doors list",
		chromedp.Navigate(tb.url+"/doors"),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("door-%d", front))),
		chromedp.Evaluate[chromedp.Void](`window.stillHere = true`),
		poll(`document.documentElement.dataset.live === "open"`, 10*time.Second),
	)
	if s := eval(t, watcher, row+`.querySelector(".state").textContent`); strings.Contains(s, "unlocked") {
		t.Fatalf("the door is unlocked already: %q", s)
	}
	do(t, ctx, "unlock the door",
		chromedp.Navigate(fmt.Sprintf("%s/doors/%d", tb.url, front)),
		chromedp.Click(chromedp.CSS(`#main button[value="unlock"]`)),
		poll(`document.getElementById("door-state").textContent.includes("unlocked")`, 10*time.Second),
	)
	do(t, watcher, "see the door unlocked live",
		poll(row+`.querySelector(".state").textContent.includes("unlocked") && window.stillHere === true`, 10*time.Second))
	ch, err := tb.app.Store.GetChannel(bg, tb.acct.ID, front)
	if err != nil || ch.Mode != domain.ModeUnlock {
		t.Fatalf("stored door: %+v %v", ch, err)
	}

	// Enrol a controller for the Front Door, run the reference controller
	// with the secret the page shows, and see Grace's card in the live tail.
	do(t, ctx, "enrol a controller",
		chromedp.Navigate(tb.url+"/controllers"),
		chromedp.SendKeys(chromedp.ID("name"), "Front desk"),
		chromedp.Click(chromedp.ID(fmt.Sprintf("cdoor-%d", front))),
		chromedp.Click(chromedp.CSS(`form[action="/controllers"] button`)),
		chromedp.WaitVisible(chromedp.ID("controller-secret")),
	)
	secret := strings.TrimSpace(eval(t, ctx, `document.getElementById("controller-secret").textContent`))
	run := eval(t, ctx, `document.getElementById("controller-run").textContent`)
	setup := eval(t, ctx, `document.getElementById("controller-setup").textContent`)
	if !strings.HasPrefix(secret, "lcd_") || !strings.Contains(run, "lintel controller --server "+tb.url+" --secret-file ") ||
		!strings.Contains(setup, secret) {
		t.Fatalf("enrolment page: secret %q, run %q, setup %q", secret, run, setup)
	}
	if _, body := signIn(t, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword).get("/controllers"); !strings.Contains(body, "Front desk") || strings.Contains(body, secret) {
		t.Fatal("the controllers page shows the secret again")
	}
	do(t, watcher, "open the live tail",
		chromedp.Navigate(tb.url+"/events"),
		chromedp.WaitVisible(chromedp.ID("live-note")),
		chromedp.Evaluate[chromedp.Void](`window.stillHere = true`),
		poll(`document.documentElement.dataset.live === "open"`, 10*time.Second),
	)
	state, err := agent.OpenState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ag, err := agent.New(agent.Config{Server: tb.url, Secret: secret, State: state, Out: io.Discard,
		HeartbeatEvery: time.Second, PollWait: time.Second, RetryMax: 200 * time.Millisecond, UploadDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(bg)
	ran := make(chan error, 1)
	go func() { ran <- ag.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-ran })
	waitFor(t, "the controller's first access list", func() bool { return ag.Seq() != 0 })
	if _, err := ag.Present(agent.Presentation{Kind: "card", Value: "4242424242", ChannelID: front}); err != nil {
		t.Fatal(err)
	}
	do(t, watcher, "see the card read in the live tail",
		poll(`Array.from(document.querySelectorAll("#event-log tbody tr")).some(r => r.textContent.includes("Grace Hopper") && r.textContent.includes("Front Door")) && window.stillHere === true`, 30*time.Second))
	do(t, ctx, "see the event on Grace's page",
		chromedp.Navigate(tb.url+personPath),
		poll(`document.querySelector("[data-src$='personevents'] tbody").textContent.includes("Front Door")`, 10*time.Second))

	// Import 1,000 people, then the same file with every job title changed.
	dir := t.TempDir()
	writeCSV := func(name, title string) string {
		var b strings.Builder
		b.WriteString("first_name,last_name,email,job_title,groups\n")
		for i := range 1000 {
			fmt.Fprintf(&b, "Imported,Person %04d,imported%04d@example.com,%s,\n", i, i, title)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	importFile := func(path, preview, done string) {
		t.Helper()
		do(t, ctx, "preview "+filepath.Base(path),
			chromedp.Navigate(tb.url+"/people/import"),
			chromedp.SetUploadFiles(chromedp.ID("file"), []string{path}),
			chromedp.Click(chromedp.CSS(`form[enctype] button`)),
			chromedp.WaitVisible(chromedp.ID("import-preview")),
		)
		if got := eval(t, ctx, `document.getElementById("import-preview").textContent`); !strings.Contains(got, preview) {
			t.Fatalf("preview: %q, want %q", got, preview)
		}
		// Import runs as a job: its page shows a labelled progress bar,
		// which the script keeps up to date until the result replaces it.
		do(t, ctx, "import "+filepath.Base(path),
			chromedp.Click(chromedp.ID("import-run")),
			chromedp.WaitVisible(chromedp.ID("import-progress")),
		)
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !regexp.MustCompile(`/people/import/jobs/[A-Za-z0-9]+$`).MatchString(loc) {
			t.Fatalf("after starting the import: %q %v", loc, err)
		}
		if label := eval(t, ctx, `document.querySelector("label[for=import-progress]").textContent + "|" + document.getElementById("import-live").getAttribute("aria-live")`); label != "Rows imported|polite" {
			t.Fatalf("progress label and live region: %q", label)
		}
		do(t, ctx, "wait for "+filepath.Base(path)+" to be imported",
			chromedp.WaitVisible(chromedp.ID("import-done")),
			poll(`document.getElementById("import-progress").value === document.getElementById("import-progress").max`, 10*time.Second),
		)
		if got := eval(t, ctx, `document.getElementById("import-done").textContent`); !strings.Contains(got, done) {
			t.Fatalf("import: %q, want %q", got, done)
		}
	}
	before, err := tb.app.Store.CountPeople(bg, tb.acct.ID, store.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	importFile(writeCSV("first.csv", "Member"), "1000 to add, 0 to update, 0 unchanged, 0 with errors",
		"1000 added, 0 updated, 0 unchanged, 0 rejected")
	importFile(writeCSV("second.csv", "Resident"), "0 to add, 1000 to update, 0 unchanged, 0 with errors",
		"0 added, 1000 updated, 0 unchanged, 0 rejected")
	after, err := tb.app.Store.CountPeople(bg, tb.acct.ID, store.PersonFilter{})
	if err != nil || after != before+1000 {
		t.Fatalf("people: %d before, %d after (%v); want 1000 more", before, after, err)
	}
	found, err := tb.app.Store.PeopleByEmail(bg, tb.acct.ID, []string{"imported0999@example.com"})
	if p := found["imported0999@example.com"]; err != nil || p == nil || p.JobTitle == nil || *p.JobTitle != "Resident" {
		t.Fatalf("re-imported person: %+v %v", p, err)
	}

	// Search as you type finds one of them without a page load.
	do(t, ctx, "search as you type",
		chromedp.Navigate(tb.url+"/people"),
		chromedp.Evaluate[chromedp.Void](`window.stillHere = true`),
		chromedp.SendKeys(chromedp.ID("q"), "Person 0042"),
		poll(`document.querySelectorAll("#people-list tbody tr").length === 1 && document.getElementById("people-list").textContent.includes("Person 0042") && window.stillHere === true`, 10*time.Second),
	)
}

// TestBrowserViewer signs a viewer in: no page shows a write control.
func TestBrowserViewer(t *testing.T) {
	ctx := browser(t)
	tb := startTestbed(t, 5)
	email, pw := tb.operator(t, "vera", domain.RoleViewer)
	signInBrowser(t, ctx, tb.roleURL, email, pw)
	demoApp, err := tb.app.Store.GetOAuthAppByUID(context.Background(), tb.demo.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/doors", "/doors/1", "/people", "/people/1", "/events", "/controllers",
		"/developers", fmt.Sprintf("/developers/apps/%d", demoApp.ID), "/developers/connected", "/developers/keys", "/developers/webhooks"} {
		do(t, ctx, "open "+path, chromedp.Navigate(tb.roleURL+path), chromedp.WaitVisible(chromedp.CSS("h1")))
		// The only form a viewer may post is signing out.
		got := eval(t, ctx, `Array.from(document.querySelectorAll("form[method=post]")).map(f => f.getAttribute("action")).filter(a => a !== "/logout").join(",")`)
		if got != "" {
			t.Errorf("%s: a viewer sees write forms: %s", path, got)
		}
		if links := eval(t, ctx, `Array.from(document.querySelectorAll("a[href='/people/new'], a[href='/people/import']")).length + ""`); links != "0" {
			t.Errorf("%s: a viewer sees links to write pages", path)
		}
	}
}

// TestBrowserImportProgress holds an import job between its batches and
// watches its page: the script moves the bar and the counts without
// reloading, then shows the result when the job is done.
func TestBrowserImportProgress(t *testing.T) {
	ctx := browser(t)
	tb := startTestbed(t, 0)
	at := make(chan int)
	release := make(chan struct{})
	console.SetBeforeBatch(tb.roleConsole, func(_ int64, batch int) {
		at <- batch
		<-release
	})
	email, pw := tb.operator(t, "olga", domain.RoleOperator)
	signInBrowser(t, ctx, tb.roleURL, email, pw)
	var b strings.Builder
	b.WriteString("first_name,last_name,email\n")
	for i := range 1100 {
		fmt.Fprintf(&b, "Held,Person %04d,held%04d@example.com\n", i, i)
	}
	b.WriteString("No,Email,\n")
	path := filepath.Join(t.TempDir(), "held.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "preview",
		chromedp.Navigate(tb.roleURL+"/people/import"),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{path}),
		chromedp.Click(chromedp.CSS(`form[enctype] button`)),
		chromedp.WaitVisible(chromedp.ID("import-preview")),
		chromedp.Click(chromedp.ID("import-run")),
	)
	if got := <-at; got != 0 {
		t.Fatalf("batch %d first", got)
	}
	do(t, ctx, "see the job at its start",
		chromedp.WaitVisible(chromedp.ID("import-progress")),
		chromedp.Evaluate[chromedp.Void](`window.stillHere = true`),
	)
	if got := eval(t, ctx, `document.getElementById("import-status").textContent`); !strings.Contains(got, "0 of 1100 rows done") {
		t.Fatalf("status at the start: %q", got)
	}
	release <- struct{}{}
	if got := <-at; got != 1 {
		t.Fatalf("batch %d second", got)
	}
	do(t, ctx, "see the first batch done without a reload",
		poll(`document.getElementById("import-progress").value === 500 && document.getElementById("import-status").textContent.includes("500 of 1100 rows done: 500 added") && window.stillHere === true`, 10*time.Second))
	release <- struct{}{}
	if got := <-at; got != 2 {
		t.Fatalf("batch %d third", got)
	}
	release <- struct{}{}
	do(t, ctx, "see the result",
		chromedp.WaitVisible(chromedp.ID("import-done")),
		chromedp.WaitVisible(chromedp.ID("import-errors")),
	)
	if got := eval(t, ctx, `document.getElementById("import-done").textContent`); !strings.Contains(got, "1100 added, 0 updated, 0 unchanged, 1 rejected") {
		t.Fatalf("result: %q", got)
	}
	if got := eval(t, ctx, `document.getElementById("import-errors").textContent`); !strings.Contains(got, "1102") || !strings.Contains(got, "can't be blank") {
		t.Fatalf("rejected rows: %q", got)
	}
}
