package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

func TestWebhooksCommands(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	if code, _, errOut := lintel(t, append([]string{"accounts", "create", "--name", "Hooks Co"}, data...)...); code != 0 {
		t.Fatalf("accounts create: %s", errOut)
	}
	code, out, errOut := lintel(t, append([]string{"apps", "create", "--account", "1", "--name", "Hooked",
		"--redirect-uri", "https://hooked.example.com/cb", "--json"}, data...)...)
	if code != 0 {
		t.Fatalf("apps create: %s", errOut)
	}
	var app map[string]any
	_ = json.Unmarshal([]byte(out), &app)
	clientID := app["client_id"].(string)

	for _, bad := range [][]string{
		{"webhooks", "set", "--url", "https://hooks.example.com/in"},
		{"webhooks", "set", "--app", clientID},
		{"webhooks", "set", "--app", clientID, "--url", "http://127.0.0.1:9/in"},
		{"webhooks", "set", "--app", clientID, "--url", "ftp://hooks.example.com"},
		{"webhooks", "log"},
		{"webhooks", "replay", "--delivery", "1", "--since", "3"},
		{"webhooks", "replay"},
	} {
		if code, _, _ := lintel(t, append(bad, data...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	// A refused destination says why.
	for url, why := range map[string]string{
		"http://169.254.169.254/latest/": "cloud metadata", "http://2130706433/": "non-standard form (127.0.0.1",
		"http://metadata.google.internal/": "local network name", "http://[::ffff:10.0.0.1]/": "IPv4-mapped",
	} {
		if code, _, errOut := lintel(t, append([]string{"webhooks", "set", "--app", clientID, "--url", url}, data...)...); code != 2 || !strings.Contains(errOut, why) {
			t.Errorf("%s: exit %d, %q; want 2 saying %q", url, code, errOut, why)
		}
	}
	if code, _, errOut := lintel(t, append([]string{"webhooks", "set", "--app", clientID, "--url", "http://127.0.0.1:9/in", "--allow-private"}, data...)...); code != 0 {
		t.Errorf("--allow-private: %q", errOut)
	}
	code, out, errOut = lintel(t, append([]string{"webhooks", "set", "--app", clientID, "--url", "https://hooks.example.com/in?token=abc"}, data...)...)
	if code != 0 || !strings.Contains(out, "signing secret: whsec_") || strings.Contains(out, "token=abc") {
		t.Fatalf("webhooks set: %d %q %q", code, out, errOut)
	}
	stdin = strings.NewReader("my-own-secret-of-some-length\n")
	t.Cleanup(func() { stdin = os.Stdin })
	code, out, _ = lintel(t, append([]string{"webhooks", "set", "--app", clientID, "--url", "https://hooks.example.com/v2", "--secret-stdin"}, data...)...)
	if code != 0 || strings.Contains(out, "my-own-secret") {
		t.Fatalf("webhooks set --secret-stdin: %d %q", code, out)
	}

	// Queue a delivery as the server would.
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "lintel.db"))
	if err != nil {
		t.Fatal(err)
	}
	ev := &domain.Event{AccountID: 1, EventCode: 10, EventLabel: "Admit card"}
	if err := st.CreateEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	ep, _ := st.GetWebhookEndpoint(ctx, 1)
	if ep.Secret != "my-own-secret-of-some-length" {
		t.Fatalf("secret not stored: %q", ep.Secret)
	}
	if _, err := st.EnqueueWebhookDeliveries(ctx, 1, ep.EventCursor, ev.ID, []store.WebhookEventRef{{ID: ev.ID, AccountID: 1}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// And one of a credential change, whose id is not the event's.
	if _, err := st.StartChangeCursor(ctx, 1, 0); err != nil {
		t.Fatal(err)
	}
	var ch *store.ResourceChange
	for range 2 {
		ch = &store.ResourceChange{AccountID: 1, ResourceType: store.ResourcePersonCredential, ResourceID: "k3Jd9xQa", PersonID: 1, Action: store.ChangeCreate}
		if err := st.RecordResourceChange(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.EnqueueChangeDeliveries(ctx, 1, 0, ch.ID, []*store.ResourceChange{ch}, time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, _ = lintel(t, append([]string{"webhooks", "list"}, data...)...)
	if code != 0 || !strings.Contains(out, "https://hooks.example.com/v2") || !strings.Contains(out, "enabled") {
		t.Fatalf("webhooks list: %q", out)
	}
	code, out, _ = lintel(t, append([]string{"webhooks", "replay", "--delivery", "1"}, data...)...)
	if code != 0 || !strings.Contains(out, "Queued delivery 3 (event 1 to endpoint 1)") {
		t.Fatalf("replay delivery: %d %q", code, out)
	}
	code, out, _ = lintel(t, append([]string{"webhooks", "replay", "--delivery", "2"}, data...)...)
	if code != 0 || !strings.Contains(out, "Queued delivery 4 (change 2 to endpoint 1)") {
		t.Fatalf("replay change delivery: %d %q", code, out)
	}
	code, out, _ = lintel(t, append([]string{"webhooks", "log", "--endpoint", "1"}, data...)...)
	if code != 0 || !strings.Contains(out, "pending (replay of 1)") || strings.Count(out, "\n") < 9 {
		t.Fatalf("webhooks log: %q", out)
	}
	for _, row := range []string{`1\s+event 1\s`, `2\s+change 2\s`, `3\s+event 1\s`, `4\s+change 2\s`} {
		if !regexp.MustCompile(`(?m)^` + row).MatchString(out) {
			t.Errorf("webhooks log has no row %s:\n%s", row, out)
		}
	}
	if strings.Contains(out, "my-own-secret") {
		t.Fatal("the log printed the secret without --show-secret")
	}
	code, out, _ = lintel(t, append([]string{"webhooks", "log", "--endpoint", "1", "--show-secret"}, data...)...)
	if code != 0 || !strings.Contains(out, "signing secret: my-own-secret-of-some-length") {
		t.Fatalf("webhooks log --show-secret: %q", out)
	}
	code, out, _ = lintel(t, append([]string{"webhooks", "replay", "--endpoint", "1", "--since", "0"}, data...)...)
	if code != 0 || !strings.Contains(out, "after 0") {
		t.Fatalf("replay since: %d %q", code, out)
	}
	if code, _, errOut := lintel(t, append([]string{"webhooks", "replay", "--delivery", "99"}, data...)...); code != 1 || !strings.Contains(errOut, "not found") {
		t.Fatalf("replay missing: %d %q", code, errOut)
	}
	code, out, _ = lintel(t, append([]string{"webhooks", "set", "--app", clientID, "--remove"}, data...)...)
	if code != 0 || !strings.Contains(out, "Removed") {
		t.Fatalf("remove: %q", out)
	}
	code, out, _ = lintel(t, append([]string{"webhooks", "list"}, data...)...)
	if !strings.Contains(out, "webhook URL removed") {
		t.Fatalf("list after remove: %q", out)
	}
}
