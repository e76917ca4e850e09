package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// TestControllerCommands enrols a controller from the command line and
// runs the agent command against a hub on the same database.
func TestControllerCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	st, err := store.Open(ctx, filepath.Join(dir, "lintel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	acct, err := demo.Seed(ctx, st, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The decisions below are made at the wall clock's time, so the test
	// takes a door that never auto-unlocks (the demo's Front Door does on
	// weekday mornings) and a member of Staff, whose role covers every
	// door around the clock.
	chans, _, _ := st.ListChannels(ctx, acct.ID, nil, store.Page{})
	var door *domain.Channel
	for _, ch := range chans {
		if ch.AutoUnlockShiftID == nil && door == nil {
			door = ch
		}
	}
	groups, _ := st.ListGroups(ctx, acct.ID)
	var staff int64
	for _, g := range groups {
		if g.Name == "Staff" {
			staff = g.ID
		}
	}
	people, _, _ := st.ListPeople(ctx, acct.ID, store.PersonFilter{})
	var member *domain.Person
	for _, p := range people {
		if member == nil && p.Enabled && slices.Contains(p.GroupIDs, staff) {
			member = p
		}
	}
	if door == nil || member == nil {
		t.Fatal("the demo has no door without auto-unlock or no enabled Staff member")
	}
	creds, _ := st.CredentialsOfPeople(ctx, acct.ID, []int64{member.ID})
	card := ""
	for _, c := range creds {
		if c.Label == "Card" {
			card = *c.Value
		}
	}

	for _, args := range [][]string{{"controllers", "enroll"}, {"controllers", "enroll", "--channel", "999999"},
		{"controllers", "enroll", "--channel", "x"}, {"controllers", "enroll", "--mac", "aa:bb"}, {"controller"},
		{"controller", "--server", "ftp://x", "--secret-file", "f", "--state-dir", "d"}} {
		if code, _, errOut := lintel(t, append(args, data...)...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
	code, out, errOut := lintel(t, append([]string{"controllers", "enroll", "--channel", fmt.Sprint(door.ID), "--json"}, data...)...)
	if code != 0 {
		t.Fatalf("enroll: %d %s", code, errOut)
	}
	var enrolled struct {
		ID       int64   `json:"id"`
		Channels []int64 `json:"channel_ids"`
		Secret   string  `json:"secret"`
	}
	if err := json.Unmarshal([]byte(out), &enrolled); err != nil || enrolled.Secret == "" || len(enrolled.Channels) != 1 {
		t.Fatalf("enroll json %q: %v", out, err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "lintel.db"))
	wal, _ := os.ReadFile(filepath.Join(dir, "lintel.db-wal"))
	if bytes.Contains(raw, []byte(enrolled.Secret)) || bytes.Contains(wal, []byte(enrolled.Secret)) {
		t.Fatal("device secret stored in clear")
	}
	code, out, _ = lintel(t, append([]string{"controllers", "list", "--account", fmt.Sprint(acct.ID)}, data...)...)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("[%d]", door.ID)) || strings.Contains(out, enrolled.Secret) {
		t.Fatalf("list: %d %q", code, out)
	}

	hub := controller.New(controller.Config{Store: st, PollTimeout: time.Second})
	mux := http.NewServeMux()
	hub.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(enrolled.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	controllerInput = strings.NewReader("card " + card + "\nbogus\npin 0000\nrex\n")
	t.Cleanup(func() { controllerInput = os.Stdin })
	state := filepath.Join(t.TempDir(), "state")
	code, out, errOut = lintel(t, "controller", "--server", srv.URL, "--secret-file", secretFile, "--state-dir", state)
	if code != 0 {
		t.Fatalf("controller: %d %s\n%s", code, errOut, out)
	}
	for _, want := range []string{"sync: access list", fmt.Sprintf("door %d card %s: ADMIT", door.ID, card), `ignored "bogus"`,
		"pin ****: REJECT 24", "rex: ADMIT 13", "relay: door"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "0000") {
		t.Errorf("a PIN was printed:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(state, "snapshot.json")); err != nil {
		t.Fatalf("no saved snapshot: %v", err)
	}

	// Revoking the controller refuses its secret (at once on a server that
	// has not cached it).
	acctFlag := []string{"--account", fmt.Sprint(acct.ID)}
	if code, _, errOut := lintel(t, append(append([]string{"controllers", "revoke"}, acctFlag...), data...)...); code != 2 || errOut == "" {
		t.Errorf("revoke without --id: exit %d %q", code, errOut)
	}
	revoke := append(append([]string{"controllers", "revoke", "--id", fmt.Sprint(enrolled.ID)}, acctFlag...), data...)
	if code, out, errOut := lintel(t, revoke...); code != 0 || !strings.Contains(out, "Revoked controller") {
		t.Fatalf("revoke: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := lintel(t, revoke...); code == 0 || !strings.Contains(errOut, "no controller") {
		t.Errorf("revoking twice: exit %d %q", code, errOut)
	}
	fresh := controller.New(controller.Config{Store: st})
	mux = http.NewServeMux()
	fresh.Register(mux)
	srv2 := httptest.NewServer(mux)
	defer srv2.Close()
	req, _ := http.NewRequest("POST", srv2.URL+"/controller/v1/heartbeat", nil)
	req.Header.Set("Authorization", "Bearer "+enrolled.Secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a revoked controller's heartbeat: %d", res.StatusCode)
	}
}
