package gateway

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// wantDomainError checks err is a 403 with the wire name.
func wantDomainError(t *testing.T, err error, wire string) {
	t.Helper()
	status, b := httpx.ErrorBodyFor(err)
	if status != http.StatusForbidden || b.Error != wire || b.Description == "" {
		t.Fatalf("got %d %+v (%v), want 403 %s", status, b, err, wire)
	}
}

func TestAllowListsAndTrustGate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, Limits{})
		pa := &domain.Principal{AccountID: e.a.ID, UserID: e.ua.ID}
		pa2 := &domain.Principal{AccountID: e.a.ID, UserID: e.ua2.ID}
		pb := &domain.Principal{AccountID: e.b.ID, UserID: e.ub.ID}
		const fam = domain.FamilyMobileCredentials
		notEnabled := fam + "_not_enabled"

		for _, p := range []*domain.Principal{pa, pa2, pb, nil} {
			wantDomainError(t, e.gw.RequireFamily(ctx, p, fam), notEnabled)
		}
		// Per user: only that operator.
		if err := st.AllowFamily(ctx, e.a.ID, e.ua.ID, fam, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.gw.RequireFamily(ctx, pa, fam); err != nil {
			t.Fatalf("listed user: %v", err)
		}
		wantDomainError(t, e.gw.RequireFamily(ctx, pa2, fam), notEnabled)
		// Per account: everyone on it.
		if err := st.AllowFamily(ctx, e.b.ID, 0, fam, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.gw.RequireFamily(ctx, pb, fam); err != nil {
			t.Fatalf("listed account: %v", err)
		}

		// Trust gate: unverified accounts are refused.
		wantDomainError(t, e.gw.RequireTrust(ctx, pa), WireTrustRequired)
		wantDomainError(t, e.gw.RequireTrust(ctx, nil), WireTrustRequired)
		wantDomainError(t, e.gw.RequireTrust(ctx, &domain.Principal{AccountID: 99999}), WireTrustRequired)
		wantDomainError(t, AccountTrusted(e.a), WireTrustRequired)

		// Issuing a mobile credential: the allow-list is checked before the
		// trust gate.
		wantDomainError(t, e.gw.RequireMobileIssue(ctx, pa2), notEnabled)
		wantDomainError(t, e.gw.RequireMobileIssue(ctx, pa), WireTrustRequired)
		e.a.Verified = true
		if err := st.UpdateAccount(ctx, e.a); err != nil {
			t.Fatal(err)
		}
		if err := e.gw.RequireTrust(ctx, pa); err != nil {
			t.Fatalf("verified: %v", err)
		}
		if err := e.gw.RequireMobileIssue(ctx, pa); err != nil {
			t.Fatalf("listed and verified: %v", err)
		}
		wantDomainError(t, e.gw.RequireMobileIssue(ctx, pa2), notEnabled)
	})
}

func TestFamilyCatalogue(t *testing.T) {
	f, ok := domain.LookupFamily(domain.FamilyMobileCredentials)
	if !ok || !f.SendsEmail || f.Label == "" {
		t.Fatalf("catalogue: %+v %v", f, ok)
	}
	if _, ok := domain.LookupFamily("nope"); ok {
		t.Fatal("unknown family found")
	}
	if e := ErrFamilyNotEnabled("nope"); e.Wire != "nope_not_enabled" {
		t.Fatalf("wire %q", e.Wire)
	}
}
