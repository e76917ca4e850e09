// Package config turns flags and LINTEL_* environment variables into one
// validated Config. Flags win over the environment; the environment wins
// over the defaults.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lintel-dev/lintel/internal/mail"
)

// Defaults.
const (
	DefaultListen  = "127.0.0.1:8080"
	DefaultDataDir = "./lintel-data"
	SQLiteFile     = "lintel.db"

	DefaultRateLimit        = 50  // API requests per second per credential
	DefaultAccountRateLimit = 200 // API requests per second per account
)

// Config is what every subcommand that touches the database or serves HTTP needs.
type Config struct {
	Listen      string // host:port to listen on
	DataDir     string // holds the SQLite file and demo.json
	DatabaseURL string // postgres:// URL; empty means SQLite in DataDir
	PublicURL   string // base URL clients see (OAuth issuer); empty means derived from Listen
	LogLevel    string // debug|info|warn|error
	LogFormat   string // text|json
	// RateLimit and AccountRateLimit are sustained API requests per second
	// per credential (token or key) and per account; bursts are 4x.
	RateLimit        float64
	AccountRateLimit float64
	// WebhookAllowPrivate lets webhook and notification callbacks reach
	// loopback and private addresses (refused by default against SSRF).
	WebhookAllowPrivate bool
	// RequireSubscriptionKey makes every API call need an
	// Ocp-Apim-Subscription-Key, on every account.
	RequireSubscriptionKey bool
	// SMTPURL names the relay for outgoing email (mobile credential
	// invitations); empty means no email. See internal/mail for its form.
	SMTPURL string
	// MetricsListen, when set, serves /metrics on its own listener at
	// this host:port and no longer on the public one.
	MetricsListen string
	// MetricsToken, when set, makes /metrics require "Authorization:
	// Bearer <MetricsToken>". It is a secret: never logged.
	MetricsToken string
	// ListCacheMB is the memory, in MiB, of the cache of encoded list
	// pages (people, credentials, events; see internal/api): 0 means
	// DefaultListCacheMB, a negative value turns the cache off
	// (--list-cache-mb 0).
	ListCacheMB int
}

// DefaultListCacheMB is the list cache's default size, and MaxListCacheMB
// the largest accepted.
const (
	DefaultListCacheMB = 32
	MaxListCacheMB     = 16384
)

// listCacheFlag reads --list-cache-mb: a whole number of MiB, where 0
// turns the cache off (kept as -1, since 0 in a Config means the default).
type listCacheFlag struct{ mb *int }

func (f listCacheFlag) String() string {
	if f.mb == nil {
		return ""
	}
	return strconv.Itoa(max(*f.mb, 0))
}

func (f listCacheFlag) Set(v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a whole number of MiB (0 turns the cache off)", v)
	}
	if n == 0 {
		n = -1
	}
	*f.mb = n
	return nil
}

// MinMetricsTokenLength is the shortest --metrics-token accepted.
const MinMetricsTokenLength = 16

// Env is os.Getenv, replaceable in tests.
var Env = os.Getenv

func envOr(key, def string) string {
	if v := strings.TrimSpace(Env(key)); v != "" {
		return v
	}
	return def
}

