package oauth

import (
	"context"

	"github.com/lintel-dev/lintel/internal/domain"
)

// CodeClient returns the application an unused, unexpired authorization
// code was issued to, for a page that shows how to exchange the code (the
// demo's /callback): it can then print the real client_id. It returns nil
// for anything else, a malformed code included (no lookup is made then).
// It reveals nothing the code's holder could not learn by exchanging it.
func (s *Server) CodeClient(ctx context.Context, code string) *domain.OAuthApp {
	if !plausibleSecret(code) {
		return nil
	}
	c, err := s.store.GetOAuthCodeByDigest(ctx, digest(code))
	if err != nil || c.UsedAt != nil || !s.now().Before(c.ExpiresAt) {
		return nil
	}
	app, err := s.store.GetOAuthApp(ctx, c.AppID)
	if err != nil {
		return nil
	}
	return app
}
