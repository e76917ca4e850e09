package oauth

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// NewApp is what CreateApp needs to register an application.
type NewApp struct {
	AccountID                                               int64
	Name                                                    string
	RedirectURIs                                            []string
	Scopes                                                  domain.ScopeSet
	Public                                                  bool   // no secret (PKCE required then)
	State                                                   string // domain app state: "testing" (default) or "live"
	PasswordGrant, RequirePKCE, RequireState, AdmitApproved bool
}

// Limits on registration input.
const (
	maxAppName      = 200
	maxRedirectURIs = 20
	maxRedirectLen  = 2000
)

// CreateApp validates and stores an app, returning it and its client
// secret (shown once; only its SHA-256 digest is stored). Public apps get
// no secret and always require PKCE.
//
// Validation failures are *domain.Error with code EINVALID and per-field
// messages: a blank or long name, no redirect URI or a bad one (see
// ValidateRedirectURI), no scope or an unknown one, an unknown state, or a
// public app with the password grant. A missing account gives ENOTFOUND.
func CreateApp(ctx context.Context, st *store.Store, in NewApp) (*domain.OAuthApp, string, error) {
	var v domain.Validation
	name := checkAppName(&v, in.Name)
	redirects := checkRedirectURIs(&v, in.RedirectURIs)
	checkAppScopes(&v, in.Scopes)
	state := in.State
	if state == "" {
		state = domain.AppTesting
	}
	checkAppState(&v, state)
	if in.Public && in.PasswordGrant {
		v.Add("password_grant", "a public application (no secret) cannot use the password grant")
	}
	if in.AccountID <= 0 {
		v.Add("account_id", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	app := &domain.OAuthApp{
		AccountID:     in.AccountID,
		Name:          name,
		RedirectURIs:  redirects,
		Scopes:        domain.NewScopeSet(in.Scopes.List()...),
		State:         state,
		PasswordGrant: in.PasswordGrant,
		RequirePKCE:   in.RequirePKCE || in.Public,
		RequireState:  in.RequireState,
		AdmitApproved: in.AdmitApproved,
	}
	var secret string
	if !in.Public {
		secret = newSecret()
		app.SecretDigest = digest(secret)
	}
	if err := st.CreateOAuthApp(ctx, app); err != nil {
		return nil, "", err
	}
	return app, secret, nil
}

func checkAppName(v *domain.Validation, raw string) string {
	name := strings.TrimSpace(raw)
	switch {
	case name == "":
		v.Add("name", "can't be blank")
	case utf8.RuneCountInString(name) > maxAppName:
		v.Add("name", fmt.Sprintf("must be at most %d characters", maxAppName))
	}
	return name
}

// checkRedirectURIs validates the list (see ValidateRedirectURI) and
// returns it without duplicates.
func checkRedirectURIs(v *domain.Validation, uris []string) []string {
	if len(uris) == 0 {
		v.Add("redirect_uris", "at least one redirect URI is required")
	}
	if len(uris) > maxRedirectURIs {
		v.Add("redirect_uris", fmt.Sprintf("at most %d redirect URIs are allowed", maxRedirectURIs))
	}
	seen := map[string]bool{}
	redirects := make([]string, 0, len(uris))
	for _, u := range uris {
		if err := ValidateRedirectURI(u); err != nil {
			v.Add("redirect_uris", err.Error())
			continue
		}
		if !seen[u] {
			seen[u] = true
			redirects = append(redirects, u)
		}
	}
	return redirects
}

func checkAppScopes(v *domain.Validation, scopes domain.ScopeSet) {
	if len(scopes) == 0 {
		v.Add("scopes", "at least one scope is required")
	}
	if unknown := scopes.Unknown(); len(unknown) > 0 {
		v.Add("scopes", "unknown scope(s): "+strings.Join(unknown, ", "))
	}
}

func checkAppState(v *domain.Validation, state string) {
	if state != domain.AppTesting && state != domain.AppLive && state != domain.AppSuspended {
		v.Add("state", `must be "testing", "live" or "suspended"`)
	}
}

// AppUpdate is a change to an application: nil fields keep their value.
type AppUpdate struct {
	Name                                                    *string
	RedirectURIs                                            []string // nil keeps them
	Scopes                                                  domain.ScopeSet
	State                                                   *string
	PasswordGrant, RequirePKCE, RequireState, AdmitApproved *bool
}

// UpdateApp applies upd to app (validated as CreateApp validates) and
// saves it. When the change suspends the app, withdraws its admit approval
// or narrows its scopes, every token family issued to it is revoked in the
// same transaction; revoked says how many and why (empty when none). A
// public app keeps PKCE required and may not get the password grant.
// Errors: EINVALID with per-field messages; ENOTFOUND for a missing app.
func UpdateApp(ctx context.Context, st *store.Store, app *domain.OAuthApp, upd AppUpdate, now time.Time) (revoked int64, why string, err error) {
	var v domain.Validation
	next := *app
	var reasons []string
	if upd.Name != nil {
		next.Name = checkAppName(&v, *upd.Name)
	}
	if upd.RedirectURIs != nil {
		next.RedirectURIs = checkRedirectURIs(&v, upd.RedirectURIs)
	}
	if upd.Scopes != nil {
		checkAppScopes(&v, upd.Scopes)
		next.Scopes = domain.NewScopeSet(upd.Scopes.List()...)
		if !next.Scopes.Contains(app.Scopes) {
			reasons = append(reasons, "scopes narrowed")
		}
	}
	if upd.State != nil {
		checkAppState(&v, *upd.State)
		next.State = *upd.State
		if next.State == domain.AppSuspended && app.State != domain.AppSuspended {
			reasons = append(reasons, "app suspended")
		}
	}
	if upd.PasswordGrant != nil {
		next.PasswordGrant = *upd.PasswordGrant
	}
	if upd.RequirePKCE != nil {
		next.RequirePKCE = *upd.RequirePKCE
	}
	if upd.RequireState != nil {
		next.RequireState = *upd.RequireState
	}
	if upd.AdmitApproved != nil {
		next.AdmitApproved = *upd.AdmitApproved
		if app.AdmitApproved && !next.AdmitApproved {
			reasons = append(reasons, "admit approval withdrawn")
		}
	}
	if !next.Confidential() {
		if next.PasswordGrant {
			v.Add("password_grant", "a public application (no secret) cannot use the password grant")
		}
		if !next.RequirePKCE {
			v.Add("require_pkce", "a public application (no secret) always requires PKCE")
		}
	}
	if err := v.Err(); err != nil {
		return 0, "", err
	}
	why = strings.Join(reasons, "; ")
	err = st.InTx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateOAuthApp(ctx, &next); err != nil {
			return err
		}
		if why == "" {
			return nil
		}
		var err error
		revoked, err = tx.RevokeOAuthFamilies(ctx, store.FamilyFilter{AppID: app.ID}, why, now)
		return err
	})
	if err != nil {
		return 0, "", err
	}
	*app = next
	return revoked, why, nil
}

