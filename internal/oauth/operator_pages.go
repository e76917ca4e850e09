package oauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pquerna/otp/totp"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
)

// mfaCookie holds the secret of a password sign-in waiting for its TOTP
// code (the digest is an operator link of kind mfa).
const mfaCookie = "lintel_mfa"

// The operator pages share the login pages' layout, headers and CSRF rule.
const setPasswordContent = `{{define "content"}}
<h1>{{.Heading}}</h1>
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<input type="hidden" name="token" value="{{.Token}}">
{{if .Current}}<label for="current">Current password</label>
<input id="current" name="current" type="password" autocomplete="current-password" required>{{end}}
<label for="password">New password (at least {{.MinLength}} characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="{{.MinLength}}" required autofocus>
<label for="confirm">New password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="{{.MinLength}}" required>
<button type="submit">{{.Button}}</button>
</form>
{{end}}`

const doneContent = `{{define "content"}}
<h1>{{.Heading}}</h1>
<p>{{.Message}}</p>
{{if .Next}}<p><a href="{{.Next}}">Continue</a></p>{{end}}
{{end}}`

const forgotContent = `{{define "content"}}
<h1>Forgot your password?</h1>
{{if .Sent}}<p>If that address belongs to an operator, a link to choose a new password is on its way. It works once, for {{.TTL}}.</p>
{{else if not .MailEnabled}}<p>This Lintel server sends no email. Ask an admin of your account for a reset link (<code>lintel users reset</code> or the console's operators page).</p>
{{else}}
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label for="email">Email (or PIN/email)</label>
<input id="email" name="email" type="text" autocomplete="username" required autofocus>
<button type="submit">Send me a link</button>
</form>{{end}}
{{end}}`

const totpContent = `{{define "content"}}
<h1>Second factor</h1>
<p>Enter the 6-digit code your authenticator app shows for Lintel.</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required autofocus>
<button type="submit">Verify</button>
</form>
<p class="note">Lost your phone? Ask an admin of your account to reset your second factor.</p>
{{end}}`

const totpEnrolContent = `{{define "content"}}
<h1>Second factor (TOTP)</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
{{if .Enabled}}
<p>A second factor is set up for {{.Email}}: signing in asks for a code from your authenticator app.</p>
<form method="post">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<input type="hidden" name="action" value="remove">
<label for="code">A current code, to remove it</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit" class="secondary">Remove second factor</button>
</form>
{{else}}
<p>Scan this code with an authenticator app (or enter the key by hand), then type the code it shows.</p>
<p><img src="{{.QR}}" alt="QR code of the otpauth link" width="200" height="200"></p>
<p class="note">Key: <code>{{.Secret}}</code><br>Link: <a href="{{.URL}}">{{.URL}}</a></p>
<form method="post">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<input type="hidden" name="action" value="confirm">
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus>
<button type="submit">Turn on</button>
</form>
{{end}}
{{end}}`

func init() {
	for name, content := range map[string]string{"setpassword": setPasswordContent, "done": doneContent, "forgot": forgotContent,
		"totp": totpContent, "totpenrol": totpEnrolContent} {
		pages[name] = template.Must(template.Must(template.New("layout").Parse(pageLayout)).Parse(content))
	}
}

func (s *Server) registerOperatorPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/invite", s.linkPage(store.LinkInvite))
	mux.HandleFunc("POST /oauth/invite", s.linkPage(store.LinkInvite))
	mux.HandleFunc("GET /oauth/reset", s.linkPage(store.LinkReset))
	mux.HandleFunc("POST /oauth/reset", s.linkPage(store.LinkReset))
	mux.HandleFunc("GET /oauth/forgot", s.handleForgot)
	mux.HandleFunc("POST /oauth/forgot", s.handleForgot)
	mux.HandleFunc("GET /oauth/totp", s.handleTOTPChallenge)
	mux.HandleFunc("POST /oauth/totp", s.handleTOTPChallenge)
	mux.HandleFunc("GET /oauth/account/password", s.handlePasswordChange)
	mux.HandleFunc("POST /oauth/account/password", s.handlePasswordChange)
	mux.HandleFunc("GET /oauth/account/totp", s.handleTOTPEnrol)
	mux.HandleFunc("POST /oauth/account/totp", s.handleTOTPEnrol)
}

