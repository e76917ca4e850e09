package oauth

import (
	"context"
	"net/http"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// sessionCookie names the login session cookie. Its value is a random
// secret; the server keeps only its digest (and only once signed in).
const sessionCookie = "lintel_session"

// browserSession is the caller's cookie and, when signed in, the user.
// raw is always set: before sign-in it is an unstored random value that
// still binds the login form's CSRF token to this browser.
type browserSession struct {
	raw  string
	user *domain.User
}

// loadSession reads the session cookie, issuing a fresh anonymous one when
// it is missing or malformed. Unknown and expired sessions are anonymous.
func (s *Server) loadSession(w http.ResponseWriter, r *http.Request) (*browserSession, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !plausibleSecret(c.Value) {
		raw := newSecret()
		s.setSessionCookie(w, raw)
		return &browserSession{raw: raw}, nil
	}
	sess := &browserSession{raw: c.Value}
	se, err := s.store.GetSession(r.Context(), digest(c.Value), s.now())
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return sess, nil
	}
	if err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(r.Context(), se.UserID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return sess, nil
	}
	if err != nil {
		return nil, err
	}
	if u.PasswordChangedAt.After(se.CreatedAt) || u.Disabled { // signed in before a password change, or disabled since
		return sess, nil
	}
	sess.user = u
	return sess, nil
}

// startSession signs user in with a brand-new session id (the old one,
// which may have been planted by someone else, is dropped) and sets it.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, old *browserSession, user *domain.User) error {
	raw := newSecret()
	now := s.now()
	if err := s.store.CreateSession(ctx, &store.Session{Digest: digest(raw), UserID: user.ID, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL)}); err != nil {
		return err
	}
	if old != nil && old.raw != "" {
		if err := s.store.DeleteSession(ctx, digest(old.raw)); err != nil {
			return err
		}
	}
	if err := s.store.NoteSignIn(ctx, user.ID, now); err != nil {
		return err
	}
	s.setSessionCookie(w, raw)
	return nil
}

// endSession signs the browser out and gives it a fresh anonymous cookie.
func (s *Server) endSession(ctx context.Context, w http.ResponseWriter, sess *browserSession) (*browserSession, error) {
	if err := s.store.DeleteSession(ctx, digest(sess.raw)); err != nil {
		return nil, err
	}
	raw := newSecret()
	s.setSessionCookie(w, raw)
	return &browserSession{raw: raw}, nil
}

func (s *Server) setSessionCookie(w http.ResponseWriter, raw string) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    raw,
		Path:     "/", // the console (/) shares the login with the OAuth pages
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
}
