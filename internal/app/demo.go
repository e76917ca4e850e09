package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/password"
)

// DemoInfo is what "lintel demo" prints and writes to <data dir>/demo.json.
type DemoInfo struct {
	BaseURL       string   `json:"base_url"`
	AccountID     string   `json:"account_id"` // the id GET /api/3/account returns
	AdminEmail    string   `json:"admin_email"`
	AdminPassword string   `json:"admin_password"`
	ClientID      string   `json:"client_id"`
	ClientSecret  string   `json:"client_secret"`
	RedirectURI   string   `json:"redirect_uri"`
	Scopes        []string `json:"scopes"`
	Scope         string   `json:"scope"`         // the same scopes, space-separated as OAuth sends them
	AuthorizeURL  string   `json:"authorize_url"` // ready to open in a browser
}

// DemoAdminEmail is the demo operator's sign-in.
const DemoAdminEmail = "admin@cowork.example"

// DemoAppName is the name of the demo's OAuth application.
const DemoAppName = "CoWork HQ integration (demo)"

// DemoInfoPath is where the demo's details are written.
func (a *App) DemoInfoPath() string { return filepath.Join(a.Config.DataDir, "demo.json") }

// DemoScopes is what the demo app may request and what its authorize URL
// asks for: every DoorFlow scope except the restricted one.
func DemoScopes() domain.ScopeSet {
	var names []string
	for _, s := range domain.Scopes {
		if !s.Restricted && !s.Extension {
			names = append(names, s.Name)
		}
	}
	return domain.NewScopeSet(names...)
}

// EnsureDemo returns the demo recorded in demo.json when its account still
// exists, creating what is missing: the whole demo (account, operator, OAuth
// app) on a fresh database, or only a new OAuth app when the base URL, and
// so the redirect URI, changed. demo.json is written with mode 0600.
func (a *App) EnsureDemo(ctx context.Context, people int, progress func(done, total int)) (*DemoInfo, error) {
	path := a.DemoInfoPath()
	var info DemoInfo
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &info) == nil && info.AccountID != "" {
		if acct, err := a.Store.GetAccountByUID(ctx, info.AccountID); err == nil {
			if info.BaseURL == a.baseURL && info.ClientID != "" {
				return &info, nil
			}
			if err := a.newDemoApp(ctx, acct.ID, &info); err != nil {
				return nil, err
			}
			return &info, writeDemo(path, &info)
		}
	}
	info = DemoInfo{}
	acct, err := demo.Seed(ctx, a.Store, demo.Options{Now: a.now, People: people, Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("create demo data: %w", err)
	}
	info.AccountID = acct.UID
	info.AdminEmail = DemoAdminEmail
	info.AdminPassword = GeneratePassword()
	hash, err := password.Hash(info.AdminPassword)
	if err != nil {
		return nil, err
	}
	op := &domain.User{AccountID: acct.ID, Email: DemoAdminEmail, FirstName: "Alex", LastName: "Operator", PasswordHash: hash, Role: domain.RoleOwner}
	if err := a.Store.CreateUser(ctx, op); err != nil {
		return nil, fmt.Errorf("create demo operator: %w", err)
	}
	if err := a.newDemoApp(ctx, acct.ID, &info); err != nil {
		return nil, err
	}
	return &info, writeDemo(path, &info)
}

// newDemoApp creates the demo's testing OAuth app for the current base URL.
func (a *App) newDemoApp(ctx context.Context, accountID int64, info *DemoInfo) error {
	redirect := a.baseURL + "/callback"
	scopes := DemoScopes()
	created, secret, err := oauth.CreateApp(ctx, a.Store, oauth.NewApp{
		AccountID: accountID, Name: DemoAppName, RedirectURIs: []string{redirect},
		Scopes: scopes, State: domain.AppTesting, PasswordGrant: true,
	})
	if err != nil {
		return fmt.Errorf("create demo OAuth application: %w", err)
	}
	info.BaseURL = a.baseURL
	info.ClientID, info.ClientSecret, info.RedirectURI = created.UID, secret, redirect
	info.Scopes, info.Scope = scopes.List(), scopes.String()
	q := url.Values{"response_type": {"code"}, "client_id": {info.ClientID}, "redirect_uri": {redirect}, "scope": {info.Scope}, "state": {"demo"}}
	info.AuthorizeURL = a.baseURL + "/oauth/authorize?" + q.Encode()
	return nil
}

// writeDemo writes demo.json readable by its owner only: it holds secrets.
func writeDemo(path string, info *DemoInfo) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(info); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// GeneratePassword returns a random 20-character password from an alphabet
// without look-alike characters.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
