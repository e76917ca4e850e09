package oauth

import (
	"net/http"
	"net/url"
	"strings"
)

// safeNext accepts only a path back to the authorize endpoint, so that
// logout cannot be used as an open redirect.
func safeNext(next string) string {
	if next == "" || strings.ContainsAny(next, "\\\r\n") || !strings.HasPrefix(next, "/oauth/authorize") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path != "/oauth/authorize" {
		return ""
	}
	return next
}

// handleLogoutGet is GET /oauth/logout: a page with a sign-out form
// (a GET never signs anyone out).
func (s *Server) handleLogoutGet(w http.ResponseWriter, r *http.Request) {
	sess, err := s.loadSession(w, r)
	if err != nil {
		s.log.ErrorContext(r.Context(), "oauth: load session", "err", err)
		renderError(w, errPageInternal)
		return
	}
	data := map[string]any{"Title": "Sign out", "SignedIn": sess.user != nil, "CSRF": csrfToken(sess.raw), "Next": safeNext(r.URL.Query().Get("next"))}
	if sess.user != nil {
		data["UserEmail"] = sess.user.Email
	}
	renderPage(w, http.StatusOK, "logout", data)
}

// handleLogoutPost is POST /oauth/logout (field csrf_token): it ends the
// session and goes back to the authorize page named by next, if any.
func (s *Server) handleLogoutPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPageForm)
	if err := r.ParseForm(); err != nil {
		renderError(w, &pageError{http.StatusBadRequest, "Invalid request", "The form could not be read."})
		return
	}
	sess, err := s.loadSession(w, r)
	if err != nil {
		s.log.ErrorContext(r.Context(), "oauth: load session", "err", err)
		renderError(w, errPageInternal)
		return
	}
	if !csrfValid(sess.raw, r.PostForm.Get("csrf_token")) {
		renderError(w, &pageError{http.StatusForbidden, "Form expired", "This form has expired or did not come from this page. Reload the page and try again."})
		return
	}
	if _, err := s.endSession(r.Context(), w, sess); err != nil {
		s.log.ErrorContext(r.Context(), "oauth: end session", "err", err)
		renderError(w, errPageInternal)
		return
	}
	if next := safeNext(r.URL.Query().Get("next")); next != "" {
		noStore(w)
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	renderPage(w, http.StatusOK, "logout", map[string]any{"Title": "Signed out", "SignedIn": false})
}
