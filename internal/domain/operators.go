package domain

import (
	"fmt"
	"strings"
)

// OperatorRole is what an operator (a user who signs in to run an account)
// may do in that account. The same role bounds the console, sessions the CLI
// issues and every OAuth grant the operator consents to: a token never carries
// more than its operator's role allows.
type OperatorRole string

// The operator roles, from most to least powerful.
const (
	// RoleOwner may do everything, including managing other owners and the
	// account's own settings.
	RoleOwner OperatorRole = "owner"
	// RoleAdmin may do everything but manage owners.
	RoleAdmin OperatorRole = "admin"
	// RoleOperator runs the building day to day: people, credentials,
	// reservations and door commands.
	RoleOperator OperatorRole = "operator"
	// RoleViewer may look at everything and change nothing.
	RoleViewer OperatorRole = "viewer"
)

// OperatorRoles lists the roles from most to least powerful.
var OperatorRoles = []OperatorRole{RoleOwner, RoleAdmin, RoleOperator, RoleViewer}

// ParseOperatorRole accepts a role name in any letter case.
func ParseOperatorRole(s string) (OperatorRole, error) {
	r := OperatorRole(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range OperatorRoles {
		if r == known {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown operator role %q: use owner, admin, operator or viewer", s)
}

// rank orders roles: a higher rank includes everything a lower one may do.
func (r OperatorRole) rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleOperator:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// AtLeast reports whether r includes everything min may do.
func (r OperatorRole) AtLeast(min OperatorRole) bool { return r.rank() >= min.rank() && min.rank() > 0 }

// Permission names one kind of action an operator may take.
type Permission string

// The permissions the roles are built from.
const (
	// PermRead: see anything in the account (people, doors, events, settings).
	PermRead Permission = "read"
	// PermPeople: create, change and remove people, their credentials,
	// group memberships and reservations.
	PermPeople Permission = "people"
	// PermDoorCommands: unlock, admit, lock down and change door modes.
	PermDoorCommands Permission = "door_commands"
	// PermConfigure: sites, doors, groups, roles, shifts, credential types,
	// controllers, notification rules and webhooks.
	PermConfigure Permission = "configure"
	// PermDevelopers: OAuth apps, API keys, subscription keys and connected apps.
	PermDevelopers Permission = "developers"
	// PermOperators: invite, change, disable and unlock operators below owner.
	PermOperators Permission = "operators"
	// PermAudit: read the audit log.
	PermAudit Permission = "audit"
	// PermAccount: the account's own settings (name, time zone) and owners.
	PermAccount Permission = "account"
)

// minimumRole is the least powerful role holding each permission.
var minimumRole = map[Permission]OperatorRole{
	PermRead:         RoleViewer,
	PermPeople:       RoleOperator,
	PermDoorCommands: RoleOperator,
	PermConfigure:    RoleAdmin,
	PermDevelopers:   RoleAdmin,
	PermOperators:    RoleAdmin,
	PermAudit:        RoleAdmin,
	PermAccount:      RoleOwner,
}

// Can reports whether the role holds the permission.
func (r OperatorRole) Can(p Permission) bool {
	min, ok := minimumRole[p]
	return ok && r.AtLeast(min)
}

// scopePermission maps each OAuth scope to the permission an operator needs
// to grant it. Read-only scopes need only PermRead.
func scopePermission(scope string) Permission {
	switch {
	case scope == ScopeAuditRead:
		return PermAudit
	case strings.HasSuffix(scope, ".readonly"):
		return PermRead
	case scope == "account.person", scope == "account.reservation", scope == "account.group_reservation":
		return PermPeople
	case strings.HasPrefix(scope, "account.channel.admit"), scope == "account.sync":
		return PermDoorCommands
	}
	return PermConfigure
}

// AllowsScope reports whether an operator with role r may hold (or grant an
// application) the OAuth scope.
func (r OperatorRole) AllowsScope(scope string) bool { return r.Can(scopePermission(scope)) }

// LimitScopes keeps the scopes role r may hold, in their order.
func (r OperatorRole) LimitScopes(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if r.AllowsScope(s) {
			out = append(out, s)
		}
	}
	return out
}

// MayManage reports whether an operator with role r may invite, change,
// disable or unlock an operator whose role is target (or give that role):
// owners manage everyone, admins everyone but owners, others nobody.
func (r OperatorRole) MayManage(target OperatorRole) bool {
	switch r {
	case RoleOwner:
		return true
	case RoleAdmin:
		return target != RoleOwner && target.rank() > 0
	}
	return false
}
