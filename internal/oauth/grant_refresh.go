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

// refreshRead is the presented refresh token as authenticateRefresh read
// it: done when it was read, rec its record (nil: no such token).
type refreshRead struct {
	rec  *store.OAuthTokenRecord
	done bool
}

// authenticateRefresh authenticates the client of a refresh grant. It
// reads the presented refresh token first, with its whole application in
// the same query: when the token is the named client's, the client is
// authenticated against that application and a refresh reads the
// database once before it writes. Otherwise (no such token, another
// client's, nothing plausible presented) the client is authenticated as
// authenticateClient does. A token that is not the client's is not
// judged here: client authentication is answered first. The answer is the
// same either way; only its timing can tell a holder of a real refresh
// token which client_id the token belongs to, which is no secret.
func (s *Server) authenticateRefresh(r *http.Request, form url.Values) (*domain.OAuthApp, refreshRead, *oauthError) {
	ctx := r.Context()
	creds, oerr := clientCredentials(r, form)
	if oerr != nil {
		return nil, refreshRead{}, oerr
	}
	var read refreshRead
	if raw := form.Get("refresh_token"); plausibleSecret(raw) {
		rec, err := findToken(ctx, s.store.GetOAuthRefreshRecord, raw)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return nil, refreshRead{}, s.internal(r, "refresh lookup", err)
		}
		read = refreshRead{rec: rec, done: true}
		if rec != nil && rec.App.UID == creds.id {
			app, oerr := s.checkClient(r, creds, rec.App)
			return app, read, oerr
		}
	}
	app, oerr := s.authenticateAs(ctx, r, creds)
	return app, read, oerr
}

// grantRefreshToken rotates a refresh token: the presented token is spent
// and a new access and refresh token are issued in the same family.
// Presenting a spent token again within the grace window (by the same
// client) returns the pair it was rotated into; later, or by another
// client, it revokes the whole family. The scope may be narrowed below
// the family's (the family keeps its own), never widened. Tokens unused
// for RefreshIdle, of a revoked family, or older than the user's last
// password change are refused.
//
// The token is judged from the read authenticateRefresh made (read), and
// rotated through store.InWriter: on PostgreSQL outside any transaction,
// the rotation one statement. The rotation spends the token only while
// what the decision was made on still holds
// (store.RotateOAuthRefreshToken); one refused because something changed
// since the read (a concurrent rotation of the same token, a revocation,
// a change of the user) is decided again from a new read, once.
func (s *Server) grantRefreshToken(r *http.Request, app *domain.OAuthApp, form url.Values, read refreshRead) (*tokenResponse, *oauthError) {
	ctx := r.Context()
	raw := form.Get("refresh_token")
	if raw == "" {
		return nil, errInvalidRequest("refresh_token is required")
	}
	if !plausibleSecret(raw) {
		return nil, errInvalidGrant(refreshRefused)
	}
	now := s.now()
	var (
		resp *tokenResponse
		fail *oauthError
	)
	err := s.store.InWriter(ctx, func(st *store.Store) error {
		for attempt := 1; ; attempt++ {
			var (
				again bool
				err   error
			)
			resp, fail, again, err = s.refreshOnce(ctx, st, app, form, raw, read, now)
			read = refreshRead{} // a second attempt reads again
			switch {
			case err != nil || !again:
				return err
			case attempt == 2:
				fail = errInvalidGrant(refreshRefused)
				return nil
			}
		}
	})
	if err != nil {
		return nil, s.internal(r, "refresh", err)
	}
	return resp, fail
}

// refreshOnce reads the presented refresh token, unless read holds it
// already, and acts on it: it answers the pair of a rotation, the same
// pair again within the grace window, or a refusal (after revoking the
// family when the verdict says so). again reports a rotation refused
// because the token, its family or its user changed since the read.
func (s *Server) refreshOnce(ctx context.Context, st *store.Store, app *domain.OAuthApp, form url.Values, raw string, read refreshRead, now time.Time) (resp *tokenResponse, fail *oauthError, again bool, err error) {
	rec := read.rec
	if !read.done {
		rec, err = findToken(ctx, st.GetOAuthTokenRecord, raw)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return nil, nil, false, err
		}
	}
	if rec == nil {
		return nil, errInvalidGrant(refreshRefused), false, nil
	}
	v := s.judgeRefresh(app, rec, form, now)
	if v.replay { // presented again: within the grace window the same pair
		if r, err := s.graceReplay(ctx, st, &rec.Token, raw, now); err != nil || r != nil {
			return r, nil, false, err
		}
	}
	if v.revoke != "" {
		if err := st.RevokeOAuthFamily(ctx, rec.Family.ID, v.revoke, now); err != nil {
			return nil, nil, false, err
		}
		if v.reuse {
			s.log.WarnContext(ctx, "oauth: "+v.revoke+"; token family revoked", "family_id", rec.Family.ID, "app_id", rec.Family.AppID)
		}
	}
	if !v.rotate() {
		return nil, v.fail, false, nil
	}
	p, sealed, err := s.rotation(rec, v.scopes, raw, now)
	if err != nil {
		return nil, nil, false, err
	}
	ok, err := st.RotateOAuthRefreshToken(ctx, rec.Token.ID, rec.UserRole, sealed, now, p.access, p.refresh)
	if err != nil || !ok {
		return nil, nil, err == nil, err
	}
	return p.resp, nil, false, nil
}

