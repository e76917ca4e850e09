package oauth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

const refreshRefused = "The refresh token is invalid, expired, revoked or already used"

// grantRefreshToken rotates a refresh token: the presented token is spent
// and a new access and refresh token are issued in the same family.
// Presenting a spent token again within the grace window (by the same
// client) returns the pair it was rotated into; later, or by another
// client, it revokes the whole family. The scope may be narrowed below
// the family's (the family keeps its own), never widened. Tokens unused
// for RefreshIdle, of a revoked family, or older than the user's last
// password change are refused.
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
		if fam.AppID == app.ID && tok.UsedAt != nil {
			// Presented again: within the grace window the same pair.
			r, err := s.graceReplay(ctx, tx, tok, raw, now)
			if err != nil || r != nil {
				resp = r
				return err
			}
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
		if rec.UserDisabled {
			if err := tx.RevokeOAuthFamily(ctx, fam.ID, "operator_disabled", now); err != nil {
				return err
			}
			fail = errInvalidGrant(refreshRefused)
			return nil
		}
		// The operator's role now bounds the new tokens.
		ceiling := authz.Limit(rec.UserRole, fam.Scopes.Intersect(allowedScopes(app)))
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
		if !ok { // spent concurrently: the same pair if within the grace window, else reuse
			again, err := tx.GetOAuthTokenRecord(ctx, tok.Digest)
			if err != nil {
				return err
			}
			if again.Token.UsedAt != nil && again.Token.RevokedAt == nil && again.Family.RevokedAt == nil {
				r, err := s.graceReplay(ctx, tx, &again.Token, raw, now)
				if err != nil || r != nil {
					resp = r
					return err
				}
			}
			if err := tx.RevokeOAuthFamily(ctx, fam.ID, "refresh token replayed", now); err != nil {
				return err
			}
			fail = errInvalidGrant(refreshRefused)
			return nil
		}
		resp, err = s.issueTokens(r, tx, fam, scopes, now)
		if err != nil || s.refreshGrace < 0 {
			return err
		}
		sealed, err := sealSuccessor(raw, tok.Digest, resp)
		if err != nil {
			return err
		}
		return tx.SetOAuthRefreshSuccessor(ctx, tok.ID, sealed)
	})
	if err != nil {
		return nil, s.internal(r, "refresh", err)
	}
	if fail != nil {
		return nil, fail
	}
	return resp, nil
}

// graceReplay answers a refresh token presented again after it was
// rotated: within the grace window, and while the pair it was rotated
// into is still the newest (its refresh token unused), with that pair
// (unsealed with the presented token). It returns nil, nil otherwise; the
// caller then treats the request as reuse.
func (s *Server) graceReplay(ctx context.Context, tx *store.Store, tok *store.OAuthToken, raw string, now time.Time) (*tokenResponse, error) {
	if tok.UsedAt == nil || now.Sub(*tok.UsedAt) > s.refreshGrace {
		return nil, nil
	}
	sealed, err := tx.GetOAuthRefreshSuccessor(ctx, tok.ID)
	if err != nil || sealed == "" {
		return nil, err
	}
	resp, err := openSuccessor(raw, tok.Digest, sealed)
	if err != nil {
		s.log.WarnContext(ctx, "oauth: refresh successor does not open", "token_id", tok.ID)
		return nil, nil
	}
	// Only while the pair is the family's newest: once its refresh token
	// has been used in turn, the old one is stale and its replay is reuse.
	next, err := tx.GetOAuthTokenRecord(ctx, digest(resp.RefreshToken))
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if next.Token.UsedAt != nil || next.Token.RevokedAt != nil || next.Family.RevokedAt != nil || next.Family.ID != tok.FamilyID {
		return nil, nil
	}
	s.log.InfoContext(ctx, "oauth: refresh token presented again within the grace window; same pair returned", "token_id", tok.ID)
	return resp, nil
}