// pageStart loads the session and, for a POST, reads the form and checks
// its CSRF token. It writes the error page and returns nil on failure.
func (s *Server) pageStart(w http.ResponseWriter, r *http.Request) *browserSession {
	sess, err := s.loadSession(w, r)
	if err != nil {
		s.log.ErrorContext(r.Context(), "oauth: load session", "err", err)
		renderError(w, errPageInternal)
		return nil
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxPageForm)
		if err := r.ParseForm(); err != nil {
			renderError(w, &pageError{http.StatusBadRequest, "Invalid request", "The form could not be read."})
			return nil
		}
		if !csrfValid(sess.raw, r.PostForm.Get("csrf_token")) {
			renderError(w, &pageError{http.StatusForbidden, "Form expired", "This form has expired or did not come from this page. Go back, reload the page and try again."})
			return nil
		}
	}
	return sess
}

// operatorActor puts an operator acting on their own account in ctx.
func operatorActor(r *http.Request, u *domain.User) context.Context {
	return store.WithActor(r.Context(), store.Actor{AccountID: u.AccountID, Kind: store.ActorOperator, ID: u.ID, UserID: u.ID,
		Display: u.Email, IP: clientIP(r), UserAgent: r.UserAgent()})
}

// checkNewPassword validates a new password and its confirmation.
func checkNewPassword(pw, confirm string) string {
	switch {
	case len(pw) < password.MinLength:
		return fmt.Sprintf("The password must be at least %d characters.", password.MinLength)
	case len(pw) > maxPassword:
		return "The password is too long."
	case pw != confirm:
		return "The two passwords differ."
	}
	return ""
}

var errLinkGone = &pageError{http.StatusGone, "Link expired", "This link has expired, was already used or was replaced by a newer one. Ask an admin of your account for a new one."}

// linkPage serves an invitation (kind invite) or password reset link: GET
// shows the form (it spends nothing, so mail scanners that follow links do
// no harm); POST sets the password, spends the link, ends the operator's
// other sessions and signs this browser in.
func (s *Server) linkPage(kind string) http.HandlerFunc {
	heading, button, intro := "Choose a new password", "Set password", ""
	if kind == store.LinkInvite {
		heading, button, intro = "Welcome to Lintel", "Set password and sign in", "Choose the password you will sign in with."
	}
	return func(w http.ResponseWriter, r *http.Request) {
		sess := s.pageStart(w, r)
		if sess == nil {
			return
		}
		ctx := r.Context()
		raw := r.URL.Query().Get("token")
		if r.Method == http.MethodPost {
			raw = r.PostForm.Get("token")
		}
		if !plausibleSecret(raw) {
			renderError(w, errLinkGone)
			return
		}
		link, err := s.store.GetOperatorLink(ctx, digest(raw), kind, s.now())
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			renderError(w, errLinkGone)
			return
		}
		if err != nil {
			s.log.ErrorContext(ctx, "oauth: load link", "err", err)
			renderError(w, errPageInternal)
			return
		}
		data := map[string]any{"Title": heading, "Heading": heading, "Intro": intro, "Button": button, "CSRF": csrfToken(sess.raw),
			"Token": raw, "MinLength": password.MinLength}
		if r.Method == http.MethodGet {
			renderPage(w, http.StatusOK, "setpassword", data)
			return
		}
		pw := r.PostForm.Get("password")
		if msg := checkNewPassword(pw, r.PostForm.Get("confirm")); msg != "" {
			data["Error"] = msg
			renderPage(w, http.StatusUnprocessableEntity, "setpassword", data)
			return
		}
		hash, err := password.Hash(pw)
		if err != nil {
			renderError(w, errPageInternal)
			return
		}
		target, err := s.store.GetUser(ctx, link.UserID)
		if err != nil {
			renderError(w, errLinkGone)
			return
		}
		action := "reset_password_by_link"
		if kind == store.LinkInvite {
			action = "accept_invitation"
		}
		u, err := s.store.UseOperatorLink(auditOp(operatorActor(r, target), target.ID, action, nil), digest(raw), kind, hash, s.now())
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			renderError(w, errLinkGone)
			return
		}
		if err != nil {
			s.log.ErrorContext(ctx, "oauth: use link", "err", err)
			renderError(w, errPageInternal)
			return
		}
		s.signIn(w, r, sess, u, "/")
	}
}

