package gateway

import (
	"context"

	"github.com/lintel-dev/lintel/internal/domain"
)

func familyLabel(name string) string {
	if f, ok := domain.LookupFamily(name); ok {
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
	if err := g.RequireFamily(ctx, p, domain.FamilyMobileCredentials); err != nil {
		return err
	}
	return g.RequireTrust(ctx, p)
}
