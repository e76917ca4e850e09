package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	lintel "github.com/lintel-dev/lintel/sdk"
)

// connect starts the authorization: a fresh state and PKCE verifier kept
// in the session (never in the page), and a redirect to Lintel's consent
// page.
func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	req, err := s.auth.AuthCodeURL()
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	s.sessMu.Lock()
	sess := sessionOf(r)
	sess.oauthState, sess.codeVerifier = req.State, req.CodeVerifier
	s.sessMu.Unlock()
	http.Redirect(w, r, req.URL, http.StatusFound)
}

// callback finishes it: the SDK checks the state, exchanges the code with
// the verifier and stores the tokens in tokens.json.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	s.sessMu.Lock()
	sess := sessionOf(r)
	state, verifier := sess.oauthState, sess.codeVerifier
	sess.oauthState, sess.codeVerifier = "", "" // one use
	s.sessMu.Unlock()
	_, err := s.auth.HandleCallback(r.Context(), r.URL.Query(), state, verifier)
	switch {
	case errors.Is(err, lintel.ErrStateMismatch):
		s.addFlash(r, "error", "That sign-in did not start here (or the tab is stale): connect again.")
	case err != nil:
		s.addFlash(r, "error", "Connecting failed: "+err.Error())
	default:
		s.addFlash(r, "ok", "Connected to Lintel. Next: map your teams to groups in Settings, then sync.")
		s.startStream()
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// tokenStatus is what /api/auth/status shows: never the tokens themselves.
type tokenStatus struct {
	Connected bool      `json:"connected"`
	BaseURL   string    `json:"base_url"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	ExpiresIn int64     `json:"expires_in,omitempty"` // seconds
	Scopes    []string  `json:"scopes,omitempty"`
	Refresh   bool      `json:"has_refresh_token"`
	Streaming bool      `json:"event_stream"`
	Webhooks  bool      `json:"webhooks"`
}

func (s *Server) tokenStatus(ctx context.Context) *tokenStatus {
	st := &tokenStatus{BaseURL: s.cfg.BaseURL, Webhooks: s.cfg.WebhookSecret != ""}
	t, err := s.auth.Storage().Load(ctx)
	if err != nil || t == nil {
		return st
	}
	st.Connected, st.Scopes, st.Refresh = true, t.Scopes(), t.RefreshToken != ""
	if !t.Expiry.IsZero() {
		st.ExpiresAt, st.ExpiresIn = t.Expiry, int64(time.Until(t.Expiry).Seconds())
	}
	s.streamMu.Lock()
	st.Streaming = s.streamCancel != nil
	s.streamMu.Unlock()
	return st
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.tokenStatus(r.Context()))
}

// disconnect revokes the grant at Lintel and forgets it.
func (s *Server) disconnect(r *http.Request) (*result, error) {
	s.stopStream()
	if err := s.auth.Disconnect(r.Context()); err != nil {
		return nil, err
	}
	return &result{data: s.tokenStatus(r.Context()), redirect: "/", message: "Disconnected: the tokens were revoked at Lintel and deleted here."}, nil
}

// forceRefresh refreshes the token now (the SDK does it by itself five
// minutes before expiry).
func (s *Server) forceRefresh(r *http.Request) (*result, error) {
	if _, err := s.auth.Refresh(r.Context()); err != nil {
		return nil, err
	}
	return &result{data: s.tokenStatus(r.Context()), redirect: "/", message: "Token refreshed: a new access token and a new refresh token."}, nil
}
