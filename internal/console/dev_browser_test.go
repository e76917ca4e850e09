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

// TestBrowserDevelopers drives the developer portal in headless Chromium:
// an admin registers an OAuth application (its secret shown once); an
// operator completes a real authorization-code consent with it (sign-in
// page, consent page, code exchanged at /oauth/token); the admin sees it
// under connected applications with the operator's name, disconnects it,
// and the token answers 401.
func TestBrowserDevelopers(t *testing.T) {
	ctx := browser(t)
	tb := startTestbed(t, 0)
	bg := context.Background()
	opEmail, opPW := tb.operator(t, "oscar", domain.RoleOperator)
	signInBrowser(t, ctx, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)

	redirect := tb.url + "/callback"
	do(t, ctx, "register an application",
		chromedp.Navigate(tb.url+"/developers"),
		chromedp.WaitVisible(chromedp.ID("app-create")),
		chromedp.SendKeys(chromedp.ID("name"), "Visitor kiosk"),
		chromedp.SendKeys(chromedp.ID("redirect_uris"), redirect),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("scope-account.person.readonly").checked = true;
			document.getElementById("scope-account.channel.readonly").checked = true; null`),
		chromedp.Click(chromedp.CSS(`#app-create button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("client-secret")),
	)
	secret := strings.TrimSpace(eval(t, ctx, `document.getElementById("client-secret").textContent`))
	clientID := strings.TrimSpace(eval(t, ctx, `document.getElementById("client-id").textContent`))
	app, err := tb.app.Store.GetOAuthAppByUID(bg, clientID)
	if err != nil || app.Name != "Visitor kiosk" || len(secret) < 32 {
		t.Fatalf("registered app: %+v %v (secret %d characters)", app, err, len(secret))
	}

	// The operator authorizes it: sign out, open the authorize URL, sign
	// in on the OAuth page, allow on the consent page.
	authorize := tb.url + "/oauth/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
		"redirect_uri": {redirect}, "scope": {"account.person.readonly account.channel.readonly"}, "state": {"kiosk-state-1"}}.Encode()
	do(t, ctx, "sign out and sign in on the authorize page",
		chromedp.Click(chromedp.CSS(`form.signout button`)),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.Navigate(authorize),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("email"), opEmail),
		chromedp.SendKeys(chromedp.ID("password"), opPW),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="allow"]`)),
	)
	if consent := eval(t, ctx, `document.querySelector("main").textContent`); !strings.Contains(consent, "Visitor kiosk") ||
		!strings.Contains(consent, "account.person.readonly") {
		t.Fatalf("consent page:\n%s", consent)
	}
	do(t, ctx, "allow",
		chromedp.Click(chromedp.CSS(`button[value="allow"]`)),
		poll(`location.pathname === "/callback"`, 10*time.Second),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	back := mustURL(loc).Query()
	if back.Get("state") != "kiosk-state-1" || back.Get("code") == "" {
		t.Fatalf("redirect after consent: %s", loc)
	}
	res, err := http.PostForm(tb.url+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {back.Get("code")},
		"client_id": {clientID}, "client_secret": {secret}, "redirect_uri": {redirect}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("code exchange: %d %+v %v", res.StatusCode, tok, err)
	}
	if s := apiStatus(t, tb.url, tok.AccessToken, false); s != http.StatusOK {
		t.Fatalf("the token before the disconnect: %d", s)
	}

	// The admin sees the connection and disconnects the app.
	do(t, ctx, "sign the operator out", chromedp.Navigate(tb.url+"/"), chromedp.WaitVisible(chromedp.CSS(`form.signout button`)),
		chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.ID("password")))
	signInBrowser(t, ctx, tb.url, tb.demo.AdminEmail, tb.demo.AdminPassword)
	row := fmt.Sprintf("connected-%d", app.ID)
	do(t, ctx, "open connected applications",
		chromedp.Navigate(tb.url+"/developers/connected"),
		chromedp.WaitVisible(chromedp.ID(row)),
	)
	if text := eval(t, ctx, `document.getElementById("`+row+`").textContent`); !strings.Contains(text, "Visitor kiosk") || !strings.Contains(text, opEmail) {
		t.Fatalf("connected row: %q", text)
	}
	do(t, ctx, "disconnect",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true; null`),
		chromedp.Click(chromedp.CSS("#"+row+` button`)),
		chromedp.WaitVisible(chromedp.ID("notice")),
	)
	if notice := eval(t, ctx, `document.getElementById("notice").textContent`); !strings.Contains(notice, "disconnected") {
		t.Fatalf("notice: %q", notice)
	}
	if n := eval(t, ctx, `String(document.querySelectorAll("#`+row+`").length)`); n != "0" {
		t.Fatal("the app is still listed as connected")
	}
	if s := apiStatus(t, tb.url, tok.AccessToken, false); s != http.StatusUnauthorized {
		t.Fatalf("the token after the disconnect: %d, want 401", s)
	}
}