// refreshVerdict is what a refresh token's record decides: rotate into
// scopes, or refuse with fail, after revoking the family (revoke, its
// reason; reuse when the reason is a replay or another client) and, for a
// token presented again (replay), unless the grace window answers first.
type refreshVerdict struct {
	scopes domain.ScopeSet
	fail   *oauthError
	revoke string
	reuse  bool
	replay bool
}

func (v refreshVerdict) rotate() bool { return v.fail == nil }

// judgeRefresh checks a refresh token's record, read at now.
func (s *Server) judgeRefresh(app *domain.OAuthApp, rec *store.OAuthTokenRecord, form url.Values, now time.Time) refreshVerdict {
	tok, fam := &rec.Token, &rec.Family
	refused := errInvalidGrant(refreshRefused)
	switch {
	case tok.Kind != store.TokenRefresh, fam.RevokedAt != nil, tok.RevokedAt != nil:
		return refreshVerdict{fail: refused}
	case fam.AppID != app.ID:
		return refreshVerdict{fail: refused, revoke: "refresh token presented by another client", reuse: true}
	case tok.UsedAt != nil:
		return refreshVerdict{fail: refused, revoke: "refresh token replayed", reuse: true, replay: true}
	case now.Sub(tok.CreatedAt) > s.refreshIdle:
		// Every rotation mints a new refresh token, so the presented
		// token's age is the time since the family was last used.
		return refreshVerdict{fail: refused}
	case rec.PasswordChangedAt.After(fam.CreatedAt):
		return refreshVerdict{fail: refused, revoke: "password changed"}
	case rec.UserDisabled:
		return refreshVerdict{fail: refused, revoke: "operator_disabled"}
	}
	// The operator's role now bounds the new tokens.
	ceiling := authz.Limit(rec.UserRole, fam.Scopes.Intersect(allowedScopes(app)))
	scopes := ceiling
	if strings.TrimSpace(form.Get("scope")) != "" {
		req, oe := resolveScopes(app, form.Get("scope"))
		if oe != nil {
			return refreshVerdict{fail: oe}
		}
		if !ceiling.Contains(req) {
			return refreshVerdict{fail: errInvalidScope("The requested scope is wider than the scope originally granted")}
		}
		scopes = req
	}
	if len(scopes) == 0 {
		return refreshVerdict{fail: errInvalidScope("None of the granted scopes is still allowed for this application")}
	}
	return refreshVerdict{scopes: scopes}
}

// rotation mints the pair a refresh token is rotated into and, unless the
// grace window is off, seals it for a replay of the token.
func (s *Server) rotation(rec *store.OAuthTokenRecord, scopes domain.ScopeSet, raw string, now time.Time) (tokenPair, string, error) {
	p := s.mintPair(&rec.Family, scopes, now)
	if s.refreshGrace < 0 {
		return p, "", nil
	}
	sealed, err := sealSuccessor(raw, rec.Token.Digest, p.resp)
	return p, sealed, err
}

// graceReplay answers a refresh token presented again after it was
// rotated: within the grace window, and while the pair it was rotated
// into is still the newest (its refresh token unused), with that pair
// (unsealed with the presented token). It returns nil, nil otherwise; the
// caller then treats the request as reuse.
func (s *Server) graceReplay(ctx context.Context, st *store.Store, tok *store.OAuthToken, raw string, now time.Time) (*tokenResponse, error) {
	if tok.UsedAt == nil || now.Sub(*tok.UsedAt) > s.refreshGrace {
		return nil, nil
	}
	sealed, err := st.GetOAuthRefreshSuccessor(ctx, tok.ID)
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
	next, err := findToken(ctx, st.GetOAuthTokenRecord, resp.RefreshToken)
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
