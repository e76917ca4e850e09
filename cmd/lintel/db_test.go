package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// passwordToken gets an access token for the demo app with the password grant.
func passwordToken(t *testing.T, info *app.DemoInfo) string {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {info.AdminEmail}, "password": {info.AdminPassword}, "scope": {info.Scope}}
	req, _ := http.NewRequest("POST", info.BaseURL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(info.ClientID, info.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// apiGet returns the status and body of an authorized GET.
func apiGet(t *testing.T, base, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDBCopyDemoPlus10000People moves the demo plus 10,000 people from a
// SQLite server to each test database (another SQLite directory, and
// PostgreSQL when configured) with "lintel db copy", then starts Lintel on
// the copy and checks that it answers the same API reads, with the access
// token issued before the move.
func TestDBCopyDemoPlus10000People(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 people")
	}
	ctx := context.Background()
	srcCfg := apptest.Config(t, storetest.Backend{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "lintel.db")})
	src, stopSrc := apptest.Serve(t, srcCfg, app.Options{})
	info, err := src.EnsureDemo(ctx, 50, nil)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := src.Store.GetAccountByUID(ctx, info.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.AddPeople(ctx, src.Store, acct.ID, 10000, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	token := passwordToken(t, info)
	// A photo on person 9000: the copy must keep its bytes (stored as
	// base64 text, which every engine copies as it is).
	photo := samplePNG(t)
	photoPath := putPhoto(t, src.BaseURL(), token, 9000, photo)
	paths := []string{
		"/api/3/account", "/api/3/sites", "/api/3/channels", "/api/3/groups", "/api/3/roles", "/api/3/credential_types",
		"/api/3/people?per_page=100&page=73", "/api/3/people/9000", "/api/3/people/9000/credentials",
		"/api/3/people?email=" + url.QueryEscape("*@example.com") + "&per_page=5",
		"/api/3/credentials?per_page=50&page=150", "/api/3/events?per_page=100", "/api/3/reservations",
		"/api/3/group_reservations",
	}
	want := map[string]string{}
	for _, p := range paths {
		code, body := apiGet(t, src.BaseURL(), p, token)
		if code != http.StatusOK {
			t.Fatalf("source GET %s: %d %s", p, code, body)
		}
		want[p] = body
	}

	targets := storetest.Backends(t)
	to := func(i int) string {
		if targets[i].Name == "postgres" {
			return targets[i].DSN
		}
		return filepath.Dir(targets[i].DSN)
	}
	// While the source server runs, the copy is refused: writes after it
	// would be lost.
	code, _, errOut := lintel(t, "db", "copy", "--from", srcCfg.DataDir, "--to", to(0))
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("is in use by another Lintel, pid %d", os.Getpid())) || !strings.Contains(errOut, "--allow-running") {
		t.Fatalf("copy from a running server: exit %d, %q", code, errOut)
	}
	stopSrc()

	for i, b := range targets {
		t.Run(b.Name, func(t *testing.T) {
			start := time.Now()
			code, out, errOut := lintel(t, "db", "copy", "--from", srcCfg.DataDir, "--to", to(i))
			if code != 0 {
				t.Fatalf("db copy: exit %d\n%s%s", code, out, errOut)
			}
			t.Logf("copied the demo plus 10,000 people to %s in %s", b.Name, time.Since(start).Round(time.Millisecond))
			if !strings.Contains(out, "Every table holds as many rows in the target as in the source.") ||
				!strings.Contains(out, "  people  ") || !strings.Contains(out, "10050\n") {
				t.Errorf("db copy output:\n%s", out)
			}
			// A second copy into the same target is refused.
			if code, _, errOut := lintel(t, "db", "copy", "--from", srcCfg.DataDir, "--to", to(i)); code != 1 || !strings.Contains(errOut, "already holds data") || !strings.Contains(errOut, "--replace") {
				t.Errorf("second copy: exit %d, %q", code, errOut)
			}

			dst, _ := apptest.Serve(t, apptest.Config(t, b), app.Options{})
			for _, p := range paths {
				code, body := apiGet(t, dst.BaseURL(), p, token)
				// Photo URLs name the server that serves them.
				if w := strings.ReplaceAll(want[p], src.BaseURL(), dst.BaseURL()); code != http.StatusOK || body != w {
					t.Errorf("GET %s on the copy: %d\n%s\nwant\n%s", p, code, body, w)
				}
			}
			if code, body := apiGet(t, dst.BaseURL(), photoPath, ""); code != http.StatusOK || body != string(photo) {
				t.Errorf("the photo on the copy: %d, %d bytes, want %d", code, len(body), len(photo))
			}
			// New rows continue after the copied ids.
			if id := createPerson(t, dst.BaseURL(), token, "After"); id <= 10050 {
				t.Errorf("new person on the copy got id %d", id)
			}
		})
	}
}

// createPerson creates a person through the API and returns its id.
func createPerson(t *testing.T, base, token, first string) int64 {
	t.Helper()
	id, err := postPerson(base, token, first)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// postPerson creates a person through the API and returns its id; it is
// safe to call from any goroutine.
func postPerson(base, token, first string) (int64, error) {
	req, _ := http.NewRequest("POST", base+"/api/3/people", strings.NewReader(`{"first_name":"`+first+`","last_name":"Backup","enabled":true}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var p struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.ID == 0 {
		return 0, fmt.Errorf("create %s: %d, %v", first, resp.StatusCode, err)
	}
	return p.ID, nil
}

// samplePNG is a small real PNG whose bytes cover many values.
func samplePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// putPhoto sets a person's photo through the API (image_base64) and
// returns the path of the photo's URL.
func putPhoto(t *testing.T, base, token string, personID int64, photo []byte) string {
	t.Helper()
	body := fmt.Sprintf(`{"image_base64":%q}`, base64.StdEncoding.EncodeToString(photo))
	req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/3/people/%d", base, personID), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		ImageURL string `json:"image_url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != http.StatusCreated || !strings.HasPrefix(p.ImageURL, base+"/media/people/") {
		t.Fatalf("put photo: %d %q %v", resp.StatusCode, p.ImageURL, err)
	}
	return strings.TrimPrefix(p.ImageURL, base)
}
