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
	DefaultInviteTTL   = 7 * 24 * time.Hour
	DefaultResetTTL    = time.Hour
	// mfaTTL is how long a password sign-in waits for its TOTP code.
	mfaTTL = 5 * time.Minute
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
	// RefreshGrace is how long a rotated refresh token presented again
	// gets the same new pair instead of revoking its family (0 means 30 s;
	// negative turns the grace window off).
	RefreshGrace time.Duration

	// HashSlots is how many password checks may run at once (0 means
	// password.DefaultSlots); HashQueue how many more may wait for a slot
	// (0 means password.DefaultQueue). Each check allocates 19 MiB; the
	// rest are refused with 503 and Retry-After.
	HashSlots, HashQueue int

	// SendMail sends an operator a plain-text email (invitations and
	// password resets). Nil means no mail is sent: the link is returned to
	// whoever asked for it (the console shows it to copy, the CLI prints it).
	SendMail func(ctx context.Context, to, subject, text string) error
	// TOTPKey is the 32-byte key TOTP secrets are sealed with. Nil means a
	// random key kept in the database's settings table (see
	// docs/operators.md).
	TOTPKey []byte
	// InviteTTL and ResetTTL are the lifetimes of invitation and password
	// reset links (0 means 7 days and 1 hour).
	InviteTTL, ResetTTL time.Duration
}

// Server is the OAuth 2.0 authorization server. It is safe for concurrent use.
type Server struct {
	store        *store.Store
	issuer       string
	secure       bool // the issuer is https: cookies get Secure
	log          *slog.Logger
	now          domain.Clock
	accessTTL    time.Duration
	codeTTL      time.Duration
	refreshIdle  time.Duration
	sessionTTL   time.Duration
	refreshGrace time.Duration
	inviteTTL    time.Duration
	resetTTL     time.Duration
	sendMail     func(ctx context.Context, to, subject, text string) error
	totpSealKey  []byte

	clientFails *limiter       // failed client authentications per client_id and address
	hashGate    *password.Gate // bounds concurrent password checks

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
		store:        cfg.Store,
		issuer:       iss,
		secure:       strings.HasPrefix(iss, "https://"),
		log:          cfg.Log,
		now:          cfg.Now,
		accessTTL:    orDefault(cfg.AccessTTL, DefaultAccessTTL),
		codeTTL:      orDefault(cfg.CodeTTL, DefaultCodeTTL),
		refreshIdle:  orDefault(cfg.RefreshIdle, DefaultRefreshIdle),
		sessionTTL:   orDefault(cfg.SessionTTL, DefaultSessionTTL),
		refreshGrace: orDefault(cfg.RefreshGrace, DefaultRefreshGrace),
		inviteTTL:    orDefault(cfg.InviteTTL, DefaultInviteTTL),
		resetTTL:     orDefault(cfg.ResetTTL, DefaultResetTTL),
		sendMail:     cfg.SendMail,
		totpSealKey:  cfg.TOTPKey,
	}
	if cfg.RefreshGrace < 0 {
		s.refreshGrace = -1
	}
	if cfg.TOTPKey != nil && len(cfg.TOTPKey) != 32 {
		return nil, errors.New("oauth: Config.TOTPKey must be 32 bytes")
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	clock := func() time.Time { return s.now() }
	s.hashGate = password.NewGate(cfg.HashSlots, cfg.HashQueue, 0)
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
//	GET  /oauth/invite, POST /oauth/invite       accept an invitation (?token=)
//	GET  /oauth/reset, POST /oauth/reset         reset a password (?token=)
//	GET  /oauth/forgot, POST /oauth/forgot       ask for a reset link by email
//	GET  /oauth/totp, POST /oauth/totp           the second factor at sign-in
//	GET  /oauth/account/password, POST ...       change one's password
//	GET  /oauth/account/totp, POST ...           set up or remove TOTP
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/authorize", s.handleAuthorizeGet)
	mux.HandleFunc("POST /oauth/authorize", s.handleAuthorizePost)
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("POST /oauth/revoke", s.handleRevoke)
	mux.HandleFunc("GET /oauth/token/info", s.handleTokenInfo)
	mux.HandleFunc("GET /oauth/logout", s.handleLogoutGet)
	mux.HandleFunc("POST /oauth/logout", s.handleLogoutPost)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", s.handleMetadata)
	s.registerOperatorPages(mux)
}

// Purge deletes what can no longer be used: authorization codes and access
// tokens that expired more than a day before now, expired login
// sessions, sign-in counters whose window has ended and the sealed pairs
// of refresh tokens whose grace window has passed. Refresh tokens stay while their family lives, so a replay is
// still recognised. Call it now and then (for example hourly).
func (s *Server) Purge(ctx context.Context) error {
	cutoff := s.now().Add(-24 * time.Hour)
	if _, err := s.store.DeleteExpiredOAuthCodes(ctx, cutoff); err != nil {
		return err
	}
	if _, err := s.store.DeleteExpiredOAuthAccessTokens(ctx, cutoff); err != nil {
		return err
	}
	if _, err := s.store.ClearOAuthRefreshSuccessors(ctx, s.now().Add(-s.refreshGrace)); err != nil {
		return err
	}
	if _, err := s.store.DeleteExpiredLoginAttempts(ctx, s.now().Add(-loginWindow)); err != nil {
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
