// Package netguard decides which destinations Lintel's outgoing callbacks
// (application webhooks and notification-rule callbacks) may reach. One
// Guard serves both moments: when a URL is saved (CheckURL, so that an
// operator or integrator learns at once why a URL is refused) and when a
// delivery connects (Control, on the address actually dialled, so DNS
// rebinding cannot slip past the first check).
//
// Which addresses are public is the maintained list of code.dny.dev/ssrf
// (the IANA special-purpose registries): loopback, private, link-local
// (with the cloud metadata addresses 169.254.169.254 and fd00:ec2::254),
// carrier-grade NAT, documentation, benchmarking, multicast, reserved,
// IPv4-mapped and NAT64 IPv6, and everything outside IPv6 global unicast
// are refused. Names are refused when they can only be local (localhost,
// .local, .internal such as metadata.google.internal, names without a
// dot), when they spell a numeric address in a legacy form (2130706433,
// 0x7f.1, 0177.0.0.1) and when they resolve to a refused address.
//
// AllowPrivate (the server's --webhook-allow-private) turns the address
// checks off, for receivers on the same machine or network.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// ErrForbidden marks a destination outside the public internet.
var ErrForbidden = errors.New("destination is not a public address")

// Resolver looks names up; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard checks callback destinations. The zero value refuses every
// non-public destination and resolves names with net.DefaultResolver.
type Guard struct {
	// AllowPrivate admits private, loopback and other special addresses.
	AllowPrivate bool
	// Resolver is used by CheckURL; nil means net.DefaultResolver.
	Resolver Resolver
}

// guardian is the address policy: any port, TCP over IPv4 or IPv6.
var guardian = ssrf.New(ssrf.WithAnyPort())

// MaxURLLength is the longest callback URL accepted.
const MaxURLLength = 2048

// lookupTimeout bounds the name lookup of CheckURL.
const lookupTimeout = 3 * time.Second

// refused is a refusal of a non-public destination; it matches ErrForbidden.
type refused struct{ msg string }

func (e *refused) Error() string        { return e.msg }
func (e *refused) Is(target error) bool { return target == ErrForbidden }

func refuse(format string, args ...any) error { return &refused{fmt.Sprintf(format, args...)} }

// Public reports whether ip is a public unicast address.
func Public(ip netip.Addr) bool {
	return ip.IsValid() && guardian.SafeAddr(ip.WithZone("")) == nil
}

// Describe names the kind of a non-public address, for error messages.
func Describe(ip netip.Addr) string {
	u := ip.Unmap().WithZone("")
	kind := ""
	switch {
	case u == netip.MustParseAddr("169.254.169.254") || u == netip.MustParseAddr("fd00:ec2::254"):
		kind = "the cloud metadata address"
	case u.IsLoopback():
		kind = "a loopback address"
	case u.IsUnspecified():
		kind = "the unspecified address"
	case u.IsPrivate():
		kind = "a private address"
	case u.IsLinkLocalUnicast():
		kind = "a link-local address"
	case u.IsMulticast():
		kind = "a multicast address"
	case netip.MustParsePrefix("100.64.0.0/10").Contains(u):
		kind = "a carrier-grade NAT address"
	case u.Is4() && u.As4() == [4]byte{255, 255, 255, 255}:
		kind = "the broadcast address"
	default:
		kind = "a reserved or special-purpose address"
	}
	if ip.Is4In6() {
		return "an IPv4-mapped IPv6 address of " + kind
	}
	return kind
}

// CheckAddr returns nil when a callback may connect to ip.
func (g *Guard) CheckAddr(ip netip.Addr) error {
	if g != nil && g.AllowPrivate {
		return nil
	}
	if !Public(ip) {
		return refuse("%s is %s", ip, Describe(ip))
	}
	return nil
}

// Control is a net.Dialer Control function: it refuses connections to
// addresses CheckAddr refuses. It sees the address after name resolution.
func (g *Guard) Control(_, address string, _ syscall.RawConn) error {
	if g != nil && g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return refuse("%s is not an address", address)
	}
	return g.CheckAddr(ap.Addr())
}

// CheckURL validates a callback URL when it is saved: an absolute http or
// https URL of at most MaxURLLength bytes with a host and no credentials,
// whose host is not a local name, a numeric address in a legacy form, a
// non-public address, or a name that resolves to one (a name that does
// not resolve now is accepted: delivery checks again when it connects).
// Refusals of destinations match ErrForbidden; the message says why.
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	if len(raw) > MaxURLLength {
		return fmt.Errorf("must be at most %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("must be an absolute http or https URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must be an absolute http or https URL (http:// or https://)")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return errors.New("must be an absolute http or https URL with a host")
	}
	if u.User != nil {
		return errors.New("must not contain a user name or password")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return errors.New("has an invalid port")
		}
	}
	if g != nil && g.AllowPrivate {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.CheckAddr(ip)
	}
	if ip, ok := legacyIPv4(host); ok {
		return refuse("%s is a numeric address in a non-standard form (%s, %s)", u.Hostname(), ip, Describe(ip))
	}
	if err := checkName(host); err != nil {
		return err
	}
	r := Resolver(net.DefaultResolver)
	if g != nil && g.Resolver != nil {
		r = g.Resolver
	}
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(lctx, "ip", host)
	if err != nil {
		return nil // not resolvable now; the dial-time check still applies
	}
	for _, a := range addrs {
		if !Public(a) {
			return refuse("%s resolves to %s, %s", host, a.Unmap(), Describe(a))
		}
	}
	return nil
}

// checkName refuses host names that only a local network resolves.
func checkName(host string) error {
	switch {
	case host == "localhost" || strings.HasSuffix(host, ".localhost"):
		return refuse("%s is the local machine", host)
	case !strings.Contains(host, "."):
		return refuse("%s is a name without a dot, resolved on the local network", host)
	}
	for _, suffix := range []string{".local", ".internal", ".intranet", ".lan", ".home.arpa", ".localdomain", ".corp", ".in-addr.arpa", ".ip6.arpa"} {
		if strings.HasSuffix(host, suffix) {
			return refuse("%s is a local network name (%s)", host, suffix[1:])
		}
	}
	last := host[strings.LastIndexByte(host, '.')+1:]
	if _, err := strconv.ParseUint(last, 0, 64); err == nil || strings.HasPrefix(last, "0x") {
		return refuse("%s is not a valid host name (its last label is a number)", host)
	}
	return nil
}

// legacyIPv4 parses the forms inet_aton accepts and netip does not: one to
// four parts, each decimal, octal (leading 0) or hexadecimal (0x), the last
// part filling the remaining bytes (2130706433, 127.1, 0x7f.0.0.1,
// 0177.0.0.1, 127.000.000.001).
func legacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base, digits := 10, p
		switch {
		case strings.HasPrefix(p, "0x"):
			base, digits = 16, p[2:]
			if digits == "" {
				digits = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}
