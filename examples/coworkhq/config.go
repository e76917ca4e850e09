package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	lintel "github.com/lintel-dev/lintel/sdk"
)

// Config is CoWork HQ's configuration, read from the environment, which
// wins over a .env file.
type Config struct {
	BaseURL       string // LINTEL_BASE_URL (or DOORFLOW_API_URL): the server
	ClientID      string // LINTEL_CLIENT_ID (or DOORFLOW_CLIENT_ID)
	ClientSecret  string // LINTEL_CLIENT_SECRET (or DOORFLOW_CLIENT_SECRET)
	RedirectURI   string // LINTEL_REDIRECT_URI (or DOORFLOW_REDIRECT_URI)
	WebhookSecret string // LINTEL_WEBHOOK_SECRET: accept signed webhooks when set
	Listen        string // COWORKHQ_LISTEN
	DataDir       string // COWORKHQ_DATA_DIR: the SQLite database and tokens.json
	EventStream   bool   // COWORKHQ_EVENT_STREAM: follow /api/3/events/stream while connected
}

// Scopes are what CoWork HQ asks for: people and their credentials, the
// groups and credential types to choose from, doors and the access log.
var Scopes = []string{"account.person", "account.group.readonly", "account.credential_type.readonly",
	"account.channel.readonly", "account.event.access.readonly"}

// loadDotEnv reads KEY=VALUE lines (comments, blank lines, "export " and
// quotes allowed) and sets the variables the environment does not already
// have. A missing file is not an error.
func loadDotEnv(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return fmt.Errorf("%s:%d: want KEY=VALUE", path, n)
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		} else if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		if _, set := os.LookupEnv(k); !set {
			os.Setenv(k, v)
		}
	}
	return sc.Err()
}

// configFromEnv reads the configuration from the environment.
func configFromEnv() (Config, error) {
	get := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(os.Getenv(n)); v != "" {
				return v
			}
		}
		return ""
	}
	c := Config{
		BaseURL:       get("LINTEL_BASE_URL", "DOORFLOW_API_URL"),
		ClientID:      get("LINTEL_CLIENT_ID", "DOORFLOW_CLIENT_ID"),
		ClientSecret:  get("LINTEL_CLIENT_SECRET", "DOORFLOW_CLIENT_SECRET"),
		RedirectURI:   get("LINTEL_REDIRECT_URI", "DOORFLOW_REDIRECT_URI"),
		WebhookSecret: get("LINTEL_WEBHOOK_SECRET", "DOORFLOW_WEBHOOK_SECRET"),
		Listen:        get("COWORKHQ_LISTEN"),
		DataDir:       get("COWORKHQ_DATA_DIR"),
		EventStream:   true,
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://127.0.0.1:8080"
		if get("DOORFLOW_CLIENT_ID") != "" && get("LINTEL_CLIENT_ID") == "" {
			c.BaseURL = lintel.DoorFlowBaseURL // the seed's .env: DoorFlow itself
		}
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:3333"
	}
	if c.DataDir == "" {
		c.DataDir = "coworkhq-data"
	}
	if c.RedirectURI == "" {
		c.RedirectURI = "http://" + c.Listen + "/api/auth/callback"
	}
	if v := get("COWORKHQ_EVENT_STREAM"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("COWORKHQ_EVENT_STREAM must be true or false")
		}
		c.EventStream = b
	}
	return c, c.validate()
}

func (c Config) validate() error {
	if c.ClientID == "" {
		return errors.New("LINTEL_CLIENT_ID is not set: copy .env.example to .env and fill it in, or run 'lintel demo --coworkhq' and pass the coworkhq.env it writes")
	}
	for name, v := range map[string]string{"LINTEL_BASE_URL": c.BaseURL, "LINTEL_REDIRECT_URI": c.RedirectURI} {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s must be an http(s) URL, not %q", name, v)
		}
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("COWORKHQ_LISTEN must be host:port, not %q", c.Listen)
	}
	return nil
}
