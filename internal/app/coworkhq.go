package app

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/webhook"
)

// CoworkHQScopes are what the CoWork HQ sample app (examples/coworkhq)
// asks for.
var CoworkHQScopes = []string{"account.person", "account.group.readonly", "account.credential_type.readonly",
	"account.channel.readonly", "account.event.access.readonly"}

// SampleApp is the sample app's registration with the demo, as written to
// <data dir>/coworkhq.env.
type SampleApp struct {
	AppURL        string // where CoWork HQ runs
	ClientID      string
	ClientSecret  string
	RedirectURI   string
	WebhookSecret string // empty when Lintel may not deliver to AppURL
	EnvPath       string
}

// CoworkHQEnvPath is where EnsureCoworkHQ writes the sample app's settings.
func (a *App) CoworkHQEnvPath() string { return filepath.Join(a.Config.DataDir, "coworkhq.env") }

// EnsureCoworkHQ registers the CoWork HQ sample app, running at appURL,
// with the demo account: an OAuth application in the testing state that
// requires PKCE and state, with CoWork HQ's callback as redirect URI and,
// when this server may deliver to appURL (a public address, or
// --webhook-allow-private), a webhook to CoWork HQ's receiver. It writes
// the settings CoWork HQ reads to coworkhq.env (mode 0600) and reuses an
// earlier registration for the same server and app URL.
func (a *App) EnsureCoworkHQ(ctx context.Context, info *DemoInfo, appURL string) (*SampleApp, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(appURL), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
		return nil, fmt.Errorf("the CoWork HQ URL must look like http://127.0.0.1:3333, not %q", appURL)
	}
	base := u.String()
	path := a.CoworkHQEnvPath()
	hook := base + "/api/webhooks/lintel"
	canHook := a.Callbacks.CheckURL(ctx, hook) == nil
	if old, err := readEnvFile(path); err == nil && old["LINTEL_BASE_URL"] == a.baseURL && old["COWORKHQ_URL"] == base &&
		(old["LINTEL_WEBHOOK_SECRET"] != "") == canHook {
		if app, err := a.Store.GetOAuthAppByUID(ctx, old["LINTEL_CLIENT_ID"]); err == nil && app.State != domain.AppSuspended {
			return &SampleApp{AppURL: base, ClientID: old["LINTEL_CLIENT_ID"], ClientSecret: old["LINTEL_CLIENT_SECRET"],
				RedirectURI: old["LINTEL_REDIRECT_URI"], WebhookSecret: old["LINTEL_WEBHOOK_SECRET"], EnvPath: path}, nil
		}
	}
	acct, err := a.Store.GetAccountByUID(ctx, info.AccountID)
	if err != nil {
		return nil, fmt.Errorf("demo account: %w", err)
	}
	s := &SampleApp{AppURL: base, RedirectURI: base + "/api/auth/callback", EnvPath: path}
	created, secret, err := oauth.CreateApp(ctx, a.Store, oauth.NewApp{AccountID: acct.ID, Name: "CoWork HQ (sample app)",
		RedirectURIs: []string{s.RedirectURI}, Scopes: domain.NewScopeSet(CoworkHQScopes...), State: domain.AppTesting,
		RequirePKCE: true, RequireState: true})
	if err != nil {
		return nil, fmt.Errorf("register CoWork HQ: %w", err)
	}
	s.ClientID, s.ClientSecret = created.UID, secret
	if canHook {
		s.WebhookSecret = webhook.NewSecret()
		if _, err := a.Store.SetAppWebhook(ctx, created.ID, hook, s.WebhookSecret, a.now().UTC()); err != nil {
			return nil, fmt.Errorf("CoWork HQ webhook: %w", err)
		}
	}
	return s, a.writeCoworkHQEnv(s, u)
}

// writeCoworkHQEnv writes the sample app's settings.
func (a *App) writeCoworkHQEnv(s *SampleApp, u *url.URL) error {
	listen := u.Host
	if _, _, err := net.SplitHostPort(listen); err != nil {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		listen = net.JoinHostPort(u.Hostname(), port)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# CoWork HQ, registered with the Lintel demo at %s.\n", a.baseURL)
	fmt.Fprintf(&b, "# Run it from the repository root: go run ./examples/coworkhq -env %s\n", s.EnvPath)
	for _, kv := range [][2]string{{"LINTEL_BASE_URL", a.baseURL}, {"LINTEL_CLIENT_ID", s.ClientID}, {"LINTEL_CLIENT_SECRET", s.ClientSecret},
		{"LINTEL_REDIRECT_URI", s.RedirectURI}, {"LINTEL_WEBHOOK_SECRET", s.WebhookSecret}, {"COWORKHQ_URL", s.AppURL},
		{"COWORKHQ_LISTEN", listen}} {
		fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
	}
	if err := os.MkdirAll(filepath.Dir(s.EnvPath), 0o700); err != nil {
		return err
	}
	tmp := s.EnvPath + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", s.EnvPath, err)
	}
	return os.Rename(tmp, s.EnvPath)
}

// readEnvFile reads KEY=VALUE lines.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out, sc.Err()
}
