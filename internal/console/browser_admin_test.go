package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lintel-dev/lintel/internal/domain"
)

// passwordToken gets an OAuth access token for an operator with the demo
// application's password grant.
func passwordToken(t *testing.T, tb *testbed, email, pw string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, tb.url+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"password"},
		"username": {email}, "password": {pw}, "scope": {"account.person.readonly"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(tb.demo.ClientID, tb.demo.ClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("password grant for %s: %d %v", email, res.StatusCode, err)
	}
	return tok.AccessToken
}

// bearerStatus is the status of GET path with a bearer token.
func bearerStatus(t *testing.T, base, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestBrowserOperators drives the Settings pages in headless Chromium: an
// admin lowers an operator's role and disables them; the operator's open
// console session (another browser) ends and their OAuth token answers
// 401; the audit page shows both writes. Then a viewer finds no write
// control on the Settings pages, and the writes it forges are refused.
func TestBrowserOperators(t *testing.T) {
	admin := browser(t)
	other := browser(t) // a second browser: its own cookies
	tb := startTestbed(t, 3)
	bg := context.Background()
	email, pw := tb.operator(t, "otto", domain.RoleOperator)
	otto, err := tb.app.Store.GetUserByEmail(bg, tb.acct.ID, email)
	if err != nil {
		t.Fatal(err)
	}

	// Otto is signed in in his browser and holds a token.
	signInBrowser(t, other, tb.url, email, pw)
	token := passwordToken(t, tb, email, pw)
	if st := bearerStatus(t, tb.url, "/api/3/people?per_page=1", token); st != http.StatusOK {
		t.Fatalf("otto's token before: %d", st)
	}

	// The admin lowers his role, then disables him.
	signInBrowser(t, admin, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	row := fmt.Sprintf(`document.querySelector('tr[data-operator=%q]')`, email)
	do(t, admin, "open the operators",
		chromedp.Navigate(tb.url+"/settings/operators"),
		chromedp.WaitVisible(chromedp.ID("operators")),
		poll(row+` !== null && `+row+`.textContent.includes("never") === false`, 5*time.Second), // otto has signed in
	)
	eval(t, admin, fmt.Sprintf(`(() => { document.getElementById("role-%d").value = "viewer"; window.before = true; return ""; })()`, otto.ID))
	do(t, admin, "change otto's role",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action="/settings/operators/%d/role"] button`, otto.ID))),
		poll(fmt.Sprintf(`window.before === undefined && document.getElementById("role-%d") !== null && document.getElementById("role-%d").value === "viewer"`, otto.ID, otto.ID), 10*time.Second),
	)
	eval(t, admin, `(() => { window.confirm = () => true; return ""; })()`) // the disable form asks first
	do(t, admin, "disable otto",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[aria-label="Disable %s"]`, email))),
		poll(row+` !== null && `+row+`.querySelector(".status").textContent.includes("disabled")`, 10*time.Second),
	)

	// His console session has ended: the next page is the sign-in form.
	do(t, other, "otto's next page",
		chromedp.Navigate(tb.url+"/people"),
		chromedp.WaitVisible(chromedp.ID("password")),
	)
	if loc, _ := chromedp.Run(other, chromedp.Location()); !strings.Contains(loc, "/login") {
		t.Fatalf("otto's browser is at %s, want the sign-in page", loc)
	}
	if st := bearerStatus(t, tb.url, "/api/3/people?per_page=1", token); st != http.StatusUnauthorized {
		t.Fatalf("otto's token after he was disabled: %d, want 401", st)
	}

	// The audit page shows both writes, newest first, as the admin's.
	do(t, admin, "the audit log",
		chromedp.Navigate(tb.url+"/settings/audit?resource=operators&resource_id="+itoa(otto.ID)),
		chromedp.WaitVisible(chromedp.ID("audit-log")),
	)
	rows := eval(t, admin, `Array.from(document.querySelectorAll("#audit-log tbody tr")).map(r => Array.from(r.cells).map(c => c.textContent.trim()).join("|")).join("\n")`)
	lines := strings.Split(rows, "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "|disable|") || !strings.Contains(lines[1], "|update|") ||
		!strings.Contains(lines[1], `"role":"viewer"`) || !strings.Contains(rows, tb.demo.AdminEmail) {
		t.Fatalf("audit rows:\n%s", rows)
	}

	// A viewer, in the other browser: no write controls, forged writes refused.
	vemail, vpw := tb.operator(t, "vera", domain.RoleViewer)
	signInBrowser(t, other, tb.url, vemail, vpw)
	for _, path := range []string{"/settings", "/settings/operators"} {
		do(t, other, "open "+path, chromedp.Navigate(tb.url+path), chromedp.WaitVisible(chromedp.CSS("h1")))
		got := eval(t, other, `Array.from(document.querySelectorAll("form[method=post]")).map(f => f.getAttribute("action")).filter(a => a !== "/logout").join(",")`)
		if got != "" {
			t.Errorf("%s: a viewer sees write forms: %s", path, got)
		}
		if n := eval(t, other, `document.querySelectorAll("main button, main select, main input").length + ""`); n != "0" {
			t.Errorf("%s: a viewer sees %s controls", path, n)
		}
	}
	if links := eval(t, other, `Array.from(document.querySelectorAll("a[href='/settings/audit']")).length + ""`); links != "0" {
		t.Errorf("a viewer is offered the audit log")
	}
	forge := func(path string, form map[string]string) string {
		t.Helper()
		body, _ := json.Marshal(form)
		c, cancel := context.WithTimeout(other, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(c, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
			const f = new URLSearchParams(%s);
			f.set("csrf_token", document.querySelector("input[name=csrf_token]").value);
			return fetch(%q, {method: "POST", body: f}).then(r => String(r.status)); })()`, body, path), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("forge %s: %v", path, err)
		}
		return v
	}
	admin0, err := tb.app.Store.GetUserByEmail(bg, tb.acct.ID, tb.demo.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	for path, form := range map[string]map[string]string{
		"/settings":           {"name": "Forged", "time_zone": "UTC"},
		"/settings/operators": {"email": "mallory@cowork.example", "role": "owner"},
		fmt.Sprintf("/settings/operators/%d/enable", otto.ID):    {},
		fmt.Sprintf("/settings/operators/%d/disable", admin0.ID): {},
		fmt.Sprintf("/settings/operators/%d/role", admin0.ID):    {"role": "viewer"},
	} {
		if st := forge(path, form); st != "403" {
			t.Errorf("a viewer's forged POST %s: %s, want 403", path, st)
		}
	}
	do(t, other, "the audit log as a viewer", chromedp.Navigate(tb.url+"/settings/audit"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := eval(t, other, `document.querySelector("h1").textContent`); !strings.Contains(h, "Forbidden") {
		t.Errorf("a viewer opened the audit log: %q", h)
	}
	// Nothing the viewer forged happened.
	acct, _ := tb.app.Store.GetAccount(bg, tb.acct.ID)
	o, _ := tb.app.Store.GetAccountUser(bg, tb.acct.ID, otto.ID)
	a, _ := tb.app.Store.GetAccountUser(bg, tb.acct.ID, admin0.ID)
	if acct.Name == "Forged" || !o.Disabled || a.Disabled || a.Role != admin0.Role {
		t.Fatalf("after the viewer's forged writes: account %q, otto disabled %v, admin %+v", acct.Name, o.Disabled, a)
	}
	if _, err := tb.app.Store.GetUserByEmail(bg, tb.acct.ID, "mallory@cowork.example"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("a viewer invited someone: %v", err)
	}
}
