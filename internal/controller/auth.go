package controller

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// secretPrefix starts every device secret, so a leaked one is recognisable.
const secretPrefix = "lcd_"

// NewSecret returns a fresh device secret: "lcd_" and 256 random bits in
// unpadded base64url.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// Digest returns the hex SHA-256 of a device secret, the only form stored.
func Digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Enrollment describes a controller to enrol.
type Enrollment struct {
	AccountID  int64
	Name       string
	ChannelIDs []int64 // doors it covers
	MACAddress string  // when set, it also covers every door of the account with this MAC
}

// Enroll creates a controller and returns it with its device secret, which
// is not stored and cannot be shown again. Errors: those of
// store.CreateController (EINVALID for no door or a door of another
// account).
func Enroll(ctx context.Context, st *store.Store, e Enrollment) (*store.Controller, string, error) {
	secret := NewSecret()
	c := &store.Controller{AccountID: e.AccountID, Name: e.Name, SecretDigest: Digest(secret)}
	if e.MACAddress != "" {
		mac := strings.ToLower(e.MACAddress)
		c.MACAddress = &mac
	}
	if err := st.CreateController(ctx, c, e.ChannelIDs); err != nil {
		return nil, "", err
	}
	return c, secret, nil
}

// device is the authenticated caller of a /controller/v1 request.
type device struct {
	c        *store.Controller
	channels []int64 // ascending
}

// covers reports whether the device serves the door.
func (d *device) covers(channelID int64) bool {
	for _, id := range d.channels {
		if id == channelID {
			return true
		}
	}
	return false
}

var errNoSecret = &domain.Error{Code: domain.EUNAUTHORIZED, Wire: "invalid_token",
	Message: "Send the controller's device secret as \"Authorization: Bearer <secret>\""}

// DeviceCacheTTL is how long the hub remembers an authenticated controller
// and its doors: a revocation, or a door given or taken a controller's MAC
// address, takes effect within it. Controllers call several times a
// second at busy sites; this spares the database two reads per call.
const DeviceCacheTTL = 5 * time.Second

// maxCachedDevices bounds the cache; past it, it starts again empty.
const maxCachedDevices = 10000

type cachedDevice struct {
	d     *device
	until time.Time
}

// authenticate resolves the bearer device secret. Errors: 401 when it is
// missing, unknown or revoked.
func (h *Hub) authenticate(r *http.Request) (*device, error) {
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(secret, secretPrefix) || len(secret) > 100 {
		return nil, errNoSecret
	}
	digest := Digest(secret)
	now := time.Now() // the wall clock, not h.now: tests may stop that one
	h.mu.Lock()
	cached, ok := h.devices[digest]
	h.mu.Unlock()
	if ok && now.Before(cached.until) {
		return cached.d, nil
	}
	d, err := h.lookupDevice(r.Context(), digest)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if len(h.devices) >= maxCachedDevices {
		h.devices = map[string]cachedDevice{}
	}
	h.devices[digest] = cachedDevice{d: d, until: now.Add(DeviceCacheTTL)}
	h.mu.Unlock()
	return d, nil
}

// lookupDevice reads the controller with the secret digest and its doors.
func (h *Hub) lookupDevice(ctx context.Context, digest string) (*device, error) {
	c, err := h.st.ControllerBySecretDigest(ctx, digest)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, &domain.Error{Code: domain.EUNAUTHORIZED, Wire: "invalid_token", Message: "The device secret is unknown or was revoked"}
	}
	if err != nil {
		return nil, err
	}
	chans, err := h.st.ControllerChannels(ctx, c)
	if err != nil {
		return nil, err
	}
	return &device{c: c, channels: chans}, nil
}

// serve wraps a handler with device authentication and error writing.
func (h *Hub) serve(fn func(w http.ResponseWriter, r *http.Request, d *device) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := h.authenticate(r)
		if err == nil {
			err = fn(w, r, d)
		}
		if err != nil {
			if domain.ErrorCode(err) == domain.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="lintel-controller"`)
			}
			httpx.WriteError(w, r, h.log, err)
		}
	}
}
