package oauth

import (
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
)

// ScopeAdmit is the restricted scope that needs an operator's approval.
const ScopeAdmit = "account.channel.admit"

// ignoredScopes are accepted for compatibility with clients written for
// other identity servers and then dropped: refresh tokens are always
// issued, and Lintel is not an OpenID provider.
var ignoredScopes = map[string]bool{"offline_access": true, "openid": true}

const maxScopeParam = 2000

// allowedScopes is what an app may be granted right now: its registered
// scopes, without the restricted admit scope unless it is approved.
func allowedScopes(app *domain.OAuthApp) domain.ScopeSet {
	out := domain.ScopeSet{}
	for n := range app.Scopes {
		if n == ScopeAdmit && !app.AdmitApproved {
			continue
		}
		out[n] = struct{}{}
	}
	return out
}

// resolveScopes turns a requested scope string into the set to grant app.
// When nothing is requested the default is every scope the app is allowed
// (the DoorFlow documentation's rule; the consent page lists them all).
// Unknown scopes, scopes the app is not registered for, and the restricted
// admit scope without approval are invalid_scope, never silently dropped.
func resolveScopes(app *domain.OAuthApp, requested string) (domain.ScopeSet, *oauthError) {
	if len(requested) > maxScopeParam {
		return nil, errInvalidScope("The scope parameter is too long")
	}
	set := domain.ParseScopes(requested)
	for n := range set {
		if ignoredScopes[n] {
			delete(set, n)
		}
	}
	if unknown := set.Unknown(); len(unknown) > 0 {
		return nil, errInvalidScope("Unknown scope: " + strings.Join(unknown, " "))
	}
	if _, ok := set[ScopeAdmit]; ok && !app.AdmitApproved {
		return nil, errInvalidScope(ScopeAdmit + " is a restricted scope and this application has not been approved for it; request account.channel.admit.person instead or ask the operator for approval")
	}
	allowed := allowedScopes(app)
	var refused []string
	for _, n := range set.List() {
		if !allowed.Has(n) {
			refused = append(refused, n)
		}
	}
	if len(refused) > 0 {
		return nil, errInvalidScope("This application is not registered for scope: " + strings.Join(refused, " "))
	}
	if len(set) == 0 {
		set = allowed
	}
	if len(set) == 0 {
		return nil, errInvalidScope("No scope was requested and the application has none it may use")
	}
	return set, nil
}
