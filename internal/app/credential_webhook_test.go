package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
	"github.com/lintel-dev/lintel/internal/webhook"
)

// hookReceiver collects the notifications POSTed to it whose signature
// verifies with secret; unsigned or badly signed requests fail the test.
type hookReceiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	got    []map[string]string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !webhook.Verify(h.secret, r.Header.Get(webhook.HeaderTimestamp), body, r.Header.Get(webhook.HeaderSignature)) {
		h.t.Errorf("bad signature on %s", body)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ns []map[string]string
	if err := json.Unmarshal(body, &ns); err != nil {
		h.t.Errorf("body %s: %v", body, err)
	}
	h.mu.Lock()
	h.got = append(h.got, ns...)
	h.mu.Unlock()
}

// find returns the first notification with the action, or nil.
func (h *hookReceiver) find(action string) map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.got {
		if n["action"] == action {
			return n
		}
	}
	return nil
}

// TestCredentialWebhook: a card created and then deleted through the API
// reaches the application's webhook as signed PersonCredential CREATE and
// DESTROY notifications, whose resource URLs acknowledge them.
func TestCredentialWebhook(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			cfg := apptest.Config(t, b)
			cfg.WebhookAllowPrivate = true
			a, info := apptest.Start(t, cfg, nil, 50)
			testCredentialWebhook(t, &server{App: a, demo: info})
		})
	}
}

func testCredentialWebhook(t *testing.T, s *server) {
	ctx := context.Background()
	recv := &hookReceiver{t: t, secret: webhook.NewSecret()}
	hook := httptest.NewServer(recv)
	defer hook.Close()

	// The account authorises the demo application to see people, and the
	// operator points the application's webhook at the receiver.
	acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	app, err := s.Store.GetOAuthAppByUID(ctx, s.demo.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.Store.GetUserByEmail(ctx, acct.ID, s.demo.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.SaveOAuthGrant(ctx, &store.OAuthGrant{AppID: app.ID, AccountID: acct.ID, UserID: admin.ID,
		Scopes: domain.NewScopeSet("account.person.readonly"), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ep, err := s.Store.SetAppWebhook(ctx, app.ID, hook.URL+"/hook", recv.secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The worker starts the endpoint's change cursor at the newest change
	// (the demo's cards are history); wait for that so the card below is new.
	waitFor(t, "the change cursor", func() bool {
		cur, err := s.Store.ChangeCursors(ctx)
		return err == nil && cur[ep.ID] > 0
	})

	api := operator(t, s, "account.person account.credential_type.readonly")
	var person map[string]any
	api.call("POST", "/api/3/people", map[string]any{"person": map[string]any{"first_name": "Grace", "last_name": "Hopper"}}).
		expect(t, "create person", 201).decode(t, &person)
	pid := int64(person["id"].(float64))
	var types []map[string]any
	api.call("GET", "/api/3/credential_types", nil).expect(t, "types", 200).decode(t, &types)
	card := typeID(types, "card")
	var cred map[string]any
	api.call("POST", fmt.Sprintf("/api/3/people/%d/credentials", pid),
		map[string]any{"person_credential": map[string]any{"credential_type_id": card, "value": "90817263"}}).
		expect(t, "create card", 201).decode(t, &cred)
	uid := fmt.Sprint(cred["id"])
	credPath := fmt.Sprintf("/api/3/people/%d/credentials/%s", pid, uid)

	waitFor(t, "the CREATE notification", func() bool { return recv.find("CREATE") != nil })
	created := recv.find("CREATE")
	if created["resource_type"] != "PersonCredential" || created["resource_id"] != uid || created["account_id"] != s.demo.AccountID ||
		!strings.HasPrefix(created["resource"], s.BaseURL()+credPath+"?ack_token=") || created["resource_url"] != created["resource"] {
		t.Fatalf("CREATE notification: %v", created)
	}
	// Fetching the resource URL returns the card and acknowledges it.
	api.call("GET", strings.TrimPrefix(created["resource"], s.BaseURL()), nil).expect(t, "fetch the card", 200)
	waitFor(t, "the CREATE acknowledgement", func() bool { return acked(t, s, ep.ID, "CREATE") })

	api.call("DELETE", credPath, nil).expect(t, "delete card", 200)
	waitFor(t, "the DESTROY notification", func() bool { return recv.find("DESTROY") != nil })
	gone := recv.find("DESTROY")
	if gone["resource_type"] != "PersonCredential" || gone["resource_id"] != uid || !strings.HasPrefix(gone["resource"], s.BaseURL()+credPath+"?") {
		t.Fatalf("DESTROY notification: %v", gone)
	}
	// The card is gone (404), which is what DESTROY said: that acknowledges it.
	api.call("GET", strings.TrimPrefix(gone["resource"], s.BaseURL()), nil).expect(t, "fetch the deleted card", 404)
	waitFor(t, "the DESTROY acknowledgement", func() bool { return acked(t, s, ep.ID, "DESTROY") })
}

// acked reports whether the endpoint's delivery of the change with the
// action has been acknowledged.
func acked(t *testing.T, s *server, endpointID int64, action string) bool {
	t.Helper()
	ctx := context.Background()
	ds, err := s.Store.ListWebhookDeliveries(ctx, endpointID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.ChangeID == 0 {
			continue
		}
		ch, err := s.Store.GetResourceChange(ctx, d.ChangeID)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Action == action && d.AckedAt != nil {
			return true
		}
	}
	return false
}
