package oauth

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// handleRevoke is POST /oauth/revoke (RFC 7009). The client authenticates
// like at the token endpoint. Revoking a refresh token revokes its whole
// family; revoking an access token revokes that token. Unknown, expired
// and already revoked tokens get 200 {} so the endpoint tells nothing; a
// token that belongs to another client gets 403 unauthorized_client (the
// DoorFlow answer) and stays valid. So does a request whose client did not
// authenticate (no credentials, another scheme than Basic, a malformed
// Basic header, an unknown client or a wrong secret): DoorFlow documents
// 403 unauthorized_client there, not RFC 7009's 401 invalid_client. token_type_hint is accepted and not
// needed: one lookup finds either kind.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form, oerr := readForm(w, r)
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	app, oerr := s.authenticateClient(ctx, r, form)
	if oerr != nil {
		writeOAuthError(w, revokeAuthError(r, form, oerr))
		return
	}
	raw := form.Get("token")
	if raw == "" {
		writeOAuthError(w, errInvalidRequest("token is required"))
		return
	}
	ok := func() {
		noStore(w)
		httpx.WriteJSON(w, http.StatusOK, struct{}{})
	}
	if !plausibleSecret(raw) {
		ok()
		return
	}
	rec, err := findToken(ctx, s.store.GetOAuthTokenRecord, raw)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		ok()
		return
	}
	if err != nil {
		writeOAuthError(w, s.internal(r, "revoke lookup", err))
		return
	}
	if rec.Family.AppID != app.ID {
		writeOAuthError(w, &oauthError{Status: http.StatusForbidden, Code: "unauthorized_client", Description: "You are not authorized to revoke this token"})
		return
	}
	now := s.now()
	if rec.Token.Kind == store.TokenRefresh {
		err = s.store.RevokeOAuthFamily(ctx, rec.Family.ID, "revoked by client", now)
	} else {
		err = s.store.RevokeOAuthToken(ctx, rec.Token.ID, now)
	}
	if err != nil {
		writeOAuthError(w, s.internal(r, "revoke", err))
		return
	}
	ok()
}

// revokeAuthError turns a failed client authentication at the revocation
// endpoint into DoorFlow's 403 unauthorized_client. Throttling (429),
// server errors and requests mixing two authentication methods keep
// their answer.
func revokeAuthError(r *http.Request, form url.Values, e *oauthError) *oauthError {
	switch {
	case e.Code == "invalid_client", e.Code == "unauthorized_client":
	case e.Code == "invalid_request" && r.Header.Get("Authorization") != "" && !hasBasicScheme(r):
	default:
		return e
	}
	desc := "Client authentication failed: send client_id:client_secret with HTTP Basic"
	if r.Header.Get("Authorization") == "" && form.Get("client_id") == "" && form.Get("client_secret") == "" {
		desc = "Client authentication is required: send client_id:client_secret with HTTP Basic"
	} else if e.Code == "unauthorized_client" {
		desc = e.Description
	}
	return &oauthError{Status: http.StatusForbidden, Code: "unauthorized_client", Description: desc}
}

func hasBasicScheme(r *http.Request) bool {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Basic")
}
