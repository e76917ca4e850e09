package webhook

import (
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/netguard"
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
var ErrForbiddenAddress = netguard.ErrForbidden

// NewHTTPClient returns the client deliveries use: no proxy from the
// environment, no redirects followed, and (unless allowPrivate) a dialer
// that refuses what netguard refuses, on the address actually dialled, so
// DNS rebinding cannot slip past the check made when the URL was saved.
// maxConns bounds connections per host.
func NewHTTPClient(allowPrivate bool, maxConns int) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = (&netguard.Guard{}).Control
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
