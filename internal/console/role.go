package console

import "github.com/lintel-dev/lintel/internal/domain"

// roleOf is the operator's role in their account: the one place the
// console reads it, so that pages and the write checks agree.
func roleOf(u *domain.User) domain.OperatorRole {
	if u == nil || u.Disabled {
		return ""
	}
	return u.Role
}
