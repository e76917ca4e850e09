package oauth

import (
	"net/http"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

func invalidToken(msg string) *domain.Error {
	return &domain.Error{Code: domain.EUNAUTHORIZED, Wire: "invalid_token", Message: msg}
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header. Tokens in the query string or the body are ignored on purpose.
func bearerToken(r *http.Request) (string, *domain.Error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", invalidToken("No access token was sent; send it as \"Authorization: Bearer <token>\"")
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", invalidToken("The Authorization header must use the Bearer scheme")
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return "", invalidToken("The Authorization header holds no access token")
	}
	return tok, nil
}

// Authenticate resolves "Authorization: Bearer <token>" to a Principal
// with one indexed query, which also reads the account's list versions
// (Principal.Versions). A missing, malformed, unknown, expired or
// revoked token, a refresh token, a token of a suspended application, and
// a token issued before the user's last password change, and a token of
// a disabled operator all return a
// *domain.Error{Code: EUNAUTHORIZED, Wire: "invalid_token"} saying which.
// Database failures return a plain error (a 500). The principal's scopes
// are the token's, bounded by what the application may still hold (a scope
// withdrawn from the application stops working at once for its live tokens)
// and by the operator's role now (authz.Limit): a role lowered since the
// token was issued takes effect at once.
func (s *Server) Authenticate(r *http.Request) (*domain.Principal, error) {
	raw, derr := bearerToken(r)
	if derr != nil {
		return nil, derr
	}
	if !plausibleSecret(raw) {
		return nil, invalidToken("The access token is invalid")
	}
	rec, err := findToken(r.Context(), s.store.GetOAuthAccessRecord, raw)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, invalidToken("The access token is invalid")
	}
	if err != nil {
		return nil, err
	}
	if derr := s.checkAccess(rec, s.now()); derr != nil {
		return nil, derr
	}
	exp := *rec.Token.ExpiresAt
	return &domain.Principal{
		AccountID: rec.Family.AccountID,
		UserID:    rec.Family.UserID,
		AppID:     rec.Family.AppID,
		AppUID:    rec.AppUID,
		TokenID:   rec.Token.ID,
		Scopes:    authz.Limit(rec.UserRole, rec.Token.Scopes.Intersect(allowedScopes(&domain.OAuthApp{Scopes: rec.AppScopes, AdmitApproved: rec.AppAdmitApproved}))),
		Role:      rec.UserRole,
		Display:   rec.AppName + " for " + rec.UserEmail,
		ExpiresAt: &exp,
		CreatedAt: rec.Token.CreatedAt,
		Versions:  &rec.Versions,
	}, nil
}

// checkAccess decides whether a token record is a live access token.
func (s *Server) checkAccess(rec *store.OAuthTokenRecord, now time.Time) *domain.Error {
	switch {
	case rec.Token.Kind != store.TokenAccess || rec.Token.ExpiresAt == nil:
		return invalidToken("The access token is invalid")
	case rec.Token.RevokedAt != nil || rec.Family.RevokedAt != nil:
		return invalidToken("The access token has been revoked")
	case !now.Before(*rec.Token.ExpiresAt):
		return invalidToken("The access token has expired")
	case rec.AppState == domain.AppSuspended:
		return invalidToken("The application this token was issued to is suspended")
	case rec.PasswordChangedAt.After(rec.Family.CreatedAt), rec.UserDisabled:
		return invalidToken("The access token has been revoked")
	}
	return nil
}
