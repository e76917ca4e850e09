package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// fakeDNS answers from a table; other names do not resolve.
type fakeDNS map[string][]string

func (f fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	list, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

var dns = fakeDNS{
	"hooks.example.com":       {"93.184.216.34"},
	"v6.example.com":          {"2606:4700::1111"},
	"internal.attacker.test":  {"10.0.0.5"},
	"rebind.attacker.test":    {"93.184.216.34", "127.0.0.1"},
	"169.254.169.254.nip.io":  {"169.254.169.254"},
	"metadata.attacker.test":  {"fd00:ec2::254"},
	"mapped.attacker.test":    {"::ffff:192.168.1.1"},
	"ula.attacker.test":       {"fc00::7"},
	"cgnat.attacker.test":     {"100.64.0.1"},
	"unresolvable.example.io": nil,
}

// TestCheckURLRefuses walks URL forms an attacker uses to reach the
// server's own network; each must be refused, and say why.
func TestCheckURLRefuses(t *testing.T) {
	g := &Guard{Resolver: dns}
	forbidden := map[string]string{
		"http://127.0.0.1/":                        "loopback",
		"http://127.1/":                            "non-standard form",
		"http://2130706433/":                       "non-standard form (127.0.0.1",
		"http://017700000001/":                     "non-standard form (127.0.0.1",
		"http://0x7f000001/":                       "non-standard form (127.0.0.1",
		"http://0x7f.0.0.1/":                       "non-standard form (127.0.0.1",
		"http://0177.0.0.1/":                       "non-standard form (127.0.0.1",
		"http://127.000.000.001/":                  "non-standard form",
		"http://0/":                                "non-standard form (0.0.0.0",
		"http://0.0.0.0:8080/":                     "unspecified",
		"http://10.0.0.8/":                         "private",
		"http://172.16.5.4/":                       "private",
		"http://192.168.1.1/":                      "private",
		"http://169.254.169.254/latest/meta-data/": "metadata",
		"http://[fd00:ec2::254]/":                  "metadata",
		"http://metadata.google.internal/":         "local network name",
		"http://metadata/computeMetadata/v1/":      "without a dot",
		"http://100.64.0.1/":                       "carrier-grade NAT",
		"http://[::1]/":                            "loopback",
		"http://[::]/":                             "unspecified",
		"http://[::ffff:127.0.0.1]/":               "IPv4-mapped",
		"http://[::ffff:7f00:1]/":                  "IPv4-mapped",
		"http://[::ffff:169.254.169.254]/":         "IPv4-mapped",
		"http://[fe80::1%25eth0]/":                 "link-local",
		"http://[fc00::1]/":                        "private",
		"http://[64:ff9b::7f00:1]/":                "reserved",
		"http://[2002:7f00:1::]/":                  "reserved",
		"http://224.0.0.1/":                        "multicast",
		"http://255.255.255.255/":                  "broadcast",
		"http://localhost:8080/":                   "local machine",
		"http://LOCALHOST./":                       "local machine",
		"http://api.localhost/":                    "local machine",
		"http://printer.local/":                    "local network name",
		"http://internal.attacker.test/":           "resolves to 10.0.0.5, a private",
		"http://rebind.attacker.test/":             "resolves to 127.0.0.1",
		"http://169.254.169.254.nip.io/":           "metadata",
		"http://metadata.attacker.test/":           "metadata",
		"http://mapped.attacker.test/":             "resolves to 192.168.1.1",
		"http://ula.attacker.test/":                "private",
		"http://cgnat.attacker.test/":              "carrier-grade NAT",
		"http://hooks.example.com#@127.0.0.1/":     "",
		"http://1.2.3.999/":                        "last label is a number",
	}
	for raw, why := range forbidden {
		err := g.CheckURL(context.Background(), raw)
		if why == "" {
			continue // a form that is harmless here, checked below
		}
		if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), why) {
			t.Errorf("CheckURL(%q) = %v; want a refusal saying %q", raw, err, why)
		}
	}
	// Malformed or tricky URLs: refused, not as a destination but as a URL.
	for _, raw := range []string{
		"http://user:pw@hooks.example.com/", "http://hooks.example.com@127.0.0.1/", "http://127.0.0.1\\@hooks.example.com/",
		"ftp://hooks.example.com/", "file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "dict://127.0.0.1:11211/stat",
		"javascript:alert(1)", "https:hooks.example.com", "//hooks.example.com/x", "/relative", "https://", "not a url",
		"http://hooks.example.com:99999/", "http://hooks.example.com:0/", "http://exa mple.com/", "http://hooks.example.com/\x00",
		"https://hooks.example.com/" + strings.Repeat("a", MaxURLLength),
	} {
		if err := g.CheckURL(context.Background(), raw); err == nil {
			t.Errorf("CheckURL(%q) accepted", raw)
		}
	}
	// The fragment trick keeps the real host: accepted, and it is public.
	for _, raw := range []string{
		"https://hooks.example.com/in", "http://93.184.216.34:8080/x", "https://[2606:4700::1111]/", "https://v6.example.com/",
		"https://HOOKS.example.com./in", "http://hooks.example.com#@127.0.0.1/", "https://unresolvable.example.io/hook",
	} {
		if err := g.CheckURL(context.Background(), raw); err != nil {
			t.Errorf("CheckURL(%q) = %v, want accepted", raw, err)
		}
	}
	// With private targets allowed, only the form is checked.
	allow := &Guard{AllowPrivate: true, Resolver: dns}
	for _, raw := range []string{"http://127.0.0.1:9/", "http://localhost/", "http://internal.attacker.test/", "http://[::1]/"} {
		if err := allow.CheckURL(context.Background(), raw); err != nil {
			t.Errorf("allowed CheckURL(%q) = %v", raw, err)
		}
	}
	for _, raw := range []string{"file:///etc/passwd", "http://u:p@127.0.0.1/"} {
		if err := allow.CheckURL(context.Background(), raw); err == nil {
			t.Errorf("allowed CheckURL(%q) accepted", raw)
		}
	}
}

