package apptest

import (
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	formRE   = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	actionRE = regexp.MustCompile(`(?i)\baction="([^"]*)"`)
	hiddenRE = regexp.MustCompile(`(?is)<input\b[^>]*\btype="hidden"[^>]*>`)
	attrRE   = regexp.MustCompile(`(?i)\b(name|value)="([^"]*)"`)
)

// Authorize plays the operator's browser in the authorization-code flow:
// it opens authURL, signs in with email and password, allows the consent
// page (when the server shows one) and returns the query of the redirect
// to redirectURI (code and state, or error).
func Authorize(t testing.TB, authURL, email, password, redirectURI string) url.Values {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var final *url.URL
	hc := &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirectURI) {
			final = req.URL
			return http.ErrUseLastResponse
		}
		if len(via) > 10 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	fetch := func(req *http.Request) (*url.URL, string) {
		t.Helper()
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("authorize: %s %s: %v", req.Method, req.URL, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Request.URL, string(b)
	}
	req, _ := http.NewRequest("GET", authURL, nil)
	at, body := fetch(req)
	for step := 0; final == nil; step++ {
		if step == 3 {
			t.Fatalf("authorize: no redirect to %s after signing in and consenting; last page %s:\n%s", redirectURI, at, body)
		}
		form := url.Values{}
		var action *url.URL
		for _, f := range formRE.FindAllStringSubmatch(body, -1) {
			if step == 0 && !strings.Contains(f[2], `name="password"`) || step > 0 && !strings.Contains(f[2], `value="allow"`) {
				continue
			}
			for _, in := range hiddenRE.FindAllString(f[2], -1) {
				attrs := map[string]string{}
				for _, a := range attrRE.FindAllStringSubmatch(in, -1) {
					attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2])
				}
				form.Set(attrs["name"], attrs["value"])
			}
			action = at
			if m := actionRE.FindStringSubmatch(f[1]); m != nil && m[1] != "" {
				ref, _ := url.Parse(html.UnescapeString(m[1]))
				action = at.ResolveReference(ref)
			}
			break
		}
		if action == nil {
			t.Fatalf("authorize: no %s form on %s:\n%s", map[bool]string{true: "sign-in", false: "consent"}[step == 0], at, body)
		}
		if step == 0 {
			form.Set("email", email)
			form.Set("password", password)
		} else {
			form.Set("decision", "allow")
		}
		req, _ := http.NewRequest("POST", action.String(), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", at.Scheme+"://"+at.Host)
		at, body = fetch(req)
	}
	return final.Query()
}