// RotateSecret gives a confidential application a new client secret and
// returns it (shown once). The old secret stops working at once; tokens
// already issued stay valid. A missing app gives ENOTFOUND; a public app
// gives EINVALID.
func RotateSecret(ctx context.Context, st *store.Store, appID int64) (string, error) {
	app, err := st.GetOAuthApp(ctx, appID)
	if err != nil {
		return "", err
	}
	if !app.Confidential() {
		return "", domain.Errorf(domain.EINVALID, "a public application has no secret to rotate")
	}
	secret := newSecret()
	app.SecretDigest = digest(secret)
	if err := st.UpdateOAuthApp(ctx, app); err != nil {
		return "", err
	}
	return secret, nil
}

// ValidateRedirectURI checks one redirect URI for registration. It must be
// an absolute URI without fragment, user info or wildcard, and either
// https, http on a loopback host (127.0.0.1, [::1] or localhost, for
// development and native apps), or a private-use scheme with a dot in it
// (reverse domain name, for native apps, RFC 8252). The error says why not.
func ValidateRedirectURI(raw string) error {
	if raw == "" || len(raw) > maxRedirectLen {
		return fmt.Errorf("%q: must be 1 to %d characters", truncate(raw), maxRedirectLen)
	}
	for _, r := range raw {
		if r <= ' ' || r == 0x7f || r == '"' || r == '\'' || r == '<' || r == '>' || r == '\\' || r == '`' || r >= 0x80 {
			return fmt.Errorf("%q: contains a character that is not allowed", truncate(raw))
		}
	}
	if strings.Contains(raw, "*") {
		return fmt.Errorf("%q: wildcards are not allowed", truncate(raw))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("%q: must be an absolute URI", truncate(raw))
	}
	if strings.Contains(raw, "#") {
		return fmt.Errorf("%q: must not contain a fragment", truncate(raw))
	}
	if u.User != nil {
		return fmt.Errorf("%q: must not contain user information", truncate(raw))
	}
	switch u.Scheme {
	case "https":
		if u.Hostname() == "" {
			return fmt.Errorf("%q: must name a host", truncate(raw))
		}
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return fmt.Errorf("%q: plain http is only allowed for loopback addresses (127.0.0.1, [::1], localhost); use https", truncate(raw))
		}
	default:
		if !strings.Contains(u.Scheme, ".") {
			return fmt.Errorf("%q: must use https (or a reverse-domain scheme such as com.example.app: for native apps)", truncate(raw))
		}
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