// Bind registers the shared flags on fs with defaults taken from the
// environment, and returns the Config they fill.
func Bind(fs *flag.FlagSet) *Config {
	c := &Config{}
	fs.StringVar(&c.Listen, "listen", envOr("LINTEL_LISTEN", DefaultListen), "`address` to listen on (env LINTEL_LISTEN); port 0 picks a free port")
	fs.StringVar(&c.DataDir, "data-dir", envOr("LINTEL_DATA_DIR", DefaultDataDir), "`directory` for the SQLite database and demo.json (env LINTEL_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", envOr("LINTEL_DATABASE_URL", ""), "PostgreSQL `URL` (postgres://...); empty uses SQLite in the data directory (env LINTEL_DATABASE_URL)")
	fs.StringVar(&c.PublicURL, "public-url", envOr("LINTEL_PUBLIC_URL", ""), "public base `URL` used as the OAuth issuer and in links; default http://<listen address> (env LINTEL_PUBLIC_URL)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("LINTEL_LOG_LEVEL", "info"), "log `level`: debug, info, warn or error (env LINTEL_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", envOr("LINTEL_LOG_FORMAT", "text"), "log `format`: text or json (env LINTEL_LOG_FORMAT)")
	fs.Float64Var(&c.RateLimit, "rate-limit", envFloat("LINTEL_RATE_LIMIT", DefaultRateLimit), "API `requests` per second per access token or API key; bursts are 4x (env LINTEL_RATE_LIMIT)")
	fs.Float64Var(&c.AccountRateLimit, "account-rate-limit", envFloat("LINTEL_ACCOUNT_RATE_LIMIT", DefaultAccountRateLimit), "API `requests` per second per account, all its credentials together; bursts are 4x (env LINTEL_ACCOUNT_RATE_LIMIT)")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", envBool("LINTEL_WEBHOOK_ALLOW_PRIVATE"), "let webhook callbacks reach loopback and private networks (env LINTEL_WEBHOOK_ALLOW_PRIVATE=true)")
	fs.BoolVar(&c.RequireSubscriptionKey, "require-subscription-key", envBool("LINTEL_REQUIRE_SUBSCRIPTION_KEY"), "refuse every API call without a valid Ocp-Apim-Subscription-Key, before its token is looked at (env LINTEL_REQUIRE_SUBSCRIPTION_KEY=true)")
	fs.StringVar(&c.SMTPURL, "smtp-url", envOr("LINTEL_SMTP_URL", ""), "SMTP relay `URL` for invitation emails, smtp://[user:pass@]host[:port]?from=ADDR[&tls=starttls|tls|none] or smtps://...; empty sends none (env LINTEL_SMTP_URL)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", envOr("LINTEL_METRICS_LISTEN", ""), "serve /metrics on its own `address` (host:port) instead of the public listener; empty serves it on --listen (env LINTEL_METRICS_LISTEN)")
	fs.StringVar(&c.MetricsToken, "metrics-token", envOr("LINTEL_METRICS_TOKEN", ""), "require \"Authorization: Bearer `TOKEN`\" for /metrics (at least 16 characters; prefer the environment variable, which other users cannot see in the process list); empty lets anyone who reaches the listener read it (env LINTEL_METRICS_TOKEN)")
	c.ListCacheMB = DefaultListCacheMB
	if v := strings.TrimSpace(Env("LINTEL_LIST_CACHE_MB")); v != "" {
		if err := (listCacheFlag{&c.ListCacheMB}).Set(v); err != nil {
			c.ListCacheMB = MaxListCacheMB + 1 // reported by Validate
		}
	}
	fs.Var(listCacheFlag{&c.ListCacheMB}, "list-cache-mb", "`MiB` of memory for encoded list pages (people, credentials, events), checked against the database on every request; 0 turns the cache off (env LINTEL_LIST_CACHE_MB)")
	return c
}

// Mailer returns the sender SMTPURL describes: nil (disabled) when it is empty.
func (c *Config) Mailer() (*mail.Sender, error) {
	s, err := mail.ParseURL(c.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url (LINTEL_SMTP_URL): %w", err)
	}
	return s, nil
}

// envBool reads a boolean from the environment ("1", "true", "yes" are true).
func envBool(key string) bool {
	switch strings.ToLower(strings.TrimSpace(Env(key))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// envFloat reads a number from the environment. A value that does not parse
// is kept as NaN so that Validate reports it instead of silently using def.
func envFloat(key string, def float64) float64 {
	v := strings.TrimSpace(Env(key))
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// Validate checks the config and normalises it. Its errors say what to change.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("--listen %q is not host:port (for example 127.0.0.1:8080)", c.Listen))
	}
	if c.DatabaseURL != "" && !isPostgresURL(c.DatabaseURL) {
		errs = append(errs, fmt.Errorf("--database-url must start with postgres:// or postgresql:// (leave it empty for SQLite)"))
	}
	if c.DatabaseURL == "" && strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			errs = append(errs, fmt.Errorf("--public-url %q must be an http(s) origin such as https://doors.example.com", c.PublicURL))
		}
		c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	}
	if _, err := c.Level(); err != nil {
		errs = append(errs, err)
	}
	// Zero means the default, so that a Config built in code needs no limits.
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.AccountRateLimit == 0 {
		c.AccountRateLimit = DefaultAccountRateLimit
	}
	if !(c.RateLimit > 0) || c.RateLimit > 1e6 {
		errs = append(errs, fmt.Errorf("--rate-limit (LINTEL_RATE_LIMIT) must be a number of requests per second above 0"))
	}
	if !(c.AccountRateLimit > 0) || c.AccountRateLimit > 1e6 {
		errs = append(errs, fmt.Errorf("--account-rate-limit (LINTEL_ACCOUNT_RATE_LIMIT) must be a number of requests per second above 0"))
	}
	if _, err := c.Mailer(); err != nil {
		errs = append(errs, err)
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			errs = append(errs, fmt.Errorf("--metrics-listen %q is not host:port (for example 127.0.0.1:9090)", c.MetricsListen))
		} else if c.MetricsListen == c.Listen && !strings.HasSuffix(c.Listen, ":0") {
			errs = append(errs, fmt.Errorf("--metrics-listen must differ from --listen (leave it empty to serve /metrics on --listen)"))
		}
	}
	if c.ListCacheMB > MaxListCacheMB {
		errs = append(errs, fmt.Errorf("--list-cache-mb (LINTEL_LIST_CACHE_MB) must be a whole number of MiB from 0 (off) to %d", MaxListCacheMB))
	}
	if c.MetricsToken != "" && (len(c.MetricsToken) < MinMetricsTokenLength || strings.ContainsAny(c.MetricsToken, " \t\r\n")) {
		// The token itself is never part of a message.
		errs = append(errs, fmt.Errorf("--metrics-token (LINTEL_METRICS_TOKEN) must be at least %d characters without spaces", MinMetricsTokenLength))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q must be text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// Level parses LogLevel.
func (c *Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("--log-level %q must be debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// isPostgresURL reports whether a database URL selects PostgreSQL: the
// prefixes the store recognises in its DSN.
func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// DSN returns what store.Open takes: the PostgreSQL URL, or the SQLite file path.
func (c *Config) DSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, SQLiteFile)
}

// DatabaseDescription names the database without credentials, for logs.
func (c *Config) DatabaseDescription() string {
	if c.DatabaseURL == "" {
		return "sqlite " + c.DSN()
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "postgres"
	}
	return "postgres " + u.Host + u.Path
}

// Logger builds the slog logger the config asks for, writing to w.
func (c *Config) Logger(w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	level, _ := c.Level()
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
