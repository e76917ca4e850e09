package oauth

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// maxFormBytes limits token and revocation request bodies.
const maxFormBytes = 64 << 10

// sensitiveParams must never travel in a URL query string, where they end
// up in logs and browser history.
var sensitiveParams = []string{"client_secret", "code", "code_verifier", "refresh_token", "password", "token", "access_token"}

// tokenResponse is the body of a successful token request.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
}

// readForm parses a form-encoded POST body. It rejects other content
// types, oversized bodies, secrets in the query string and repeated
// parameters (RFC 6749 section 3.2).
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, *oauthError) {
	q := r.URL.Query()
	for _, p := range sensitiveParams {
		if q.Has(p) {
			return nil, errInvalidRequest("Credentials, codes and tokens must be sent in the request body, never in the URL")
		}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errInvalidRequest("The request body must be application/x-www-form-urlencoded")
	}
	body, err := httpx.ReadBody(r, maxFormBytes)
	if err != nil {
		return nil, errInvalidRequest("The request body is too large or could not be read")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errInvalidRequest("The request body is not valid form encoding")
	}
	for k, vs := range form {
		if len(vs) > 1 {
			return nil, errInvalidRequest("Parameter " + safeParamName(k) + " was sent more than once")
		}
	}
	return form, nil
}

// safeParamName keeps a parameter name fit to echo in an error message.
func safeParamName(k string) string {
	if len(k) > 40 {
		k = k[:40]
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '?'
	}, k)
}

// handleToken is POST /oauth/token: authorization_code, refresh_token and
// password grants.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	form, oerr := readForm(w, r)
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	grant := form.Get("grant_type")
	if grant == "" {
		writeOAuthError(w, errInvalidRequest("grant_type is required"))
		return
	}
	var (
		app     *domain.OAuthApp
		refresh refreshRead
	)
	if grant == "refresh_token" {
		app, refresh, oerr = s.authenticateRefresh(r, form)
	} else {
		app, oerr = s.authenticateClient(r.Context(), r, form)
	}
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	var resp *tokenResponse
	switch grant {
	case "authorization_code":
		resp, oerr = s.grantAuthorizationCode(r, app, form)
	case "refresh_token":
		resp, oerr = s.grantRefreshToken(r, app, form, refresh)
	case "password":
		resp, oerr = s.grantPassword(r, app, form)
	default:
		oerr = &oauthError{Status: http.StatusBadRequest, Code: "unsupported_grant_type",
			Description: "Supported grant types are authorization_code, refresh_token and password"}
	}
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	noStore(w)
	httpx.WriteJSON(w, http.StatusOK, resp)
}

// issueTokens mints an access token and a refresh token in family f and
// stores them (in the caller's transaction).
func (s *Server) issueTokens(r *http.Request, tx *store.Store, f *store.OAuthFamily, scopes domain.ScopeSet, now time.Time) (*tokenResponse, error) {
	p := s.mintPair(f, scopes, now)
	if err := tx.CreateOAuthTokens(r.Context(), p.access, p.refresh); err != nil {
		return nil, err
	}
	return p.resp, nil
}

// tokenPair is an access and a refresh token minted and not yet stored.
type tokenPair struct {
	access, refresh *store.OAuthToken
	resp            *tokenResponse
}

// mintPair mints an access token and a refresh token in family f. The
// access token carries scopes; the refresh token carries the family's
// ceiling so a later refresh may ask for any of it again.
func (s *Server) mintPair(f *store.OAuthFamily, scopes domain.ScopeSet, now time.Time) tokenPair {
	access, refresh := newToken(now), newToken(now)
	exp := now.Add(s.accessTTL)
	return tokenPair{
		access:  &store.OAuthToken{FamilyID: f.ID, Kind: store.TokenAccess, Digest: tokenKey(access), Scopes: scopes, CreatedAt: now, ExpiresAt: &exp},
		refresh: &store.OAuthToken{FamilyID: f.ID, Kind: store.TokenRefresh, Digest: tokenKey(refresh), Scopes: f.Scopes, CreatedAt: now},
		resp: &tokenResponse{
			AccessToken:  access,
			TokenType:    "Bearer",
			ExpiresIn:    int64(s.accessTTL / time.Second),
			RefreshToken: refresh,
			Scope:        scopes.String(),
			CreatedAt:    now.Unix(),
		},
	}
}

// internal logs an unexpected error (never with secrets) and returns the
// generic server_error.
func (s *Server) internal(r *http.Request, what string, err error) *oauthError {
	s.log.ErrorContext(r.Context(), "oauth: "+what, "err", err, "request_id", httpx.RequestID(r.Context()))
	return errServer()
}