// localNext returns next when it is a path on this server, else "/".
func localNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, sess *browserSession, user *domain.User, next string) {
	if err := s.signInErr(w, r, sess, user, next); err != nil {
		s.log.ErrorContext(r.Context(), "oauth: sign in", "err", err)
		renderError(w, errPageInternal)
	}
}

func (s *Server) signInErr(w http.ResponseWriter, r *http.Request, sess *browserSession, user *domain.User, next string) error {
	next = localNext(next)
	noStore(w)
	if user.TOTPEnabled {
		raw := newSecret()
		now := s.now()
		if err := s.store.CreateOperatorLink(r.Context(), &store.OperatorLink{Digest: digest(raw), Kind: store.LinkMFA, AccountID: user.AccountID,
			UserID: user.ID, CreatedAt: now, ExpiresAt: now.Add(mfaTTL)}); err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: raw, Path: "/oauth", HttpOnly: true, Secure: s.secure,
			SameSite: http.SameSiteLaxMode, MaxAge: int(mfaTTL.Seconds())})
		http.Redirect(w, r, "/oauth/totp?"+url.Values{"next": {next}}.Encode(), http.StatusSeeOther)
		return nil
	}
	if err := s.startSession(r.Context(), w, sess, user); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// handleTOTPChallenge asks a signing-in operator for their TOTP code. Five
// wrong codes end the attempt (the password is asked for again).
func (s *Server) handleTOTPChallenge(w http.ResponseWriter, r *http.Request) {
	sess := s.pageStart(w, r)
	if sess == nil {
		return
	}
	ctx := r.Context()
	next := localNext(r.URL.Query().Get("next"))
	c, err := r.Cookie(mfaCookie)
	gone := &pageError{http.StatusUnauthorized, "Sign in again", "This sign-in has expired. Go back and sign in again."}
	if err != nil || !plausibleSecret(c.Value) {
		renderError(w, gone)
		return
	}
	link, err := s.store.GetOperatorLink(ctx, digest(c.Value), store.LinkMFA, s.now())
	if err != nil {
		renderError(w, gone)
		return
	}
	data := map[string]any{"Title": "Second factor", "CSRF": csrfToken(sess.raw)}
	if r.Method == http.MethodGet {
		renderPage(w, http.StatusOK, "totp", data)
		return
	}
	key := "totp:" + strconv.FormatInt(link.UserID, 10)
	if blocked, _ := s.countAttempt(ctx, key); blocked {
		_, _ = s.store.ConsumeOperatorLink(ctx, link.Digest, store.LinkMFA, s.now())
		renderError(w, gone)
		return
	}
	ok, err := s.checkTOTP(ctx, link.UserID, r.PostForm.Get("code"), false)
	if err != nil {
		s.log.ErrorContext(ctx, "oauth: check totp", "err", err)
		renderError(w, errPageInternal)
		return
	}
	if !ok {
		data["Error"] = "That code is not right (or was already used). Try the next one."
		renderPage(w, http.StatusUnauthorized, "totp", data)
		return
	}
	s.clearAttempts(ctx, key)
	if _, err := s.store.ConsumeOperatorLink(ctx, link.Digest, store.LinkMFA, s.now()); err != nil {
		renderError(w, gone)
		return
	}
	u, err := s.store.GetUser(ctx, link.UserID)
	if err != nil || u.Disabled {
		renderError(w, gone)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: "", Path: "/oauth", MaxAge: -1, HttpOnly: true, Secure: s.secure})
	if err := s.startSession(ctx, w, sess, u); err != nil {
		s.log.ErrorContext(ctx, "oauth: start session", "err", err)
		renderError(w, errPageInternal)
		return
	}
	noStore(w)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleForgot lets an operator ask for a reset link by email. The answer
