package oauth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
)

// grantPassword is the resource owner password grant, for applications
// the operator enabled it on (typically one's own scripts). Wrong
// credentials are invalid_grant without saying which part was wrong.
// Every attempt is counted before the password is checked; over the limit
// for a username or an address it gets 429, and when the password gate is
// full 503 (the attempt is then not counted).
func (s *Server) grantPassword(r *http.Request, app *domain.OAuthApp, form url.Values) (*tokenResponse, *oauthError) {
	ctx := r.Context()
	if !app.PasswordGrant {
		return nil, errUnauthorizedClient("The password grant is not enabled for this application")
	}
	username, pw := form.Get("username"), form.Get("password")
	if username == "" || pw == "" {
		return nil, errInvalidRequest("username and password are required")
	}
	scopes, oerr := resolveScopes(app, form.Get("scope"))
	if oerr != nil {
		return nil, oerr
	}
	la, blocked, secs, err := s.beginLogin(r, username)
	if err != nil {
		return nil, s.internal(r, "password grant throttle", err)
	}
	if blocked {
		return nil, errTooMany(fmt.Sprintf("Too many failed sign-in attempts for this username; try again in %d seconds", secs), secs)
	}
	user, err := s.checkCredentials(ctx, username, pw)
	if errors.Is(err, password.ErrBusy) {
		s.loginNotChecked(ctx, la)
		return nil, errBusy()
	}
	if err == errBadCredentials {
		return nil, errInvalidGrant("The username or password is incorrect")
	}
	if err != nil {
		return nil, s.internal(r, "password grant", err)
	}
	s.loginSucceeded(ctx, la)
	if app.State == domain.AppTesting && user.AccountID != app.AccountID {
		return nil, errInvalidGrant("This application is in testing and can only be used by its own account")
	}
	if user.TOTPEnabled {
		return nil, errInvalidGrant("This operator signs in with a second factor, which the password grant cannot ask for; use the authorization code flow")
	}
	// The operator's role bounds the tokens (authz.Limit).
	scopes = authz.Limit(user.Role, scopes)
	if len(scopes) == 0 {
		return nil, errInvalidScope("The operator's role (" + string(user.Role) + ") does not allow any of the requested scopes")
	}
	var resp *tokenResponse
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		now := s.now()
		f := &store.OAuthFamily{AppID: app.ID, AccountID: user.AccountID, UserID: user.ID, Scopes: scopes, CreatedAt: now}
		if err := tx.CreateOAuthFamily(ctx, f); err != nil {
			return err
		}
		var err error
		resp, err = s.issueTokens(r, tx, f, scopes, now)
		return err
	})
	if err != nil {
		return nil, s.internal(r, "password grant", err)
	}
	return resp, nil
}
