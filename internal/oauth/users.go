package oauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
)

// maxUsername and maxPassword bound credential input.
const (
	maxUsername = 320
	maxPassword = 1024
)

// errBadCredentials is the one answer for an unknown user, an unknown
// PIN, an ambiguous bare email and a wrong password alike.
var errBadCredentials = domain.Errorf(domain.EUNAUTHORIZED, "The username or password is incorrect")

// checkCredentials resolves a username and verifies the password.
//
// The username is "pin/email" (the account's enterprise PIN, a slash, the
// user's email) or a bare email that belongs to exactly one user. Every
// failure (a disabled operator's too) returns errBadCredentials after the
// same password-hash work, so the answer and its timing do not reveal which
// part was wrong. When the password gate is full it returns
// password.ErrBusy without checking. Other errors are internal.
func (s *Server) checkCredentials(ctx context.Context, username, pw string) (*domain.User, error) {
	user, err := s.findUser(ctx, username)
	if err != nil && err != errBadCredentials {
		return nil, err
	}
	hash := s.dummyPasswordHash()
	if user != nil {
		hash = user.PasswordHash
	}
	ok, verr := s.hashGate.Verify(ctx, hash, pw)
	if errors.Is(verr, password.ErrBusy) {
		return nil, verr
	}
	if user == nil || verr != nil || !ok || len(pw) > maxPassword || pw == "" || user.Disabled {
		return nil, errBadCredentials
	}
	return user, nil
}

// findUser returns the one user a username names, errBadCredentials when
// it names none or several.
func (s *Server) findUser(ctx context.Context, username string) (*domain.User, error) {
	username = strings.TrimSpace(username)
	if username == "" || len(username) > maxUsername {
		return nil, errBadCredentials
	}
	if pin, email, ok := strings.Cut(username, "/"); ok {
		acct, err := s.store.GetAccountByPIN(ctx, strings.TrimSpace(pin))
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, errBadCredentials
		}
		if err != nil {
			return nil, err
		}
		u, err := s.store.GetUserByEmail(ctx, acct.ID, email)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, errBadCredentials
		}
		return u, err
	}
	users, err := s.store.FindUsersByEmail(ctx, username)
	if err != nil {
		return nil, err
	}
	if len(users) != 1 {
		return nil, errBadCredentials
	}
	return users[0], nil
}

// Sign-in throttling: limits per username and per client address in a
// fixed window. The counters live in the store, so every server on one
// database shares them and a restart keeps them.
const (
	loginUserMax = 5
	loginAddrMax = 50
	loginWindow  = 15 * time.Minute
)

// throttleUsername is the email a username names, for the throttle: the
// part after "PIN/" when there is one. Every spelling that reaches the
// same user ("ops@example.com", "4711/ops@example.com",
// " 4711 / OPS@example.com") gets the same key, because the key is
// normalised exactly as the user lookup normalises the email.
func throttleUsername(username string) string {
	username = strings.TrimSpace(username)
	if _, email, ok := strings.Cut(username, "/"); ok {
		return store.UserThrottleKey(email)
	}
	return store.UserThrottleKey(username)
}

// clientIP is the address of the peer (proxies are not trusted here: a
// spoofable header must not let anyone dodge the limiter).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginAttempt is a sign-in attempt that has been counted.
type loginAttempt struct {
	userKey, addrKey string
}

// beginLogin counts a sign-in attempt against the username and the
// caller's address before any password work, so that concurrent guesses
// cannot all pass a check made before any of them is counted. It reports
// whether the attempt is over a limit, and for how many seconds.
func (s *Server) beginLogin(r *http.Request, username string) (*loginAttempt, bool, int, error) {
	ctx := r.Context()
	now := s.now()
	la := &loginAttempt{userKey: throttleUsername(username), addrKey: store.AddrThrottleKey(clientIP(r))}
	n, end, err := s.store.CountLoginAttempt(ctx, la.userKey, loginWindow, now)
	if err != nil {
		return nil, false, 0, err
	}
	if n > loginUserMax {
		return la, true, retrySeconds(end.Sub(now)), nil
	}
	n, end, err = s.store.CountLoginAttempt(ctx, la.addrKey, loginWindow, now)
	if err != nil {
		return nil, false, 0, err
	}
	if n > loginAddrMax {
		return la, true, retrySeconds(end.Sub(now)), nil
	}
	return la, false, 0, nil
}

func retrySeconds(d time.Duration) int {
	secs := int(d.Seconds() + 0.999)
	if secs < 1 {
		secs = 1
	}
	return secs
}

// loginSucceeded clears the username's counter and takes back the
// address's count: a correct password is not a guess.
func (s *Server) loginSucceeded(ctx context.Context, la *loginAttempt) {
	if _, err := s.store.ClearLoginAttempts(ctx, la.userKey); err != nil {
		s.log.WarnContext(ctx, "oauth: clear sign-in attempts", "err", err)
	}
	if err := s.store.ReleaseLoginAttempt(ctx, la.addrKey); err != nil {
		s.log.WarnContext(ctx, "oauth: release sign-in attempt", "err", err)
	}
}

// loginNotChecked takes back both counts of an attempt whose password was
// never checked (the server was too busy).
func (s *Server) loginNotChecked(ctx context.Context, la *loginAttempt) {
	for _, k := range []string{la.userKey, la.addrKey} {
		if err := s.store.ReleaseLoginAttempt(ctx, k); err != nil {
			s.log.WarnContext(ctx, "oauth: release sign-in attempt", "err", err)
		}
	}
}

// countAttempt counts one attempt against key (a second-factor code, a
// reset request, a current-password check) in the shared sign-in
// throttle, before the attempt is checked, and reports whether the key is
// over loginUserMax and for how many seconds. A store failure lets the
// attempt through (and is logged): the throttle must not lock everyone
// out when the database hiccups.
func (s *Server) countAttempt(ctx context.Context, key string) (bool, int) {
	now := s.now()
	n, end, err := s.store.CountLoginAttempt(ctx, key, loginWindow, now)
	if err != nil {
		s.log.WarnContext(ctx, "oauth: count attempt", "err", err)
		return false, 0
	}
	if n > loginUserMax {
		return true, retrySeconds(end.Sub(now))
	}
	return false, 0
}

// clearAttempts forgets key's attempts after a success.
func (s *Server) clearAttempts(ctx context.Context, key string) {
	if _, err := s.store.ClearLoginAttempts(ctx, key); err != nil {
		s.log.WarnContext(ctx, "oauth: clear attempts", "err", err)
	}
}
