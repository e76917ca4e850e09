package oauth

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
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
// failure returns errBadCredentials after the same password-hash work, so
// the answer and its timing do not reveal which part was wrong. Other
// errors are internal.
func (s *Server) checkCredentials(ctx context.Context, username, pw string) (*domain.User, error) {
	user, err := s.findUser(ctx, username)
	if err != nil && err != errBadCredentials {
		return nil, err
	}
	hash := s.dummyPasswordHash()
	if user != nil {
		hash = user.PasswordHash
	}
	ok, verr := password.Verify(hash, pw)
	if user == nil || verr != nil || !ok || len(pw) > maxPassword || pw == "" {
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

// throttleKey normalises a username for the brute-force limiter.
func throttleKey(username string) string {
	return strings.ToLower(strings.TrimSpace(username))
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

// loginBlocked reports whether a username or the caller's address has
// failed too often, and for how many seconds.
func (s *Server) loginBlocked(r *http.Request, username string) (bool, int) {
	if b, secs := s.loginUser.blocked(throttleKey(username)); b {
		return true, secs
	}
	return s.loginIP.blocked(clientIP(r))
}

// loginFailed and loginSucceeded keep the limiters up to date.
func (s *Server) loginFailed(r *http.Request, username string) {
	s.loginUser.fail(throttleKey(username))
	s.loginIP.fail(clientIP(r))
}

func (s *Server) loginSucceeded(username string) {
	s.loginUser.reset(throttleKey(username))
}
