package authz_test

import (
	"testing"

	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
)

func TestLimit(t *testing.T) {
	all := authz.AllScopes()
	for _, role := range domain.OperatorRoles {
		got := authz.Limit(role, all)
		for s := range got {
			if !role.AllowsScope(s) {
				t.Errorf("%s keeps %s", role, s)
			}
		}
		for s := range all {
			if role.AllowsScope(s) && !got.Has(s) {
				t.Errorf("%s loses %s", role, s)
			}
		}
	}
	// A write scope the role may not hold becomes its read-only form.
	got := authz.Limit(domain.RoleViewer, domain.NewScopeSet("account.person", "account.sync", "account.site"))
	if got.String() != "account.person.readonly account.site.readonly" {
		t.Errorf("viewer: %q", got.String())
	}
	if got := authz.Limit(domain.RoleAdmin, domain.NewScopeSet(domain.ScopeAuditRead)); !got.Has(domain.ScopeAuditRead) {
		t.Error("admin loses the audit scope")
	}
	if got := authz.Limit(domain.RoleOperator, domain.NewScopeSet(domain.ScopeAuditRead)); len(got) != 0 {
		t.Errorf("operator keeps %v", got)
	}
	if got := authz.Limit("", all); len(got) != 0 {
		t.Errorf("no role keeps %v", got)
	}
}

func TestAllowsScopeAndCan(t *testing.T) {
	viewer := &domain.Principal{Role: domain.RoleViewer, Scopes: authz.AllScopes()}
	if authz.AllowsScope(viewer, "account.person") || !authz.AllowsScope(viewer, "account.person.readonly") || !authz.AllowsScope(viewer, "") {
		t.Error("viewer scopes")
	}
	if authz.AllowsScope(nil, "") {
		t.Error("nil principal allowed")
	}
	owner := authz.Session(&domain.User{ID: 1, AccountID: 2, Role: domain.RoleOwner})
	if !authz.Can(owner, domain.PermAccount) || !authz.AllowsScope(owner, domain.ScopeAuditRead) {
		t.Error("owner session")
	}
	app := &domain.Principal{Role: domain.RoleOwner, AppID: 3, Scopes: authz.AllScopes()}
	if authz.Can(app, domain.PermOperators) || !authz.Can(app, domain.PermRead) {
		t.Error("an app token manages operators")
	}
	if !authz.Can(authz.CLI, domain.PermOperators) {
		t.Error("CLI")
	}
	op := authz.Session(&domain.User{Role: domain.RoleOperator})
	if authz.Can(op, domain.PermConfigure) || !authz.Can(op, domain.PermDoorCommands) {
		t.Error("operator session")
	}
}

func TestCheckManage(t *testing.T) {
	O, A, P, V := domain.RoleOwner, domain.RoleAdmin, domain.RoleOperator, domain.RoleViewer
	cases := []struct {
		actor, target, to domain.OperatorRole
		ok                bool
	}{
		{O, O, A, true}, {O, V, O, true}, {A, P, V, true}, {A, A, P, true},
		{A, O, O, false}, {A, P, O, false}, {P, V, V, false}, {V, V, V, false},
	}
	for _, c := range cases {
		err := authz.CheckManage(c.actor, c.target, c.to)
		if (err == nil) != c.ok {
			t.Errorf("%s changing %s to %s: %v", c.actor, c.target, c.to, err)
		}
		if err != nil && domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("code %v", err)
		}
	}
}
