package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lintel-dev/lintel/internal/oauth"
)

// safeNext accepts only a path of this console to return to after sign-in.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// loginPage is GET /login: the sign-in form, or the dashboard for an
// operator already signed in.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	b, err := c.sessions.LoadBrowser(w, r)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if b.User != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	c.renderLogin(w, b, http.StatusOK, "", next, "")
}

func (c *Console) renderLogin(w http.ResponseWriter, b *oauth.Browser, status int, email, next, msg string) {
	c.render(w, status, nil, "login", "", map[string]any{"Title": "Sign in", "LoginCSRF": b.CSRF, "Email": email, "Next": next, "Error": msg})
}

// loginPost is POST /login (csrf_token, email, password, next): the OAuth
// login's checks and throttling; success starts a new session.
func (c *Console) loginPost(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, nil, &pageErr{http.StatusBadRequest, "The form could not be read."})
		return
	}
	b, err := c.sessions.LoadBrowser(w, r)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	email, next := r.PostForm.Get("email"), safeNext(r.PostForm.Get("next"))
	if !b.CSRFValid(r.PostForm.Get("csrf_token")) {
		c.renderLogin(w, b, http.StatusForbidden, email, next, "This form has expired. Try again.")
		return
	}
	res, secs, err := c.sessions.SignIn(w, r, b, email, r.PostForm.Get("password"), next)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	switch res {
	case oauth.Throttled:
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		c.renderLogin(w, b, http.StatusTooManyRequests, email, next,
			fmt.Sprintf("Too many failed sign-in attempts. Try again in %d minute(s).", (secs+59)/60))
	case oauth.Busy:
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		c.renderLogin(w, b, http.StatusServiceUnavailable, email, next,
			"Lintel is busy checking other sign-ins. Please try again in a moment.")
	case oauth.SecondFactor: // SignIn sent the browser to the code page
	case oauth.BadCredentials:
		c.renderLogin(w, b, http.StatusUnauthorized, email, next,
			"The email or password is incorrect. If your email belongs to several accounts, sign in as PIN/email.")
	default:
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// logout is POST /logout.
func (c *Console) logout(w http.ResponseWriter, r *http.Request, q *req) error {
	if err := c.sessions.SignOut(r.Context(), w, q.b); err != nil {
		return err
	}
	return seeOther(w, r, "/login")
}
