package oauth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
)

// maxPageForm limits login and consent form bodies.
const maxPageForm = 16 << 10

var errPageInternal = &pageError{http.StatusInternalServerError, "Something went wrong", "An unexpected error occurred; please try again."}

// handleAuthorizeGet is GET /oauth/authorize: it validates the request,
// then shows the login page, the consent page, or (when the user already
// granted every requested scope) redirects with a code. An invalid
// client or redirect URI gets an error page and no redirect.
func (s *Server) handleAuthorizeGet(w http.ResponseWriter, r *http.Request) {
	req, perr, oerr := s.parseAuthorize(r.Context(), r.URL.Query())
	if perr != nil {
		renderError(w, perr)
		return
	}
	if oerr != nil {
		s.redirectError(w, r, req, oerr, http.StatusFound)
		return
	}
	sess, err := s.loadSession(w, r)
	if err != nil {
		s.log.ErrorContext(r.Context(), "oauth: load session", "err", err)
		renderError(w, errPageInternal)
		return
	}
	if sess.user == nil {
		s.renderLogin(w, req, sess, http.StatusOK, "", "")
		return
	}
	s.consentOrCode(w, r, req, sess, http.StatusFound)
}

// handleAuthorizePost is POST /oauth/authorize: the login form (fields
// email, password) or the consent form (field decision), both carrying
// csrf_token, posted back to the authorize URL itself.
func (s *Server) handleAuthorizePost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPageForm)
	if err := r.ParseForm(); err != nil {
		renderError(w, &pageError{http.StatusBadRequest, "Invalid request", "The form could not be read."})
		return
	}
	req, perr, oerr := s.parseAuthorize(r.Context(), r.URL.Query())
	if perr != nil {
		renderError(w, perr)
		return
	}
	if oerr != nil {
		s.redirectError(w, r, req, oerr, http.StatusSeeOther)
		return
	}
	sess, err := s.loadSession(w, r)
	if err != nil {
		s.log.ErrorContext(r.Context(), "oauth: load session", "err", err)
		renderError(w, errPageInternal)
		return
	}
	if !csrfValid(sess.raw, r.PostForm.Get("csrf_token")) {
		renderError(w, &pageError{http.StatusForbidden, "Form expired", "This form has expired or did not come from this page. Go back, reload the page and try again."})
		return
	}
	if r.PostForm.Has("decision") {
		s.handleConsent(w, r, req, sess)
		return
	}
	s.handleLogin(w, r, req, sess)
}

// handleLogin checks the login form. Failures show the same message
// whatever was wrong; attempts are counted before the password is checked
// and too many are throttled (429); a full password gate answers 503. Success starts a
// new session and sends the browser back to the authorize URL (303).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request, req *authzRequest, sess *browserSession) {
	email, pw := r.PostForm.Get("email"), r.PostForm.Get("password")
	if len(email) > maxUsername {
		email = email[:maxUsername]
	}
	la, blocked, secs, err := s.beginLogin(r, email)
	if err != nil {
		s.log.ErrorContext(r.Context(), "oauth: login throttle", "err", err)
		renderError(w, errPageInternal)
		return
	}
	if blocked {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		s.renderLogin(w, req, sess, http.StatusTooManyRequests, email,
			fmt.Sprintf("Too many failed sign-in attempts. Try again in %d minute(s).", (secs+59)/60))
		return
	}
	user, err := s.checkCredentials(r.Context(), email, pw)
	if errors.Is(err, password.ErrBusy) {
		s.loginNotChecked(r.Context(), la)
		w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
		s.renderLogin(w, req, sess, http.StatusServiceUnavailable, email,
			"Lintel is busy checking other sign-ins. Please try again in a moment.")
		return
	}
	if err == errBadCredentials {
		s.renderLogin(w, req, sess, http.StatusUnauthorized, email,
			"The email or password is incorrect. If your email belongs to several accounts, sign in as PIN/email.")
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "oauth: login", "err", err)
		renderError(w, errPageInternal)
		return
	}
	s.loginSucceeded(r.Context(), la)
	if user.TOTPEnabled { // the code first, then back to this authorize URL
		s.signIn(w, r, sess, user, r.URL.RequestURI())
		return
	}
	if err := s.startSession(r.Context(), w, sess, user); err != nil {
		s.log.ErrorContext(r.Context(), "oauth: start session", "err", err)
		renderError(w, errPageInternal)
		return
	}
	noStore(w)
	http.Redirect(w, r, r.URL.RequestURI(), http.StatusSeeOther)
}