func TestLegacyIPv4(t *testing.T) {
	for in, want := range map[string]string{
		"2130706433": "127.0.0.1", "127.1": "127.0.0.1", "0x7f.1": "127.0.0.1", "0177.0.0.1": "127.0.0.1",
		"10.0x10.1": "10.16.0.1", "0": "0.0.0.0", "0xa9fea9fe": "169.254.169.254", "3232235777": "192.168.1.1",
	} {
		got, ok := legacyIPv4(in)
		if !ok || got.String() != want {
			t.Errorf("legacyIPv4(%q) = %v %v, want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"example.com", "1.2.3.4.5", "256.1.1.1", "1.16777216", "08.1.1.1", "4294967296", ""} {
		if got, ok := legacyIPv4(in); ok {
			t.Errorf("legacyIPv4(%q) = %v, want no address", in, got)
		}
	}
}

// Control refuses at connect time whatever the name resolved to.
func TestControlAtDial(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	dial := func(g *Guard) error {
		d := &net.Dialer{Timeout: 2 * time.Second, Control: g.Control}
		c, err := d.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(&Guard{}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("loopback dial: %v", err)
	}
	if err := dial(&Guard{AllowPrivate: true}); err != nil {
		t.Fatalf("allowed loopback dial: %v", err)
	}
	for ip, want := range map[string]bool{
		"93.184.216.34": true, "2606:4700::1111": true, "8.8.8.8": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "255.255.255.255": false, "224.0.0.1": false, "198.18.0.1": false,
		"::1": false, "fe80::1": false, "fc00::1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false,
		"64:ff9b::a00:1": false, "2002:a00:1::": false, "::": false, "2001:db8::1": false,
	} {
		if got := Public(netip.MustParseAddr(ip)); got != want {
			t.Errorf("Public(%s) = %v, want %v", ip, got, want)
		}
	}
}
