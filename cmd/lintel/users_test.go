package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/mail/mailtest"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestUsersCommands(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := dbFlags(b)
			ctx := context.Background()
			must(t, db, "accounts", "create", "--name", "Ops Co")
			must(t, db, "users", "create", "--account", "1", "--email", "owner@ops.example", "--role", "owner")
			must(t, db, "users", "create", "--account", "1", "--email", "adm@ops.example", "--admin")
			out := must(t, db, "users", "invite", "--account", "1", "--email", "New@Ops.example", "--role", "viewer", "--name", "Nia Newton")
			if !strings.Contains(out, "Invited operator 3 <new@ops.example> as viewer") || !strings.Contains(out, "/oauth/invite?token=") {
				t.Fatalf("invite: %q", out)
			}
			out = must(t, db, "users", "list", "--account", "1")
			for _, want := range []string{"owner@ops.example", "owner", "adm@ops.example", "admin", "Nia Newton", "viewer", "invited"} {
				if !strings.Contains(out, want) {
					t.Errorf("list lacks %q:\n%s", want, out)
				}
			}
			must(t, db, "users", "update", "--account", "1", "--user", "new@ops.example", "--role", "operator", "--name", "Nia Smith")
			var list []map[string]any
			if err := json.Unmarshal([]byte(must(t, db, "users", "list", "--account", "1", "--json")), &list); err != nil {
				t.Fatal(err)
			}
			if len(list) != 3 || list[1]["role"] != "operator" || list[1]["last_name"] != "Smith" || list[1]["status"] != "invited" {
				t.Errorf("after update: %v", list)
			}
			// The last owner stays an owner.
			if code, _, errOut := lintel(t, append([]string{"users", "update", "--account", "1", "--user", "1", "--role", "admin"}, db...)...); code == 0 || !strings.Contains(errOut, "last active owner") {
				t.Errorf("demoting the last owner: %d %s", code, errOut)
			}
			if code, _, errOut := lintel(t, append([]string{"users", "update", "--account", "1", "--user", "1", "--role", "root"}, db...)...); code != 2 || !strings.Contains(errOut, "unknown operator role") {
				t.Errorf("bad role: %d %s", code, errOut)
			}
			if code, _, _ := lintel(t, append([]string{"users", "update", "--account", "1", "--user", "1"}, db...)...); code != 2 {
				t.Errorf("nothing to change: %d", code)
			}
			// reset prints a link (no --smtp-url); for an invited operator it renews the invitation.
			out = must(t, db, "users", "reset", "--account", "1", "--user", "adm@ops.example")
			if !strings.Contains(out, "/oauth/reset?token=") || !strings.Contains(out, "pass it on yourself") {
				t.Errorf("reset: %q", out)
			}
			if out = must(t, db, "users", "reset", "--account", "1", "--user", "3"); !strings.Contains(out, "/oauth/invite?token=") {
				t.Errorf("reset of an invited operator: %q", out)
			}
			if out = must(t, db, "users", "reset", "--account", "1", "--user", "2", "--totp", "--no-link"); !strings.Contains(out, "Removed the second factor") || strings.Contains(out, "token=") {
				t.Errorf("reset --totp: %q", out)
			}
			out = must(t, db, "users", "disable", "--account", "1", "--user", "adm@ops.example")
			if !strings.Contains(out, "Disabled operator 2") {
				t.Errorf("disable: %q", out)
			}
			if out = must(t, db, "users", "list", "--account", "1"); !strings.Contains(out, "disabled") {
				t.Errorf("list after disable: %q", out)
			}
			if code, _, errOut := lintel(t, append([]string{"users", "reset", "--account", "1", "--user", "2"}, db...)...); code == 0 || !strings.Contains(errOut, "disabled") {
				t.Errorf("reset of a disabled operator: %d %s", code, errOut)
			}
			must(t, db, "users", "enable", "--account", "1", "--user", "2")
			if code, _, errOut := lintel(t, append([]string{"users", "disable", "--account", "1", "--user", "nobody@ops.example"}, db...)...); code == 0 || !strings.Contains(errOut, "no user") {
				t.Errorf("unknown user: %d %s", code, errOut)
			}
			// Every write is in the audit log, by the command line.
			st, err := store.Open(ctx, b.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			evs, _, err := st.ListAuditEvents(ctx, 1, store.AuditFilter{ActorKind: store.ActorCLI})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, e := range evs {
				got[e.Resource+" "+e.Action]++
				if !strings.HasPrefix(e.ActorDisplay, "lintel users ") {
					t.Errorf("actor %q", e.ActorDisplay)
				}
			}
			for _, want := range []string{"users create", "operators invite", "operators update", "operators reset_password", "operators reset_totp", "operators disable", "operators enable"} {
				if got[want] == 0 {
					t.Errorf("no audit row %q in %v", want, got)
				}
			}
			// With --smtp-url the link goes by email instead.
			smtpd := mailtest.Start(t)
			out = must(t, db, "users", "reset", "--account", "1", "--user", "owner@ops.example", "--smtp-url", smtpd.URL())
			if !strings.Contains(out, "Emailed a one-time link to owner@ops.example") || strings.Contains(out, "token=") {
				t.Errorf("reset by email: %q", out)
			}
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			m, err := smtpd.Wait(wctx, "owner@ops.example")
			cancel()
			if err != nil || !strings.Contains(m.Text, "/oauth/reset?token=") {
				t.Errorf("reset email: %v %q", err, m.Text)
			}
			// --help works for each verb.
			for _, verb := range []string{"list", "update", "disable", "enable", "reset", "invite"} {
				if code, out, _ := lintel(t, "users", verb, "--help"); code != 0 || !strings.Contains(out, "Usage: lintel users "+verb) {
					t.Errorf("users %s --help: %d %q", verb, code, out)
				}
			}
		})
	}
}