// handleConsent applies the Allow or Deny decision of a signed-in user.
func (s *Server) handleConsent(w http.ResponseWriter, r *http.Request, req *authzRequest, sess *browserSession) {
	if sess.user == nil {
		s.renderLogin(w, req, sess, http.StatusOK, "", "Your session has ended. Please sign in again.")
		return
	}
	if pe := testingRefusal(req.app, sess.user); pe != nil {
		renderError(w, pe)
		return
	}
	if !s.limitToRole(w, r, req, sess.user, http.StatusSeeOther) {
		return
	}
	switch r.PostForm.Get("decision") {
	case "deny":
		s.redirectError(w, r, req, &oauthError{Code: "access_denied", Description: "The user denied the request"}, http.StatusSeeOther)
	case "allow":
		ctx := r.Context()
		scopes := req.scopes
		g, err := s.store.GetOAuthGrant(ctx, req.app.ID, sess.user.ID)
		if err == nil {
			scopes = g.Scopes.Union(scopes)
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			s.log.ErrorContext(ctx, "oauth: load grant", "err", err)
			renderError(w, errPageInternal)
			return
		}
		err = s.store.SaveOAuthGrant(ctx, &store.OAuthGrant{AppID: req.app.ID, AccountID: sess.user.AccountID, UserID: sess.user.ID, Scopes: scopes, UpdatedAt: s.now()})
		if err != nil {
			s.log.ErrorContext(ctx, "oauth: save grant", "err", err)
			renderError(w, errPageInternal)
			return
		}
		s.issueCode(w, r, req, sess.user, http.StatusSeeOther)
	default:
		renderError(w, &pageError{http.StatusBadRequest, "Invalid request", `decision must be "allow" or "deny".`})
	}
}

// consentOrCode redirects with a code when the user's remembered grant
// covers every requested scope, and shows the consent page otherwise.
func (s *Server) consentOrCode(w http.ResponseWriter, r *http.Request, req *authzRequest, sess *browserSession, status int) {
	ctx := r.Context()
	if pe := testingRefusal(req.app, sess.user); pe != nil {
		renderError(w, pe)
		return
	}
	requested := req.scopes
	if !s.limitToRole(w, r, req, sess.user, status) {
		return
	}
	var withheld []scopeView
	for _, n := range requested.List() {
		if !req.scopes.Has(n) {
			sc, _ := domain.LookupScope(n)
			withheld = append(withheld, scopeView{Name: n, Description: sc.Description})
		}
	}
	g, err := s.store.GetOAuthGrant(ctx, req.app.ID, sess.user.ID)
	if err == nil && g.Scopes.Contains(req.scopes) {
		s.issueCode(w, r, req, sess.user, status)
		return
	}
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		s.log.ErrorContext(ctx, "oauth: load grant", "err", err)
		renderError(w, errPageInternal)
		return
	}
	acct, err := s.store.GetAccount(ctx, sess.user.AccountID)
	if err != nil {
		s.log.ErrorContext(ctx, "oauth: load account", "err", err)
		renderError(w, errPageInternal)
		return
	}
	views := make([]scopeView, 0, len(req.scopes))
	for _, n := range req.scopes.List() {
		sc, _ := domain.LookupScope(n)
		views = append(views, scopeView{Name: n, Description: sc.Description})
	}
	redirectHost := req.redirectURI
	if u, err := url.Parse(req.redirectURI); err == nil && u.Host != "" {
		redirectHost = u.Host
	}
	renderPage(w, http.StatusOK, "consent", map[string]any{
		"Title":        "Authorize " + req.app.Name,
		"AppName":      req.app.Name,
		"AccountName":  acct.Name,
		"Testing":      req.app.State == domain.AppTesting,
		"Scopes":       views,
		"Withheld":     withheld,
		"Role":         string(sess.user.Role),
		"RedirectHost": redirectHost,
		"CSRF":         csrfToken(sess.raw),
		"UserEmail":    sess.user.Email,
		"LogoutURL":    "/oauth/logout?" + url.Values{"next": {r.URL.RequestURI()}}.Encode(),
	}, cspOrigin(req.redirectURI))
}

// limitToRole bounds the request's scopes by what the signed-in
// operator's role allows (authz.Limit: a write scope the role may not
// hold becomes its read-only form, others are dropped). When nothing is
// left it sends access_denied back to the client and reports false.
func (s *Server) limitToRole(w http.ResponseWriter, r *http.Request, req *authzRequest, user *domain.User, status int) bool {
	req.scopes = authz.Limit(user.Role, req.scopes)
	if len(req.scopes) == 0 {
		s.redirectError(w, r, req, &oauthError{Code: "access_denied",
			Description: "The operator's role (" + string(user.Role) + ") does not allow any of the requested scopes"}, status)
		return false
	}
	return true
}

// renderLogin shows the login page.
func (s *Server) renderLogin(w http.ResponseWriter, req *authzRequest, sess *browserSession, status int, email, msg string) {
	renderPage(w, status, "login", map[string]any{
		"Title":   "Sign in",
		"AppName": req.app.Name,
		"CSRF":    csrfToken(sess.raw),
		"Email":   email,
		"Error":   msg,
	}, cspOrigin(req.redirectURI))
}

// testingRefusal refuses users outside the account of an app in testing.
func testingRefusal(app *domain.OAuthApp, user *domain.User) *pageError {
	if app.State == domain.AppTesting && user.AccountID != app.AccountID {
		return &pageError{http.StatusForbidden, "Application in testing",
			"This application is still in testing, so only members of the account that registered it can connect it. Ask its developer to make it live."}
	}
	return nil
}
