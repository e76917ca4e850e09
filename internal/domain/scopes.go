package domain

import (
	"sort"
	"strings"
)

// Scope describes one OAuth scope.
type Scope struct {
	Name        string
	Description string // plain words, shown on the consent page
	// Restricted scopes need an operator's approval per application.
	Restricted bool
	// Extension marks scopes Lintel adds beyond DoorFlow API v3.
	Extension bool
}

// Scopes is the catalogue, in the order the consent page lists them.
var Scopes = []Scope{
	{Name: "account.person.readonly", Description: "See people and the credentials they hold"},
	{Name: "account.person", Description: "Add, change and remove people, and issue or revoke their cards, PINs and mobile passes"},
	{Name: "account.credential_type.readonly", Description: "See which kinds of credential your account uses"},
	{Name: "account.group.readonly", Description: "See groups and who belongs to them"},
	{Name: "account.role.readonly", Description: "See roles: which groups may open which doors, and when"},
	{Name: "account.site.readonly", Description: "See your sites and their network settings"},
	{Name: "account.channel.readonly", Description: "See your doors, whether they are online, and their current mode"},
	{Name: "account.channel.admit", Description: "Unlock any door remotely, lock doors down and change door modes", Restricted: true},
	{Name: "account.channel.admit.person", Description: "Let a named person in through a door remotely, recorded against that person"},
	{Name: "account.event.access.readonly", Description: "See the log of who opened or was refused at which door"},
	{Name: "account.reservation.readonly", Description: "See temporary door reservations"},
	{Name: "account.reservation", Description: "Create and cancel temporary door reservations"},
	{Name: "account.group_reservation.readonly", Description: "See temporary group memberships"},
	{Name: "account.group_reservation", Description: "Create and cancel temporary group memberships"},
	{Name: "account.notification_rule.readonly", Description: "See notification rules"},
	{Name: "account.notification_rule", Description: "Create, change and delete notification rules that send events to a URL"},
	{Name: "account.sync", Description: "Ask your doors to refresh their access lists"},
	// Lintel extensions: write access to what DoorFlow leaves to its web UI.
	{Name: "account.site", Description: "Add, change and remove sites", Extension: true},
	{Name: "account.channel", Description: "Add, change and remove doors", Extension: true},
	{Name: "account.credential_type", Description: "Add, change and remove credential types", Extension: true},
	{Name: "account.group", Description: "Add, change and remove groups", Extension: true},
	{Name: "account.role", Description: "Add, change and remove roles", Extension: true},
	{Name: "account.shift.readonly", Description: "See shifts: the weekly time windows roles use", Extension: true},
	{Name: "account.shift", Description: "Add, change and remove shifts", Extension: true},
	{Name: ScopeAuditRead, Description: "See the audit log: which operator, application or key changed what, and when", Extension: true},
}

// ScopeAuditRead is the scope of the audit log (GET /api/3/audit_events).
// Only operators who may read the audit log (admins and owners) may hold
// it or grant it to an application.
const ScopeAuditRead = "account.audit.readonly"

var scopeIndex = func() map[string]Scope {
	m := make(map[string]Scope, len(Scopes))
	for _, s := range Scopes {
		m[s.Name] = s
	}
	return m
}()

// LookupScope returns the scope with the given name.
func LookupScope(name string) (Scope, bool) {
	s, ok := scopeIndex[name]
	return s, ok
}

// ScopeSet is a set of scope names.
type ScopeSet map[string]struct{}

// ParseScopes splits a space-separated scope string (commas and '+' are
// tolerated as separators, as some clients send them). It does not validate.
func ParseScopes(s string) ScopeSet {
	set := make(ScopeSet, strings.Count(s, " ")+1)
	for s != "" {
		i := strings.IndexAny(s, scopeSeparators)
		if i < 0 {
			set[s] = struct{}{}
			break
		}
		if i > 0 {
			set[s[:i]] = struct{}{}
		}
		s = s[i+1:]
	}
	return set
}

// scopeSeparators are the characters ParseScopes splits on.
const scopeSeparators = " ,+\t\n"

// NewScopeSet builds a set from names.
func NewScopeSet(names ...string) ScopeSet {
	set := ScopeSet{}
	for _, n := range names {
		set[n] = struct{}{}
	}
	return set
}

// Unknown returns the names in the set that are not in the catalogue, sorted.
func (s ScopeSet) Unknown() []string {
	var out []string
	for n := range s {
		if _, ok := scopeIndex[n]; !ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether the set grants scope, either directly or because the
// set holds the write scope that implies a ".readonly" scope.
func (s ScopeSet) Has(scope string) bool {
	if _, ok := s[scope]; ok {
		return true
	}
	if base, ok := strings.CutSuffix(scope, ".readonly"); ok {
		_, ok := s[base]
		return ok
	}
	return false
}

// HasAny reports whether the set grants at least one of the scopes.
func (s ScopeSet) HasAny(scopes ...string) bool {
	for _, sc := range scopes {
		if s.Has(sc) {
			return true
		}
	}
	return false
}

// Contains reports whether every scope in other is granted by s.
func (s ScopeSet) Contains(other ScopeSet) bool {
	for n := range other {
		if !s.Has(n) {
			return false
		}
	}
	return true
}

// Intersect returns the scopes of s also granted by other.
func (s ScopeSet) Intersect(other ScopeSet) ScopeSet {
	out := ScopeSet{}
	for n := range s {
		if other.Has(n) {
			out[n] = struct{}{}
		}
	}
	return out
}

// Union returns the scopes in s or other.
func (s ScopeSet) Union(other ScopeSet) ScopeSet {
	out := ScopeSet{}
	for n := range s {
		out[n] = struct{}{}
	}
	for n := range other {
		out[n] = struct{}{}
	}
	return out
}

// List returns the names in catalogue order (unknown names last, sorted).
func (s ScopeSet) List() []string {
	out := make([]string, 0, len(s))
	for _, sc := range Scopes {
		if _, ok := s[sc.Name]; ok {
			out = append(out, sc.Name)
		}
	}
	return append(out, s.Unknown()...)
}

// String returns the space-separated canonical form.
func (s ScopeSet) String() string { return strings.Join(s.List(), " ") }