// is the same whether or not the address is known.
func (s *Server) handleForgot(w http.ResponseWriter, r *http.Request) {
	sess := s.pageStart(w, r)
	if sess == nil {
		return
	}
	data := map[string]any{"Title": "Forgot password", "CSRF": csrfToken(sess.raw), "MailEnabled": s.MailEnabled(), "TTL": s.resetTTL.String()}
	if r.Method == http.MethodGet || !s.MailEnabled() {
		renderPage(w, http.StatusOK, "forgot", data)
		return
	}
	email := r.PostForm.Get("email")
	// every request counts against the limit
	if blocked, secs := s.countAttempt(r.Context(), "forgot:"+store.UserThrottleKey(email)); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		data["Error"] = "Too many requests. Try again later."
		renderPage(w, http.StatusTooManyRequests, "forgot", data)
		return
	}
	u, err := s.findUser(r.Context(), email)
	if err == nil && u != nil && !u.Disabled {
		if _, err := s.resetLink(auditOp(operatorActor(r, u), u.ID, "forgot_password", nil), u, 0); err != nil {
			s.log.ErrorContext(r.Context(), "oauth: send reset link", "err", err)
		}
	} else if err != nil && err != errBadCredentials {
		s.log.ErrorContext(r.Context(), "oauth: forgot password", "err", err)
	}
	data["Sent"] = true
	renderPage(w, http.StatusOK, "forgot", data)
}

// signedIn returns the session's operator, or sends the browser to sign
// in (the console's sign-in page) and returns nil.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, sess *browserSession) *domain.User {
	if sess.user == nil {
		renderError(w, &pageError{http.StatusUnauthorized, "Signed out", "Sign in first, then come back to this page."})
		return nil
	}
	return sess.user
}

// handlePasswordChange lets a signed-in operator change their password.
// Every session of theirs ends, and this browser gets a new one.
func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request) {
	sess := s.pageStart(w, r)
	if sess == nil {
		return
	}
	u := s.signedIn(w, r, sess)
	if u == nil {
		return
	}
	data := map[string]any{"Title": "Change password", "Heading": "Change your password", "Button": "Change password",
		"CSRF": csrfToken(sess.raw), "Current": true, "MinLength": password.MinLength}
	if r.Method == http.MethodGet {
		renderPage(w, http.StatusOK, "setpassword", data)
		return
	}
	throttleKey := store.UserThrottleKey(u.Email)
	if blocked, secs := s.countAttempt(r.Context(), throttleKey); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		data["Error"] = "Too many failed attempts. Try again later."
		renderPage(w, http.StatusTooManyRequests, "setpassword", data)
		return
	}
	if ok, err := s.hashGate.Verify(r.Context(), u.PasswordHash, r.PostForm.Get("current")); err != nil || !ok {
		if errors.Is(err, password.ErrBusy) {
			w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
			data["Error"] = "Lintel is busy checking other sign-ins. Please try again in a moment."
			renderPage(w, http.StatusServiceUnavailable, "setpassword", data)
			return
		}
		data["Error"] = "The current password is incorrect."
		renderPage(w, http.StatusUnauthorized, "setpassword", data)
		return
	}
	s.clearAttempts(r.Context(), throttleKey)
	pw := r.PostForm.Get("password")
	if msg := checkNewPassword(pw, r.PostForm.Get("confirm")); msg != "" {
		data["Error"] = msg
		renderPage(w, http.StatusUnprocessableEntity, "setpassword", data)
		return
	}
	hash, err := password.Hash(pw)
	if err == nil {
		err = s.store.ChangeUserPassword(auditOp(operatorActor(r, u), u.ID, "change_password", nil), u.ID, hash, s.now())
	}
	if err == nil {
		err = s.startSession(r.Context(), w, &browserSession{}, u)
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "oauth: change password", "err", err)
		renderError(w, errPageInternal)
		return
	}
	renderPage(w, http.StatusOK, "done", map[string]any{"Title": "Password changed", "Heading": "Password changed",
		"Message": "Your password is changed. Every other session of yours has been signed out.", "Next": "/"})
}

