package gateway

import (
	"context"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Restricted API families. An operation of a family is refused with
// 403 "<family>_not_enabled" unless the caller's user or account is on the
// family's allow-list ("lintel allow").
const (
	// FamilyMobileCredentials is issuing mobile passes: credentials of a
	// credential type whose kind is "mobile". Issuing one emails the
	// holder an invitation.
	FamilyMobileCredentials = "mobile_credentials"
)

// Family describes one restricted API family.
type Family struct {
	Name  string
	Label string // plain words, used in error messages and the CLI
	// SendsEmail marks families whose operations also need a verified
	// account (the trust gate).
	SendsEmail bool
}

// Families is the catalogue of restricted API families.
var Families = []Family{
	{Name: FamilyMobileCredentials, Label: "issuing mobile credentials", SendsEmail: true},
}

// LookupFamily returns the family with a name.
func LookupFamily(name string) (Family, bool) {
	for _, f := range Families {
		if f.Name == name {
			return f, true
		}
	}
	return Family{}, false
}

func familyLabel(name string) string {
	if f, ok := LookupFamily(name); ok {
		return f.Label
	}
	return name
}

// RequireFamily returns nil when the family is enabled for the caller:
// for the principal's user or for its whole account. Otherwise it returns
// ErrFamilyNotEnabled (403, wire "<family>_not_enabled"). A nil principal
// is refused the same way. Database failures return a plain error (500).
func (g *Gateway) RequireFamily(ctx context.Context, p *domain.Principal, family string) error {
	if p == nil {
		return ErrFamilyNotEnabled(family)
	}
	ok, err := g.store.FamilyAllowed(ctx, p.AccountID, p.UserID, family)
	if err != nil {
		return err
	}
	if !ok {
		return ErrFamilyNotEnabled(family)
	}
	return nil
}

// RequireTrust returns nil when the principal's account is verified, else
// ErrTrustRequired (403, wire "trust_required"). An unknown account is
// refused the same way; database failures return a plain error (500).
func (g *Gateway) RequireTrust(ctx context.Context, p *domain.Principal) error {
	if p == nil {
		return ErrTrustRequired()
	}
	acct, err := g.store.GetAccount(ctx, p.AccountID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return ErrTrustRequired()
	}
	if err != nil {
		return err
	}
	return AccountTrusted(acct)
}

// AccountTrusted is the trust gate for callers that already hold the
// account: nil when it is verified, else ErrTrustRequired.
func AccountTrusted(acct *domain.Account) error {
	if acct == nil || !acct.Verified {
		return ErrTrustRequired()
	}
	return nil
}

// RequireMobileIssue checks everything issuing a mobile credential needs,
// in the documented order: the allow-list first (403
// mobile_credentials_not_enabled), then the trust gate (403
// trust_required).
func (g *Gateway) RequireMobileIssue(ctx context.Context, p *domain.Principal) error {
	if err := g.RequireFamily(ctx, p, FamilyMobileCredentials); err != nil {
		return err
	}
	return g.RequireTrust(ctx, p)
}
