package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
)

// Browser is a browser's login session as other surfaces of the server
// (the operator console) see it: the same cookie, the same CSRF token and
// the same sign-in throttling as the OAuth login pages.
type Browser struct {
	sess *browserSession
	// User is the signed-in operator, nil when nobody is signed in.
	User *domain.User
	// CSRF is the token every form posted by this browser must carry
	// (field csrf_token).
	CSRF string
}

// LoadBrowser reads the browser's session cookie, setting a fresh
// anonymous one when it is missing. Errors are the store's.
func (s *Server) LoadBrowser(w http.ResponseWriter, r *http.Request) (*Browser, error) {
	sess, err := s.loadSession(w, r)
	if err != nil {
		return nil, err
	}
	return &Browser{sess: sess, User: sess.user, CSRF: csrfToken(sess.raw)}, nil
}

// CSRFValid reports whether a posted csrf_token belongs to this browser.
func (b *Browser) CSRFValid(token string) bool { return csrfValid(b.sess.raw, token) }

// SignInResult says how SignIn ended.
type SignInResult int

// The outcomes of SignIn.
const (
	SignedIn SignInResult = iota
	// BadCredentials: unknown user, wrong password or a disabled operator
	// (one answer for all).
	BadCredentials
	// Throttled: too many failures for the username or the address;
	// RetryAfter says for how many seconds.
	Throttled
	// Busy: too many password checks are running; try again in the
	// returned seconds.
	Busy
	// SecondFactor: the password was right and the operator has TOTP on;
	// SignIn has already sent the browser to the code page (it comes back
	// to next).
	SecondFactor
)

// SignIn checks a username (email or PIN/email) and password with the
// login pages' throttling (counted in the store before the password is
// checked) and password gate and, when they are right, starts a new
// session (a new cookie: the anonymous one is dropped), or, for an
// operator with TOTP, redirects to the code page, which returns to next.
// It returns the outcome and, when throttled or busy, the seconds to wait.
// Errors are the store's.
func (s *Server) SignIn(w http.ResponseWriter, r *http.Request, b *Browser, username, pw, next string) (SignInResult, int, error) {
	if len(username) > maxUsername {
		username = username[:maxUsername]
	}
	la, blocked, secs, err := s.beginLogin(r, username)
	if err != nil {
		return 0, 0, err
	}
	if blocked {
		return Throttled, secs, nil
	}
	user, err := s.checkCredentials(r.Context(), username, pw)
	if errors.Is(err, password.ErrBusy) {
		s.loginNotChecked(r.Context(), la)
		return Busy, busyRetryAfter, nil
	}
	if err == errBadCredentials {
		return BadCredentials, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	s.loginSucceeded(r.Context(), la)
	if user.TOTPEnabled {
		if err := s.signInErr(w, r, b.sess, user, next); err != nil {
			return 0, 0, err
		}
		return SecondFactor, 0, nil
	}
	if err := s.startSession(r.Context(), w, b.sess, user); err != nil {
		return 0, 0, err
	}
	b.User = user
	return SignedIn, 0, nil
}

// SignOut ends the browser's session and gives it a fresh anonymous cookie.
func (s *Server) SignOut(ctx context.Context, w http.ResponseWriter, b *Browser) error {
	sess, err := s.endSession(ctx, w, b.sess)
	if err != nil {
		return err
	}
	b.sess, b.User, b.CSRF = sess, nil, csrfToken(sess.raw)
	return nil
}
