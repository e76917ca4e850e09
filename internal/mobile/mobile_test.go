package mobile_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/mobile"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestActivationPage: GET shows the page and spends nothing (twice), an
// expired link answers 410 without activating, garbage answers 410, and
// the pages carry no script and no caching.
func TestActivationPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		svc := mobile.New(mobile.Config{Store: st, BaseURL: "http://lintel.test", Now: clock, TTL: time.Hour})
		mux := http.NewServeMux()
		svc.Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()

		a := &domain.Account{Name: "Gate & Co", TimeZone: "Europe/London"}
		if err := st.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		typ := &domain.CredentialType{AccountID: a.ID, Label: "Phone", Slug: "phone", Kind: domain.KindMobile}
		if err := st.CreateCredentialType(ctx, typ); err != nil {
			t.Fatal(err)
		}
		p := &domain.Person{AccountID: a.ID, FirstName: "Max", LastName: "Mustermann", Enabled: true}
		if err := st.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		c := &domain.Credential{AccountID: a.ID, PersonID: p.ID, CredentialTypeID: typ.ID, CreatedAt: now}
		inv, err := svc.Issue(ctx, c)
		if err != nil || inv.Emailed || !strings.HasPrefix(inv.URL, "http://lintel.test/mobile/activate?token=") || !inv.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("issue: %+v %v", inv, err)
		}
		token := strings.TrimPrefix(inv.URL, "http://lintel.test/mobile/activate?token=")
		get := func(q string) (int, http.Header, string) {
			res, err := http.Get(srv.URL + "/mobile/activate?" + q)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, res.Header, string(b)
		}
		for range 2 {
			code, h, body := get("token=" + token)
			if code != 200 || !strings.Contains(body, "Gate &amp; Co") || !strings.Contains(body, "Max") ||
				h.Get("Cache-Control") != "no-store" || h.Get("Referrer-Policy") != "no-referrer" ||
				!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") || strings.Contains(body, "<script") {
				t.Fatalf("GET: %d %v\n%s", code, h, body)
			}
		}
		for _, q := range []string{"", "token=", "token=short", "token=" + strings.Repeat("A", 43), "token=" + url.QueryEscape("<b>")} {
			if code, _, body := get(q); code != http.StatusGone || !strings.Contains(body, "Link expired") {
				t.Fatalf("GET ?%s: %d", q, code)
			}
		}
		// Past the expiry (an hour, across the DST change), nothing activates.
		now = now.Add(time.Hour)
		res, err := http.PostForm(srv.URL+"/mobile/activate", url.Values{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusGone {
			t.Fatalf("expired POST: %d", res.StatusCode)
		}
		got, err := st.GetCredential(ctx, a.ID, p.ID, c.UID)
		if err != nil || *got.Status != store.MobileInvited || got.Value != nil {
			t.Fatalf("after an expired activation %+v %v", got, err)
		}
		// A new link works; the old one stays dead.
		inv2, err := svc.Renew(ctx, a.ID, p.ID, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		res, err = http.PostForm(srv.URL+"/mobile/activate", url.Values{"token": {strings.TrimPrefix(inv2.URL, "http://lintel.test/mobile/activate?token=")}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), `id="qr"`) {
			t.Fatalf("activate with the renewed link: %d\n%s", res.StatusCode, body)
		}
		if _, err := svc.Renew(ctx, a.ID, p.ID, c.UID); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("renew an active pass: %v", err)
		}
	})
}
