package config

import (
	"flag"
	"os"
	"strings"
	"testing"
)

func parse(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	Env = func(k string) string { return env[k] }
	t.Cleanup(func() { Env = os.Getenv })
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	c := Bind(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

func TestDefaultsEnvAndFlags(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil || c.Listen != DefaultListen || c.DSN() != "lintel-data/lintel.db" {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, err = parse(t, map[string]string{"LINTEL_LISTEN": "0.0.0.0:9000", "LINTEL_DATABASE_URL": "postgres://u@h/db"})
	if err != nil || c.Listen != "0.0.0.0:9000" || c.DSN() != "postgres://u@h/db" || c.DatabaseDescription() != "postgres h/db" {
		t.Fatalf("env: %+v %v", c, err)
	}
	if c.RateLimit != 50 || c.AccountRateLimit != 200 {
		t.Fatalf("rate limit defaults: %v %v", c.RateLimit, c.AccountRateLimit)
	}
	if _, err := parse(t, map[string]string{"LINTEL_RATE_LIMIT": "fast"}); err == nil || !strings.Contains(err.Error(), "LINTEL_RATE_LIMIT") {
		t.Fatalf("unparsable LINTEL_RATE_LIMIT: %v", err)
	}
	c, err = parse(t, map[string]string{"LINTEL_LISTEN": "0.0.0.0:9000"}, "--listen", "127.0.0.1:0", "--public-url", "https://doors.example.com/")
	if err != nil || c.Listen != "127.0.0.1:0" || c.PublicURL != "https://doors.example.com" {
		t.Fatalf("flags: %+v %v", c, err)
	}
}

func TestValidateNamesTheFlag(t *testing.T) {
	for _, args := range [][]string{
		{"--listen", "8080"},
		{"--database-url", "mysql://x"},
		{"--public-url", "doors.example.com"},
		{"--log-level", "loud"},
		{"--log-format", "xml"},
		{"--rate-limit", "-1"},
		{"--account-rate-limit", "-3"},
		{"--smtp-url", "smtp://mail.example.com"},
		{"--smtp-url", "mailto:doors@example.com"},
		{"--metrics-listen", "9090"},
		{"--metrics-listen", "127.0.0.1:8080"}, // the public listener's own address
		{"--metrics-token", "short"},
		{"--metrics-token", "sixteen chars with spaces"},
	} {
		_, err := parse(t, nil, args...)
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: got %v", args, err)
		}
	}
}

// The metrics token is never part of an error message.
func TestMetricsTokenNotInErrors(t *testing.T) {
	_, err := parse(t, nil, "--metrics-token", "tooshort")
	if err == nil || strings.Contains(err.Error(), "tooshort") {
		t.Fatalf("got %v", err)
	}
	c, err := parse(t, nil, "--metrics-token", "0123456789abcdef", "--metrics-listen", "127.0.0.1:9090")
	if err != nil || c.MetricsToken != "0123456789abcdef" || c.MetricsListen != "127.0.0.1:9090" {
		t.Fatalf("valid metrics settings: %+v %v", c, err)
	}
}

func TestSMTPURL(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := c.Mailer(); err != nil || m.Enabled() {
		t.Fatalf("default: %v %v; want email disabled", m, err)
	}
	c, err = parse(t, map[string]string{"LINTEL_SMTP_URL": "smtps://u:s3cret@mail.example.com?from=doors@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := c.Mailer(); err != nil || !m.Enabled() || strings.Contains(m.String(), "s3cret") {
		t.Fatalf("env: %v %v", m, err)
	}
	_, err = parse(t, map[string]string{"LINTEL_SMTP_URL": "smtp://u:s3cret@mail.example.com"})
	if err == nil || !strings.Contains(err.Error(), "LINTEL_SMTP_URL") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("bad env URL: %v", err)
	}
}

func TestListCacheSize(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
		want int
		bad  bool
	}{
		{want: DefaultListCacheMB},
		{args: []string{"--list-cache-mb", "64"}, want: 64},
		{args: []string{"--list-cache-mb", "0"}, want: -1},
		{env: "0", want: -1},
		{env: "128", args: []string{"--list-cache-mb", "8"}, want: 8},
		{env: "lots", bad: true},
		{args: []string{"--list-cache-mb", "-3"}, bad: true},
		{args: []string{"--list-cache-mb", "99999"}, bad: true},
	} {
		env := map[string]string{}
		if tc.env != "" {
			env["LINTEL_LIST_CACHE_MB"] = tc.env
		}
		c, err := parse(t, env, tc.args...)
		if tc.bad {
			if err == nil || !strings.Contains(err.Error(), "list-cache-mb") && !strings.Contains(err.Error(), "MiB") {
				t.Errorf("env %q args %v: %v, want an error naming the flag", tc.env, tc.args, err)
			}
			continue
		}
		if err != nil || c.ListCacheMB != tc.want {
			t.Errorf("env %q args %v: %v %v, want %d", tc.env, tc.args, c, err, tc.want)
		}
	}
}
