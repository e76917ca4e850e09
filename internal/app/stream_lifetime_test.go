package app_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/gateway"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// movableClock is a clock a test can move forward.
type movableClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *movableClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *movableClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// TestEventStreamEndsWithItsCredential: an open event stream ends within
// seconds once its token expires, its grant is revoked, its application is
// suspended or loses the event scope, or its API key is revoked.
func TestEventStreamEndsWithItsCredential(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			clock := &movableClock{}
			a, info := apptest.StartWith(t, apptest.Config(t, b), app.Options{Now: clock.now}, 5)
			s := &server{App: a, demo: info}
			ctx := context.Background()
			user, err := findUser(ctx, a.Store, info.AdminEmail)
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name string
				cred func(t *testing.T) func(*http.Request) // credential for the stream
				end  func(t *testing.T)                     // what takes it away
				says string                                 // in the error event
			}{
				{"grant revoked", bearer(s), func(t *testing.T) {
					app, _ := a.Store.GetOAuthAppByUID(ctx, info.ClientID)
					if _, err := a.Store.RevokeOAuthFamilies(ctx, store.FamilyFilter{AppID: app.ID, UserID: user.ID}, "test", time.Now()); err != nil {
						t.Fatal(err)
					}
				}, "revoked"},
				{"app suspended", bearer(s), func(t *testing.T) {
					app, _ := a.Store.GetOAuthAppByUID(ctx, info.ClientID)
					was := app.State
					app.State = domain.AppSuspended
					if err := a.Store.UpdateOAuthApp(ctx, app); err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { app.State = was; _ = a.Store.UpdateOAuthApp(ctx, app) })
				}, "suspended"},
				{"scope withdrawn", bearer(s), func(t *testing.T) {
					app, _ := a.Store.GetOAuthAppByUID(ctx, info.ClientID)
					delete(app.Scopes, "account.event.access.readonly")
					if err := a.Store.UpdateOAuthApp(ctx, app); err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { app.Scopes["account.event.access.readonly"] = struct{}{}; _ = a.Store.UpdateOAuthApp(ctx, app) })
				}, "account.event.access.readonly"},
			}
			var keyID int64
			cases = append(cases, struct {
				name string
				cred func(t *testing.T) func(*http.Request)
				end  func(t *testing.T)
				says string
			}{"API key revoked", func(t *testing.T) func(*http.Request) {
				k, secret, err := gateway.CreateAPIKey(ctx, a.Store, gateway.NewAPIKey{AccountID: user.AccountID, UserID: user.ID,
					Name: "stream", Scopes: domain.NewScopeSet("account.event.access.readonly")}, nil)
				if err != nil {
					t.Fatal(err)
				}
				keyID = k.ID
				return func(r *http.Request) { r.SetBasicAuth(secret, "") }
			}, func(t *testing.T) {
				if err := a.Store.RevokeAPIKey(ctx, user.AccountID, keyID, time.Now()); err != nil {
					t.Fatal(err)
				}
			}, "invalid"})
			// Last: moving the clock ages everything else too.
			cases = append(cases, struct {
				name string
				cred func(t *testing.T) func(*http.Request)
				end  func(t *testing.T)
				says string
			}{"token expired", bearer(s), func(t *testing.T) { clock.advance(3 * time.Hour) }, "expired"})

			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					cred := tc.cred(t)
					sc, closeStream := openStream(t, s, cred)
					defer closeStream()
					tc.end(t)
					start := time.Now()
					errLine := ""
					for sc.Scan() {
						line := sc.Text()
						if line == "event: error" && sc.Scan() {
							errLine = sc.Text()
						}
					}
					// The server ended the stream (EOF), and said why.
					if time.Since(start) > 5*time.Second {
						t.Errorf("stream ended after %v, want within seconds", time.Since(start))
					}
					if !strings.Contains(errLine, tc.says) {
						t.Errorf("error event %q, want it to mention %q", errLine, tc.says)
					}
					// A new stream with the same credential is refused.
					req, _ := http.NewRequest("GET", s.BaseURL()+"/api/3/events/stream", nil)
					cred(req)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != 401 && resp.StatusCode != 403 {
						t.Errorf("reopening the stream: status %d, want 401 or 403", resp.StatusCode)
					}
				})
			}
		})
	}
}

func findUser(ctx context.Context, st *store.Store, email string) (*domain.User, error) {
	us, err := st.FindUsersByEmail(ctx, email)
	if err != nil || len(us) == 0 {
		return nil, err
	}
	return us[0], nil
}

// bearer returns a credential maker that takes a fresh password-grant
// token with the event scope.
func bearer(s *server) func(t *testing.T) func(*http.Request) {
	return func(t *testing.T) func(*http.Request) {
		var tok map[string]any
		postForm(t, s.BaseURL()+"/oauth/token", url.Values{
			"grant_type": {"password"}, "username": {s.demo.AdminEmail}, "password": {s.demo.AdminPassword},
			"scope": {"account.event.access.readonly"},
		}, s.demo.ClientID, s.demo.ClientSecret).expect(t, "token", 200).decode(t, &tok)
		at := tok["access_token"].(string)
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+at) }
	}
}

// openStream opens the event stream with a credential and waits for its
// first line, so the stream is known to be open before the test acts.
func openStream(t *testing.T, s *server, cred func(*http.Request)) (*bufio.Scanner, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	req, _ := http.NewRequestWithContext(ctx, "GET", s.BaseURL()+"/api/3/events/stream", nil)
	cred(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		cancel()
		t.Fatalf("stream: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "retry:") {
		t.Fatalf("stream did not start: %q %v", sc.Text(), sc.Err())
	}
	return sc, func() { resp.Body.Close(); cancel() }
}
