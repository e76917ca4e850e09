package domain

import "testing"

func TestOperatorRolePermissions(t *testing.T) {
	cases := []struct {
		role OperatorRole
		perm Permission
		want bool
	}{
		{RoleViewer, PermRead, true},
		{RoleViewer, PermPeople, false},
		{RoleViewer, PermDoorCommands, false},
		{RoleOperator, PermPeople, true},
		{RoleOperator, PermDoorCommands, true},
		{RoleOperator, PermConfigure, false},
		{RoleOperator, PermAudit, false},
		{RoleAdmin, PermConfigure, true},
		{RoleAdmin, PermOperators, true},
		{RoleAdmin, PermAccount, false},
		{RoleOwner, PermAccount, true},
		{OperatorRole("root"), PermRead, false},
		{RoleOwner, Permission("nonsense"), false},
	}
	for _, c := range cases {
		if got := c.role.Can(c.perm); got != c.want {
			t.Errorf("%s.Can(%s) = %v, want %v", c.role, c.perm, got, c.want)
		}
	}
}

func TestOperatorRoleScopes(t *testing.T) {
	all := make([]string, 0, len(Scopes))
	for _, s := range Scopes {
		all = append(all, s.Name)
	}
	if got := RoleOwner.LimitScopes(all); len(got) != len(all) {
		t.Errorf("owner keeps %d of %d scopes", len(got), len(all))
	}
	for _, s := range RoleViewer.LimitScopes(all) {
		if s[len(s)-len(".readonly"):] != ".readonly" {
			t.Errorf("viewer may hold %s", s)
		}
	}
	if !RoleOperator.AllowsScope("account.person") || !RoleOperator.AllowsScope("account.channel.admit") {
		t.Error("operator must hold people and door scopes")
	}
	if RoleOperator.AllowsScope("account.channel") || RoleOperator.AllowsScope("account.notification_rule") {
		t.Error("operator must not configure doors or notification rules")
	}
}

func TestOperatorRoleManagement(t *testing.T) {
	if RoleAdmin.MayManage(RoleOwner) || !RoleAdmin.MayManage(RoleViewer) || RoleOperator.MayManage(RoleViewer) {
		t.Error("management rule broken")
	}
	if _, err := ParseOperatorRole("Admin "); err != nil {
		t.Error(err)
	}
	if _, err := ParseOperatorRole("superuser"); err == nil {
		t.Error("unknown role accepted")
	}
}
