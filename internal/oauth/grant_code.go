package oauth

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// grantAuthorizationCode exchanges a code for tokens. The code must be
// this client's, unused and unexpired; redirect_uri must repeat the one
// sent to /oauth/authorize; the PKCE verifier must match the challenge,
// and may only be sent when a challenge was. A second exchange of a code
// fails and revokes every token the first exchange issued.
func (s *Server) grantAuthorizationCode(r *http.Request, app *domain.OAuthApp, form url.Values) (*tokenResponse, *oauthError) {
	ctx := r.Context()
	raw := form.Get("code")
	if raw == "" {
		return nil, errInvalidRequest("code is required")
	}
	verifier := form.Get("code_verifier")
	if !plausibleSecret(raw) {
		return nil, errInvalidGrant("The authorization code is invalid, expired or already used")
	}
	var (
		resp *tokenResponse
		fail *oauthError
	)
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		now := s.now()
		code, err := tx.GetOAuthCodeByDigest(ctx, digest(raw))
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			fail = errInvalidGrant("The authorization code is invalid, expired or already used")
			return nil
		}
		if err != nil {
			return err
		}
		if code.AppID != app.ID {
			fail = errInvalidGrant("The authorization code was issued to another client")
			return nil
		}
		if code.UsedAt != nil {
			if code.FamilyID != 0 {
				if err := tx.RevokeOAuthFamily(ctx, code.FamilyID, "authorization code replayed", now); err != nil {
					return err
				}
			}
			s.log.WarnContext(ctx, "oauth: authorization code replayed; its tokens were revoked", "app_id", app.ID, "family_id", code.FamilyID)
			fail = errInvalidGrant("The authorization code is invalid, expired or already used")
			return nil
		}
		if !now.Before(code.ExpiresAt) {
			fail = errInvalidGrant("The authorization code is invalid, expired or already used")
			return nil
		}
		if oe := checkCodeRedirect(app, code, form); oe != nil {
			fail = oe
			return nil
		}
		if oe := checkVerifier(code, verifier); oe != nil {
			fail = oe
			return nil
		}
		if app.State == domain.AppTesting && code.AccountID != app.AccountID {
			fail = errInvalidGrant("This application is in testing and can only be authorized by its own account")
			return nil
		}
		ok, err := tx.UseOAuthCode(ctx, code.ID, now)
		if err != nil {
			return err
		}
		if !ok { // a concurrent exchange won
			fail = errInvalidGrant("The authorization code is invalid, expired or already used")
			return nil
		}
		user, err := tx.GetUser(ctx, code.UserID)
		if err != nil {
			return err
		}
		if user.Disabled {
			fail = errInvalidGrant("The authorization code is invalid, expired or already used")
			return nil
		}
		// The role now, not at consent, bounds the tokens.
		scopes := authz.Limit(user.Role, code.Scopes.Intersect(allowedScopes(app)))
		if len(scopes) == 0 {
			fail = errInvalidScope("None of the authorized scopes is still allowed for this application")
			return nil
		}
		f := &store.OAuthFamily{AppID: app.ID, AccountID: code.AccountID, UserID: code.UserID, Scopes: scopes, CreatedAt: now}
		if err := tx.CreateOAuthFamily(ctx, f); err != nil {
			return err
		}
		if err := tx.SetOAuthCodeFamily(ctx, code.ID, f.ID); err != nil {
			return err
		}
		resp, err = s.issueTokens(r, tx, f, scopes, now)
		return err
	})
	if err != nil {
		return nil, s.internal(r, "exchange code", err)
	}
	if fail != nil {
		return nil, fail
	}
	return resp, nil
}

// checkCodeRedirect applies RFC 6749 section 4.1.3: if redirect_uri was
// sent to /oauth/authorize the token request must repeat it exactly; if it
// was not, a redirect_uri sent now must still be a registered one.
func checkCodeRedirect(app *domain.OAuthApp, code *store.OAuthCode, form url.Values) *oauthError {
	got, sent := form.Get("redirect_uri"), form.Has("redirect_uri")
	if code.RedirectURI != "" {
		if got != code.RedirectURI {
			return errInvalidGrant("redirect_uri does not match the one used in the authorization request")
		}
		return nil
	}
	if sent && !registeredRedirect(app, got) {
		return errInvalidGrant("redirect_uri is not registered for this application")
	}
	return nil
}

// checkVerifier applies PKCE (RFC 7636 section 4.6). With a challenge the
// verifier is required and must hash to it; without one a verifier is
// refused, so a stolen code cannot be replayed by downgrading.
func checkVerifier(code *store.OAuthCode, verifier string) *oauthError {
	if code.CodeChallenge == "" {
		if verifier != "" {
			return errInvalidGrant("code_verifier was sent but the authorization request had no code_challenge")
		}
		return nil
	}
	if verifier == "" {
		return errInvalidGrant("code_verifier is required: the authorization request used PKCE")
	}
	if !pkceShapeOK(verifier) {
		return errInvalidGrant("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
	}
	if subtle.ConstantTimeCompare([]byte(pkceS256(verifier)), []byte(code.CodeChallenge)) != 1 {
		return errInvalidGrant("code_verifier does not match the code_challenge")
	}
	return nil
}