// handleTOTPEnrol sets up (GET shows a new secret, POST confirms it with a
// first code) or removes (with a current code) the signed-in operator's
// TOTP second factor.
func (s *Server) handleTOTPEnrol(w http.ResponseWriter, r *http.Request) {
	sess := s.pageStart(w, r)
	if sess == nil {
		return
	}
	u := s.signedIn(w, r, sess)
	if u == nil {
		return
	}
	ctx := r.Context()
	data := map[string]any{"Title": "Second factor", "CSRF": csrfToken(sess.raw), "Email": u.Email, "Enabled": u.TOTPEnabled}
	if r.Method == http.MethodPost {
		action := r.PostForm.Get("action")
		if (action == "remove") != u.TOTPEnabled || (action != "remove" && action != "confirm") {
			renderError(w, &pageError{http.StatusConflict, "Out of date", "This page is out of date. Reload it."})
			return
		}
		key := "totp:" + strconv.FormatInt(u.ID, 10)
		if blocked, _ := s.countAttempt(ctx, key); blocked {
			renderError(w, &pageError{http.StatusTooManyRequests, "Too many attempts", "Too many wrong codes. Try again later."})
			return
		}
		cctx := ctx
		if action == "confirm" { // the confirmation turns TOTP on: audited
			cctx = auditOp(operatorActor(r, u), u.ID, "enable_totp", nil)
		}
		ok, err := s.checkTOTP(cctx, u.ID, r.PostForm.Get("code"), action == "confirm")
		if err != nil {
			s.log.ErrorContext(ctx, "oauth: check totp", "err", err)
			renderError(w, errPageInternal)
			return
		}
		if !ok {
			data["Error"] = "That code is not right (or was already used). Try the next one."
			if action == "remove" {
				renderPage(w, http.StatusUnprocessableEntity, "totpenrol", data)
				return
			}
		} else {
			s.clearAttempts(ctx, key)
			msg := "Your second factor is on: signing in now asks for a code."
			if action == "remove" {
				if err := s.store.ClearUserTOTP(auditOp(operatorActor(r, u), u.ID, "remove_totp", nil), u.ID, s.now()); err != nil {
					renderError(w, errPageInternal)
					return
				}
				msg = "Your second factor is removed."
			}
			renderPage(w, http.StatusOK, "done", map[string]any{"Title": "Second factor", "Heading": "Second factor", "Message": msg, "Next": "/"})
			return
		}
	}
	// Show a new secret to scan (an unconfirmed one is replaced).
	acct, err := s.store.GetAccount(ctx, u.AccountID)
	if err != nil {
		renderError(w, errPageInternal)
		return
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: "Lintel " + acct.Name, AccountName: u.Email, Period: totpPeriod})
	if err != nil {
		renderError(w, errPageInternal)
		return
	}
	sealed, err := s.sealTOTP(ctx, k.Secret())
	if err == nil {
		err = s.store.StartUserTOTP(ctx, u.ID, sealed)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "oauth: start totp", "err", err)
		renderError(w, errPageInternal)
		return
	}
	var buf bytes.Buffer
	if img, err := k.Image(200, 200); err == nil {
		_ = png.Encode(&buf, img)
	}
	data["Secret"], data["URL"] = k.Secret(), template.URL(k.URL())
	data["QR"] = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
	renderPage(w, http.StatusOK, "totpenrol", data)
}
