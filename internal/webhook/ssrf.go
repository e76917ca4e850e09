package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// EnvAllowPrivate names the environment variable that, when true, lets
// callback URLs reach private, loopback and other special addresses.
const EnvAllowPrivate = "LINTEL_WEBHOOK_ALLOW_PRIVATE"

// AllowPrivateFromEnv reports whether LINTEL_WEBHOOK_ALLOW_PRIVATE is set to
// a true value (1, t, true, ...).
func AllowPrivateFromEnv() bool {
	v, err := strconv.ParseBool(strings.TrimSpace(os.Getenv(EnvAllowPrivate)))
	return err == nil && v
}

// ErrForbiddenAddress is returned when a callback would connect to an
// address outside the public internet and private addresses are not allowed.
var ErrForbiddenAddress = errors.New("webhook: destination address is private or reserved")

// special lists ranges that are not public unicast beyond what netip's
// predicates catch.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 (embeds IPv4)
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments (Teredo, ...)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4 (embeds IPv4)
}

// PublicAddr reports whether ip is a public unicast address a callback may
// reach by default.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || !ip.IsGlobalUnicast() {
		return false
	}
	for _, p := range special {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// dialControl refuses connections to non-public addresses. It runs after
// name resolution, on the address actually dialled, so DNS rebinding cannot
// slip past it.
func dialControl(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !PublicAddr(ip) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
	}
	return nil
}

// NewHTTPClient returns the client deliveries use: no proxy from the
// environment, no redirects followed, and (unless allowPrivate) a dialer
// that refuses private and special addresses. maxConns bounds connections
// per host.
func NewHTTPClient(allowPrivate bool, maxConns int) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = dialControl
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   maxConns,
		MaxConnsPerHost:       maxConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// CheckURL validates a callback URL when it is configured: http or https,
// a host, no credentials, and (unless allowPrivate) not a literal private
// address or a local name. Names are checked again when dialled.
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("the URL must start with http:// or https://")
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("the URL has no host")
	}
	if u.User != nil {
		return errors.New("the URL must not contain credentials")
	}
	if allowPrivate {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".internal") {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
	}
	if ip, err := netip.ParseAddr(host); err == nil && !PublicAddr(ip) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
	}
	return nil
}

// lookupCheck resolves host and refuses it when any address is not public.
// Used by CheckURLResolve for early, friendlier errors.
func lookupCheck(ctx context.Context, host string) error {
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("cannot resolve %s: %w", host, err)
	}
	for _, a := range addrs {
		if !PublicAddr(a) {
			return fmt.Errorf("%w: %s resolves to %s", ErrForbiddenAddress, host, a)
		}
	}
	return nil
}

// CheckURLResolve is CheckURL plus a DNS lookup of the host: it refuses a
// name that currently resolves to a non-public address.
func CheckURLResolve(ctx context.Context, raw string, allowPrivate bool) error {
	if err := CheckURL(raw, allowPrivate); err != nil || allowPrivate {
		return err
	}
	u, _ := url.Parse(strings.TrimSpace(raw))
	if _, err := netip.ParseAddr(u.Hostname()); err == nil {
		return nil
	}
	return lookupCheck(ctx, u.Hostname())
}
