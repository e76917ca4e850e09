package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// An operator locked out by wrong passwords is unlocked from the command
// line (issue: five wrong passwords used to lock them out with no way back).
// The unlock is in the audit log, by the command line, on both databases.
func TestUsersUnlock(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testUsersUnlock(t, b) })
	}
}

func testUsersUnlock(t *testing.T, b storetest.Backend) {
	data := dbFlags(b)
	if code, _, errOut := lintel(t, append([]string{"accounts", "create", "--name", "Example Co", "--time-zone", "UTC"}, data...)...); code != 0 {
		t.Fatalf("accounts create: %s", errOut)
	}
	if code, _, errOut := lintel(t, append([]string{"users", "create", "--account", "1", "--email", "ops@example.com"}, data...)...); code != 0 {
		t.Fatalf("users create: %s", errOut)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, b.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	for range 6 {
		if _, _, err := st.CountLoginAttempt(ctx, store.UserThrottleKey("ops@example.com"), 15*time.Minute, now); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.CountLoginAttempt(ctx, store.AddrThrottleKey("192.0.2.7"), 15*time.Minute, now); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := lintel(t, append([]string{"users", "unlock", "OPS@example.com", "--address", "192.0.2.7"}, data...)...)
	if code != 0 || !strings.Contains(out, "Unlocked ops@example.com: cleared 2") {
		t.Fatalf("unlock: %d %q %q", code, out, errOut)
	}
	for _, k := range []string{store.UserThrottleKey("ops@example.com"), store.AddrThrottleKey("192.0.2.7")} {
		if n, _, err := st.CountLoginAttempt(ctx, k, 15*time.Minute, now); err != nil || n != 1 {
			t.Fatalf("%s still counted after unlock: %d %v", k, n, err)
		}
	}
	evs, _, err := st.ListAuditEvents(ctx, 1, store.AuditFilter{ActorKind: store.ActorCLI, Resource: "operators"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Action != "unlock" || evs[0].ResourceID != "1" || !strings.HasPrefix(evs[0].ActorDisplay, "lintel users unlock") ||
		evs[0].Changes["email"] != "ops@example.com" || evs[0].Changes["address"] != "192.0.2.7" {
		t.Fatalf("audit of the unlock: %+v", evs)
	}
	if code, out, _ := lintel(t, append([]string{"users", "unlock", "--email", "ops@example.com"}, data...)...); code != 0 || !strings.Contains(out, "Unlocked") {
		t.Fatalf("unlock with --email: %d %q", code, out)
	}
	if code, out, _ := lintel(t, append([]string{"users", "unlock", "ops@example.com"}, data...)...); code != 0 || !strings.Contains(out, "not locked") {
		t.Fatalf("unlock when not locked: %d %q", code, out)
	}
	if code, _, errOut := lintel(t, append([]string{"users", "unlock", "nobody@example.com"}, data...)...); code == 0 || !strings.Contains(errOut, "no operator") {
		t.Fatalf("unknown email: %d %q", code, errOut)
	}
	if code, _, _ := lintel(t, append([]string{"users", "unlock"}, data...)...); code != 2 {
		t.Fatalf("missing email: exit %d", code)
	}
	if code, _, _ := lintel(t, append([]string{"users", "unlock", "ops@example.com", "--address", "not-an-ip"}, data...)...); code != 2 {
		t.Fatalf("bad --address: exit %d", code)
	}
}
