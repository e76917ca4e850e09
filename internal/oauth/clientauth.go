package oauth

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
)

// clientCreds are the credentials a request presented.
type clientCreds struct {
	id, secret string
	basic      bool // sent with HTTP Basic
}

// readClientCreds extracts client credentials from HTTP Basic or from the
// form (client_id, client_secret). Using both methods at once is
// invalid_request; a client_id in the form that repeats the Basic one is
// tolerated. A malformed Basic header is invalid_client.
func readClientCreds(r *http.Request, form url.Values) (clientCreds, *oauthError) {
	formID, formSecret := form.Get("client_id"), form.Get("client_secret")
	h := r.Header.Get("Authorization")
	if h == "" {
		return clientCreds{id: formID, secret: formSecret}, nil
	}
	scheme, payload, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return clientCreds{}, errInvalidRequest("Client credentials must be sent with HTTP Basic or as client_id and client_secret form fields")
	}
	id, secret, ok := parseBasic(strings.TrimSpace(payload))
	if !ok {
		return clientCreds{}, errInvalidClient(true)
	}
	if formSecret != "" || (formID != "" && formID != id) {
		return clientCreds{}, errInvalidRequest("Use one client authentication method: HTTP Basic or form fields, not both")
	}
	return clientCreds{id: id, secret: secret, basic: true}, nil
}

// parseBasic decodes "base64(client_id:client_secret)". It accepts the
// standard and the URL-safe alphabet, with or without padding, and
// form-URL-decodes both halves (RFC 6749 section 2.3.1); a half that does
// not URL-decode is taken as is.
func parseBasic(payload string) (id, secret string, ok bool) {
	if payload == "" || len(payload) > 1024 {
		return "", "", false
	}
	var raw []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(payload); err == nil {
			raw = b
			break
		}
	}
	if raw == nil {
		return "", "", false
	}
	id, secret, ok = strings.Cut(string(raw), ":")
	if !ok || id == "" {
		return "", "", false
	}
	return formUnescape(id), formUnescape(secret), true
}

func formUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// authenticateClient resolves and authenticates the client of a token or
// revocation request. Confidential apps must present their secret; public
// apps present only their client_id and must not send a secret. Unknown
// clients and wrong secrets get the same 401 invalid_client after the same
// work. Repeated failures for one client_id from one address get 429;
// the right secret is never refused, however many wrong ones others sent.
// Suspended apps get unauthorized_client.
func (s *Server) authenticateClient(ctx context.Context, r *http.Request, form url.Values) (*domain.OAuthApp, *oauthError) {
	creds, oerr := clientCredentials(r, form)
	if oerr != nil {
		return nil, oerr
	}
	return s.authenticateAs(ctx, r, creds)
}

// clientCredentials reads the credentials a token or revocation request
// presents, refusing those that name no client.
func clientCredentials(r *http.Request, form url.Values) (clientCreds, *oauthError) {
	creds, oerr := readClientCreds(r, form)
	if oerr != nil {
		return clientCreds{}, oerr
	}
	if creds.id == "" || len(creds.id) > 200 {
		return clientCreds{}, errInvalidClient(creds.basic)
	}
	return creds, nil
}

// authenticateAs authenticates creds against the application they name,
// read from the store.
func (s *Server) authenticateAs(ctx context.Context, r *http.Request, creds clientCreds) (*domain.OAuthApp, *oauthError) {
	app, err := s.store.GetOAuthAppByUID(ctx, creds.id)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		s.log.ErrorContext(ctx, "oauth: load client", "err", err)
		return nil, errServer()
	}
	return s.checkClient(r, creds, app)
}

// checkClient authenticates creds against app (nil: no such client), as
// authenticateClient describes.
func (s *Server) checkClient(r *http.Request, creds clientCreds, app *domain.OAuthApp) (*domain.OAuthApp, *oauthError) {
	presented := digest(creds.secret)
	ok := false
	if app == nil {
		digestEqual(presented, digest("unknown client")) // same work as a real comparison
	} else if app.Confidential() {
		ok = creds.secret != "" && digestEqual(presented, app.SecretDigest)
	} else {
		ok = creds.secret == "" // a public client has nothing to present
	}
	if !ok {
		// Wrong secrets are throttled per client_id and address: a flood
		// from one place cannot lock the real client out, and a request
		// with the right secret is never refused.
		key := creds.id + "|" + clientIP(r)
		if blocked, retry := s.clientFails.blocked(key); blocked {
			return nil, errTooMany("Too many failed client authentications from this address; try again later", retry)
		}
		s.clientFails.fail(key)
		return nil, errInvalidClient(creds.basic)
	}
	if app.State == domain.AppSuspended {
		return nil, errUnauthorizedClient("This application is suspended")
	}
	return app, nil
}
