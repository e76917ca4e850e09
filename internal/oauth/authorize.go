package oauth

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// Limits on authorization request parameters.
const (
	maxStateLen    = 1024
	minStrictState = 8
)

// authzRequest is a validated authorization request.
type authzRequest struct {
	app          *domain.OAuthApp
	redirectURI  string // where the answer goes
	redirectSent string // redirect_uri as sent, "" when it was not
	state        string
	hasState     bool
	scopes       domain.ScopeSet
	challenge    string
	method       string
}

// parseAuthorize validates an authorization request in the order that
// keeps redirects safe: the client and the redirect URI first (problems
// there are a page error and never a redirect), then everything else (an
// OAuth error to send back to the client's redirect URI).
func (s *Server) parseAuthorize(ctx context.Context, q url.Values) (*authzRequest, *pageError, *oauthError) {
	for _, p := range []string{"client_id", "redirect_uri"} {
		if len(q[p]) > 1 {
			return nil, &pageError{http.StatusBadRequest, "Invalid request", p + " was sent more than once."}, nil
		}
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		return nil, &pageError{http.StatusBadRequest, "Invalid request", "The request does not say which application is asking (client_id is missing)."}, nil
	}
	app, err := s.store.GetOAuthAppByUID(ctx, clientID)
	if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && len(clientID) > 200) {
		return nil, &pageError{http.StatusBadRequest, "Unknown application", "No application is registered with this client_id."}, nil
	}
	if err != nil {
		s.log.ErrorContext(ctx, "oauth: load client for authorize", "err", err)
		return nil, &pageError{http.StatusInternalServerError, "Something went wrong", "An unexpected error occurred; please try again."}, nil
	}
	req := &authzRequest{app: app}
	if q.Has("redirect_uri") {
		req.redirectSent = q.Get("redirect_uri")
		if !registeredRedirect(app, req.redirectSent) {
			return nil, &pageError{http.StatusBadRequest, "Invalid redirect URI", "The redirect_uri is not one this application registered, so you will not be sent back to it."}, nil
		}
		req.redirectURI = req.redirectSent
	} else {
		if len(app.RedirectURIs) != 1 {
			return nil, &pageError{http.StatusBadRequest, "Invalid request", "redirect_uri is required because this application registered more than one."}, nil
		}
		req.redirectURI = app.RedirectURIs[0]
	}
	if app.State == domain.AppSuspended {
		return nil, &pageError{http.StatusForbidden, "Application suspended", "This application has been suspended and cannot be connected to Lintel accounts."}, nil
	}

	// From here on the client and redirect URI are trusted: errors go back to the client.
	req.state, req.hasState = q.Get("state"), q.Has("state")
	if len(req.state) > maxStateLen {
		req.state, req.hasState = "", false
		return req, nil, errInvalidRequest("state is too long")
	}
	for k, vs := range q {
		if len(vs) > 1 {
			return req, nil, errInvalidRequest("Parameter " + safeParamName(k) + " was sent more than once")
		}
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return req, nil, errInvalidRequest("response_type is required")
	default:
		return req, nil, &oauthError{Status: http.StatusBadRequest, Code: "unsupported_response_type", Description: "Only response_type=code is supported"}
	}
	if app.RequireState && len(req.state) < minStrictState {
		return req, nil, errInvalidRequest("This application must send a state of at least 8 characters")
	}
	req.challenge, req.method = q.Get("code_challenge"), q.Get("code_challenge_method")
	if req.challenge == "" {
		if req.method != "" {
			return req, nil, errInvalidRequest("code_challenge_method was sent without code_challenge")
		}
		if app.RequirePKCE || !app.Confidential() {
			return req, nil, errInvalidRequest("This application must use PKCE: send code_challenge with code_challenge_method=S256")
		}
	} else {
		if req.method != "S256" {
			return req, nil, errInvalidRequest("code_challenge_method must be S256 (plain is not accepted)")
		}
		if len(req.challenge) != 43 || !pkceShapeOK(req.challenge) {
			return req, nil, errInvalidRequest("code_challenge must be the 43-character base64url SHA-256 of the code verifier")
		}
	}
	scopes, oerr := resolveScopes(app, q.Get("scope"))
	if oerr != nil {
		return req, nil, oerr
	}
	req.scopes = scopes
	return req, nil, nil
}

// registeredRedirect reports whether uri is one of the app's redirect URIs,
// compared as exact strings. The one exception is RFC 8252's loopback
// rule: a public (native) client registered with http://127.0.0.1 or
// http://[::1] may use any port.
func registeredRedirect(app *domain.OAuthApp, uri string) bool {
	for _, r := range app.RedirectURIs {
		if r == uri {
			return true
		}
	}
	if app.Confidential() || !strings.HasPrefix(uri, "http://") {
		return false
	}
	got, err := url.Parse(uri)
	if err != nil || got.Fragment != "" || got.User != nil || strings.Contains(uri, "#") {
		return false
	}
	for _, r := range app.RedirectURIs {
		want, err := url.Parse(r)
		if err != nil || want.Scheme != "http" {
			continue
		}
		if h := want.Hostname(); h != "127.0.0.1" && h != "::1" {
			continue
		}
		if got.Hostname() == want.Hostname() && got.EscapedPath() == want.EscapedPath() && got.RawQuery == want.RawQuery && got.Scheme == want.Scheme {
			return true
		}
	}
	return false
}

// redirectURL appends the answer's parameters to the redirect URI,
// keeping any query it was registered with. It adds state when the
// request carried one and iss (RFC 9207).
func (s *Server) redirectURL(req *authzRequest, params url.Values) string {
	if req.hasState {
		params.Set("state", req.state)
	}
	params.Set("iss", s.issuer)
	sep := "?"
	if strings.Contains(req.redirectURI, "?") {
		sep = "&"
	}
	return req.redirectURI + sep + params.Encode()
}

// redirectError sends an OAuth error back to the client.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, req *authzRequest, e *oauthError, status int) {
	p := url.Values{"error": {e.Code}}
	if e.Description != "" {
		p.Set("error_description", e.Description)
	}
	noStore(w)
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, s.redirectURL(req, p), status)
}

// issueCode stores a new authorization code for the user and redirects
// the browser to the client with it.
func (s *Server) issueCode(w http.ResponseWriter, r *http.Request, req *authzRequest, user *domain.User, status int) {
	raw := newSecret()
	now := s.now()
	err := s.store.CreateOAuthCode(r.Context(), &store.OAuthCode{
		Digest: digest(raw), AppID: req.app.ID, AccountID: user.AccountID, UserID: user.ID,
		Scopes: req.scopes, RedirectURI: req.redirectSent,
		CodeChallenge: req.challenge, CodeChallengeMethod: req.method,
		ExpiresAt: now.Add(s.codeTTL), CreatedAt: now,
	})
	if err != nil {
		s.log.ErrorContext(r.Context(), "oauth: store code", "err", err)
		s.redirectError(w, r, req, &oauthError{Code: "server_error", Description: "An unexpected error occurred; please try again"}, status)
		return
	}
	noStore(w)
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, s.redirectURL(req, url.Values{"code": {raw}}), status)
}
