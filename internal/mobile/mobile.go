package mobile

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/mail"
	"github.com/lintel-dev/lintel/internal/store"
)

// InvitationTTL is how long an invitation link works by default.
const InvitationTTL = 7 * 24 * time.Hour

// Config configures a Service.
type Config struct {
	Store   *store.Store
	Mail    *mail.Sender // nil: links are handed over by the operator
	BaseURL string       // the public base URL links start with
	Log     *slog.Logger
	Now     domain.Clock  // nil means time.Now
	TTL     time.Duration // zero means InvitationTTL
}

// Service issues mobile credentials and serves their activation pages.
type Service struct {
	st   *store.Store
	mail *mail.Sender
	base string
	log  *slog.Logger
	now  domain.Clock
	ttl  time.Duration
}

// New returns a Service over cfg.
func New(cfg Config) *Service {
	s := &Service{st: cfg.Store, mail: cfg.Mail, base: strings.TrimRight(cfg.BaseURL, "/"), log: cfg.Log, now: cfg.Now, ttl: cfg.TTL}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl <= 0 {
		s.ttl = InvitationTTL
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// secretBytes is the size of an invitation secret and of a code.
const secretBytes = 32

func newSecret() string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newCode returns a fresh holder code: 128 random bits as 26 upper-case
// base32 characters (QR alphanumeric mode, easy to type at a console).
func newCode() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// plausibleSecret reports whether s has the shape of a secret newSecret
// makes, saving a database round trip for garbage.
func plausibleSecret(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(secretBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// Issue gives a person a mobile credential c (AccountID, PersonID,
// CredentialTypeID and CreatedAt set) with an invitation, and sends it
// (see the package comment). The write is the caller's (ctx carries its
// actor). Errors: those of store.IssueMobileCredential; a failure to send
// the email is not one (the link is returned with Emailed false and the
// failure logged).
func (s *Service) Issue(ctx context.Context, c *domain.Credential) (*domain.MobileInvitation, error) {
	raw := newSecret()
	now := s.now().UTC()
	inv := &store.MobileInvitation{Digest: digest(raw), CreatedAt: now, ExpiresAt: now.Add(s.ttl)}
	if err := s.st.IssueMobileCredential(ctx, c, inv); err != nil {
		return nil, err
	}
	return s.send(ctx, c, raw, inv), nil
}

// Renew replaces the invitation of a person's credential still invited
// and sends the new one (earlier links stop working). Errors: ENOTFOUND;
// ECONFLICT for a credential that is not invited.
func (s *Service) Renew(ctx context.Context, accountID, personID int64, uid string) (*domain.MobileInvitation, error) {
	raw := newSecret()
	now := s.now().UTC()
	inv := &store.MobileInvitation{Digest: digest(raw), CreatedAt: now, ExpiresAt: now.Add(s.ttl)}
	c, err := s.st.RenewMobileInvitation(ctx, accountID, personID, uid, inv)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, c, raw, inv), nil
}

// send emails the link when it can and returns what the caller shows.
func (s *Service) send(ctx context.Context, c *domain.Credential, raw string, inv *store.MobileInvitation) *domain.MobileInvitation {
	out := &domain.MobileInvitation{URL: s.base + "/mobile/activate?" + url.Values{"token": {raw}}.Encode(), ExpiresAt: inv.ExpiresAt}
	if !s.mail.Enabled() {
		return out
	}
	p, err := s.st.GetPerson(ctx, c.AccountID, c.PersonID)
	if err != nil || p.Email == nil || *p.Email == "" {
		return out
	}
	acct, err := s.st.GetAccount(ctx, c.AccountID)
	if err != nil {
		s.log.Warn("mobile invitation not emailed", "credential", c.UID, "err", err)
		return out
	}
	msg := mail.Message{To: *p.Email, Subject: "Your mobile key for " + acct.Name, Text: fmt.Sprintf(
		"Hello %s,\n\n%s has given you a mobile key (%s). Open this link on your phone to activate it; it works once, until %s:\n\n%s\n\nYou will get a code to show at the door. If you did not expect this, ignore this email.\n",
		p.FirstName, acct.Name, c.Label, inv.ExpiresAt.UTC().Format("2 Jan 2006 15:04 MST"), out.URL)}
	if err := s.mail.Send(ctx, msg); err != nil {
		// The link itself never goes to the log.
		s.log.Warn("mobile invitation not emailed: the operator is shown the link instead", "credential", c.UID, "err", err)
		return out
	}
	out.Emailed = true
	return out
}
