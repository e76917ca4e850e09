// Package authz answers one question for every surface of Lintel: may
// this principal do that? The principal is whoever was authenticated: an
// operator's console session, an OAuth token from an operator's grant, a
// personal API key, or the command line (which has database access and so
// acts as an owner). The answer combines the operator's role (see
// domain.OperatorRole) with what the credential carries (a token's or a
// key's scopes): a credential never does more than its operator's role
// allows, and a role lowered after the credential was issued bounds it at
// once, since the role is read when the credential is used.
//
// The API routes (internal/api), the token endpoint and consent page
// (internal/oauth), the gateway's API keys and the console all ask here.
package authz

import (
	"github.com/lintel-dev/lintel/internal/domain"
)

// CLI is the principal of the command line: run with database access, it
// may do anything an owner may.
var CLI = &domain.Principal{Role: domain.RoleOwner, Scopes: AllScopes()}

// AllScopes returns every scope of the catalogue.
func AllScopes() domain.ScopeSet {
	out := domain.ScopeSet{}
	for _, s := range domain.Scopes {
		out[s.Name] = struct{}{}
	}
	return out
}

// Session returns the principal of an operator's console session: the
// operator's role and every scope it allows.
func Session(u *domain.User) *domain.Principal {
	return &domain.Principal{AccountID: u.AccountID, UserID: u.ID, Role: u.Role, Scopes: Limit(u.Role, AllScopes())}
}

// Limit returns the part of scopes an operator with role may hold. A write
// scope the role may not hold becomes its read-only form when the role may
// hold that (a viewer's token with account.person keeps
// account.person.readonly); anything else is dropped. An unknown role
// holds nothing.
func Limit(role domain.OperatorRole, scopes domain.ScopeSet) domain.ScopeSet {
	out := domain.ScopeSet{}
	for s := range scopes {
		if role.AllowsScope(s) {
			out[s] = struct{}{}
			continue
		}
		ro := s + ".readonly"
		if _, known := domain.LookupScope(ro); known && role.AllowsScope(ro) {
			out[ro] = struct{}{}
		}
	}
	return out
}

// AllowsScope reports whether p may use an operation that requires scope
// ("" for operations any authenticated caller may use): p's scopes grant
// it and p's role allows it. A nil principal may do nothing.
func AllowsScope(p *domain.Principal, scope string) bool {
	if p == nil {
		return false
	}
	if scope == "" {
		return true
	}
	return p.Scopes.Has(scope) && p.Role.AllowsScope(scope)
}

// Can reports whether p's role holds the permission (for what has no OAuth
// scope: managing operators, applications, API keys, account settings).
// Credentials other than a console session or the CLI (OAuth tokens, API
// keys) hold no permission beyond their scopes: Can is false for them
// unless perm is PermRead.
func Can(p *domain.Principal, perm domain.Permission) bool {
	if p == nil || !p.Role.Can(perm) {
		return false
	}
	if p.AppID != 0 || p.ViaAPIKey {
		return perm == domain.PermRead
	}
	return true
}

// CheckManage decides whether an operator with role actor may change an
// operator whose role is target, giving them role to (to == target for a
// change that keeps the role: disable, reset, rename). Owners manage
// everyone; admins everyone but owners and may not make anyone an owner;
// operators and viewers manage nobody. It returns a *domain.Error with
// EFORBIDDEN, or nil.
func CheckManage(actor, target, to domain.OperatorRole) error {
	if !actor.Can(domain.PermOperators) {
		return domain.Errorf(domain.EFORBIDDEN, "Only admins and owners may manage operators")
	}
	if !actor.MayManage(target) || !actor.MayManage(to) {
		return domain.Errorf(domain.EFORBIDDEN, "Only an owner may manage owners or make someone an owner")
	}
	return nil
}
