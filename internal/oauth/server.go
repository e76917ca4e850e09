package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
)

// Defaults for the lifetimes Config leaves at zero.
const (
	DefaultAccessTTL   = time.Hour
	DefaultCodeTTL     = 10 * time.Minute
	DefaultRefreshIdle = 90 * 24 * time.Hour
	DefaultSessionTTL  = 12 * time.Hour
)

// Config configures a Server. Store and Issuer are required.
type Config struct {
	Store     *store.Store
	Issuer    string        // public base URL, e.g. "http://127.0.0.1:8080" (no trailing slash)
	Log       *slog.Logger  // nil discards
	Now       domain.Clock  // nil means time.Now
	AccessTTL time.Duration // 0 means 3600 s

	// CodeTTL is the lifetime of an authorization code (0 means 10 minutes,
	// the lifetime DoorFlow documents; it may not exceed 10 minutes).
	CodeTTL time.Duration
	// RefreshIdle revokes a refresh token unused for this long (0 means 90 days).
	RefreshIdle time.Duration
	// SessionTTL is the lifetime of a login session (0 means 12 hours).
	SessionTTL time.Duration
}

// Server is the OAuth 2.0 authorization server. It is safe for concurrent use.
type Server struct {
	store       *store.Store
	issuer      string
	secure      bool // the issuer is https: cookies get Secure
	log         *slog.Logger
	now         domain.Clock
	accessTTL   time.Duration
	codeTTL     time.Duration
	refreshIdle time.Duration
	sessionTTL  time.Duration

	loginUser   *limiter // failed logins and password grants per username
	loginIP     *limiter // the same, per client address
	clientFails *limiter // failed client authentications per client_id

	dummyOnce sync.Once
	dummyHash string // verified against when a username is unknown, to even out timing
}

// New checks cfg and returns a Server. A missing store, or an issuer that
// is not an absolute http(s) URL without a trailing slash, is an error.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("oauth: Config.Store is required")
	}
	iss := cfg.Issuer
	if !(strings.HasPrefix(iss, "http://") || strings.HasPrefix(iss, "https://")) || strings.HasSuffix(iss, "/") ||
		strings.ContainsAny(iss, "?# ") || len(iss) <= len("https://") {
		return nil, errors.New("oauth: Config.Issuer must be an absolute http(s) base URL without a trailing slash")
	}
	if cfg.CodeTTL > DefaultCodeTTL {
		return nil, errors.New("oauth: Config.CodeTTL may not exceed 10 minutes")
	}
	s := &Server{
		store:       cfg.Store,
		issuer:      iss,
		secure:      strings.HasPrefix(iss, "https://"),
		log:         cfg.Log,
		now:         cfg.Now,
		accessTTL:   orDefault(cfg.AccessTTL, DefaultAccessTTL),
		codeTTL:     orDefault(cfg.CodeTTL, DefaultCodeTTL),
		refreshIdle: orDefault(cfg.RefreshIdle, DefaultRefreshIdle),
		sessionTTL:  orDefault(cfg.SessionTTL, DefaultSessionTTL),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	clock := func() time.Time { return s.now() }
	s.loginUser = newLimiter(5, 15*time.Minute, clock)
	s.loginIP = newLimiter(50, 15*time.Minute, clock)
	s.clientFails = newLimiter(10, time.Minute, clock)
	return s, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Register adds every OAuth route to mux:
//
//	GET  /oauth/authorize                        login or consent page (or a redirect)
//	POST /oauth/authorize                        login form and consent form
//	POST /oauth/token                            token endpoint (RFC 6749)
//	POST /oauth/revoke                           revocation (RFC 7009)
//	GET  /oauth/token/info                       DoorFlow token info
//	GET  /oauth/logout, POST /oauth/logout       end the login session
//	GET  /.well-known/oauth-authorization-server metadata (RFC 8414)
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/authorize", s.handleAuthorizeGet)
	mux.HandleFunc("POST /oauth/authorize", s.handleAuthorizePost)
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("POST /oauth/revoke", s.handleRevoke)
	mux.HandleFunc("GET /oauth/token/info", s.handleTokenInfo)
	mux.HandleFunc("GET /oauth/logout", s.handleLogoutGet)
	mux.HandleFunc("POST /oauth/logout", s.handleLogoutPost)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", s.handleMetadata)
}

// Purge deletes what can no longer be used: authorization codes and access
// tokens that expired more than a day before now, and expired login
// sessions. Refresh tokens stay while their family lives, so a replay is
// still recognised. Call it now and then (for example hourly).
func (s *Server) Purge(ctx context.Context) error {
	cutoff := s.now().Add(-24 * time.Hour)
	if _, err := s.store.DeleteExpiredOAuthCodes(ctx, cutoff); err != nil {
		return err
	}
	if _, err := s.store.DeleteExpiredOAuthAccessTokens(ctx, cutoff); err != nil {
		return err
	}
	_, err := s.store.DeleteExpiredSessions(ctx, s.now())
	return err
}

// dummyPasswordHash returns a hash to verify against when the username is
// unknown, so that unknown users and wrong passwords take the same time.
func (s *Server) dummyPasswordHash() string {
	s.dummyOnce.Do(func() {
		h, err := password.Hash(newSecret())
		if err == nil {
			s.dummyHash = h
		}
	})
	return s.dummyHash
}
