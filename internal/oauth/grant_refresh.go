package oauth

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

const refreshRefused = "The refresh token is invalid, expired, revoked or already used"

// grantRefreshToken rotates a refresh token: the presented token is spent
// and a new access and refresh token are issued in the same family.
// Presenting a spent token, or another client's token, revokes the whole
// family. The scope may be narrowed below the family's (the family keeps
// its own), never widened. Tokens unused for RefreshIdle, of a revoked
// family, or older than the user's last password change are refused.
func (s *Server) grantRefreshToken(r *http.Request, app *domain.OAuthApp, form url.Values) (*tokenResponse, *oauthError) {
	ctx := r.Context()
	raw := form.Get("refresh_token")
	if raw == "" {
		return nil, errInvalidRequest("refresh_token is required")
	}
	if !plausibleSecret(raw) {
		return nil, errInvalidGrant(refreshRefused)
	}
	var (
		resp *tokenResponse
		fail *oauthError
	)
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		now := s.now()
		rec, err := tx.GetOAuthTokenRecord(ctx, digest(raw))
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			fail = errInvalidGrant(refreshRefused)
			return nil
		}
		if err != nil {
			return err
		}
		tok, fam := &rec.Token, &rec.Family
		if tok.Kind != store.TokenRefresh {
			fail = errInvalidGrant(refreshRefused)
			return nil
		}
		if fam.RevokedAt != nil || tok.RevokedAt != nil {
			fail = errInvalidGrant(refreshRefused)
			return nil
		}
		if fam.AppID != app.ID || tok.UsedAt != nil {
			reason := "refresh token replayed"
			if fam.AppID != app.ID {
				reason = "refresh token presented by another client"
			}
			if err := tx.RevokeOAuthFamily(ctx, fam.ID, reason, now); err != nil {
				return err
			}
			s.log.WarnContext(ctx, "oauth: "+reason+"; token family revoked", "family_id", fam.ID, "app_id", fam.AppID)
			fail = errInvalidGrant(refreshRefused)
			return nil
		}
		// Every rotation mints a new refresh token, so the presented
		// token's age is the time since the family was last used.
		if now.Sub(tok.CreatedAt) > s.refreshIdle {
			fail = errInvalidGrant(refreshRefused)
			return nil
		}
		if rec.PasswordChangedAt.After(fam.CreatedAt) {
			if err := tx.RevokeOAuthFamily(ctx, fam.ID, "password changed", now); err != nil {
				return err
			}
			fail = errInvalidGrant(refreshRefused)
			return nil
		}
		ceiling := fam.Scopes.Intersect(allowedScopes(app))
		scopes := ceiling
		if strings.TrimSpace(form.Get("scope")) != "" {
			req, oe := resolveScopes(app, form.Get("scope"))
			if oe != nil {
				fail = oe
				return nil
			}
			if !ceiling.Contains(req) {
				fail = errInvalidScope("The requested scope is wider than the scope originally granted")
				return nil
			}
			scopes = req
		}
		if len(scopes) == 0 {
			fail = errInvalidScope("None of the granted scopes is still allowed for this application")
			return nil
		}
		ok, err := tx.UseOAuthRefreshToken(ctx, tok.ID, now)
		if err != nil {
			return err
		}
		if !ok { // spent concurrently: treat as reuse
			if err := tx.RevokeOAuthFamily(ctx, fam.ID, "refresh token replayed", now); err != nil {
				return err
			}
			fail = errInvalidGrant(refreshRefused)
			return nil
		}
		resp, err = s.issueTokens(r, tx, fam, scopes, now)
		return err
	})
	if err != nil {
		return nil, s.internal(r, "refresh", err)
	}
	if fail != nil {
		return nil, fail
	}
	return resp, nil
}
