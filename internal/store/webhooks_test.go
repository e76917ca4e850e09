package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func addEvents(t *testing.T, s *store.Store, accountID int64, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := 0; i < n; i++ {
		e := &domain.Event{AccountID: accountID, EventCode: 10, EventLabel: "admitted"}
		if err := s.CreateEvent(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

func TestWebhookQueue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, _, app := oauthFixture(t, s)
		addEvents(t, s, a.ID, 2) // history is not sent
		now := time.UnixMilli(1_700_000_000_000).UTC()
		ep, err := s.SetAppWebhook(ctx, app.ID, "https://hooks.test/in", "sekrit", now)
		if err != nil {
			t.Fatal(err)
		}
		if ep.Kind != store.WebhookApp || ep.EventCursor != 2 || ep.Secret != "sekrit" {
			t.Fatalf("endpoint: %+v", ep)
		}
		if sec, err := s.AppWebhookSecret(ctx, app.ID); err != nil || sec != "sekrit" {
			t.Fatalf("app secret %q %v", sec, err)
		}
		ids := addEvents(t, s, a.ID, 3)
		refs, err := s.ScanWebhookEvents(ctx, ep.EventCursor, 10)
		if err != nil || len(refs) != 3 || refs[0].ID != ids[0] {
			t.Fatalf("scan: %+v %v", refs, err)
		}
		moved, err := s.EnqueueWebhookDeliveries(ctx, ep.ID, 2, ids[2], refs, now)
		if err != nil || !moved {
			t.Fatalf("enqueue: %v %v", moved, err)
		}
		// A second worker with the stale cursor queues nothing.
		if moved, err := s.EnqueueWebhookDeliveries(ctx, ep.ID, 2, ids[2], refs, now); err != nil || moved {
			t.Fatalf("stale enqueue moved=%v err=%v", moved, err)
		}
		got, err := s.ClaimWebhookDeliveries(ctx, now, time.Minute, 2)
		if err != nil || len(got) != 2 {
			t.Fatalf("claim: %d %v", len(got), err)
		}
		if got[0].Attempts != 1 || got[0].URL != "https://hooks.test/in" || got[0].AccountUID != a.UID || got[0].EventCode != 10 ||
			got[0].EventID != ids[0] || got[0].ChangeID != 0 {
			t.Fatalf("claimed: %+v", got[0])
		}
		// Leased rows are invisible; the third is still due.
		more, _ := s.ClaimWebhookDeliveries(ctx, now, time.Minute, 10)
		if len(more) != 1 {
			t.Fatalf("second claim got %d", len(more))
		}
		// After the lease runs out, the abandoned rows come back.
		back, _ := s.ClaimWebhookDeliveries(ctx, now.Add(2*time.Minute), time.Minute, 10)
		if len(back) != 3 {
			t.Fatalf("after lease got %d", len(back))
		}
		// The first claim lost its lease: completing it writes nothing.
		ok, _, _, err := s.CompleteWebhookDelivery(ctx, got[0], store.WebhookAttempt{At: now, Delivered: true, StatusCode: 200})
		if err != nil || ok {
			t.Fatalf("stale complete ok=%v err=%v", ok, err)
		}
		at := now.Add(2 * time.Minute)
		ok, _, _, err = s.CompleteWebhookDelivery(ctx, back[0], store.WebhookAttempt{At: at, Delivered: true, StatusCode: 204, Latency: 12 * time.Millisecond})
		if err != nil || !ok {
			t.Fatalf("complete ok=%v err=%v", ok, err)
		}
		ok, n, since, err := s.CompleteWebhookDelivery(ctx, back[1], store.WebhookAttempt{At: at, StatusCode: 500, Error: "HTTP 500", NextAt: at.Add(time.Hour)})
		if err != nil || !ok || n != 1 || !since.Equal(at) {
			t.Fatalf("failure: ok=%v n=%d since=%v err=%v", ok, n, since, err)
		}
		log, err := s.ListWebhookDeliveries(ctx, ep.ID, 0, 10)
		if err != nil || len(log) != 3 {
			t.Fatalf("log: %d %v", len(log), err)
		}
		byID := map[int64]*store.WebhookDelivery{}
		for _, d := range log {
			byID[d.ID] = d
		}
		if d := byID[back[0].ID]; d.Status != store.DeliveryDelivered || d.LastStatusCode != 204 || d.DeliveredAt == nil || d.LastLatency != 12*time.Millisecond {
			t.Fatalf("delivered row: %+v", d)
		}
		if d := byID[back[1].ID]; d.Status != store.DeliveryPending || !d.NextAttemptAt.Equal(at.Add(time.Hour)) || d.Attempts != 2 {
			t.Fatalf("failed row: %+v", d)
		}
		// Ack, replay, rewind.
		if acked, err := s.AckWebhookEvent(ctx, ep.ID, back[0].EventID, at); err != nil || !acked {
			t.Fatalf("ack %v %v", acked, err)
		}
		if acked, _ := s.AckWebhookEvent(ctx, ep.ID, back[0].EventID, at); acked {
			t.Fatal("second ack should find nothing new")
		}
		rp, err := s.ReplayWebhookDelivery(ctx, back[0].ID, at)
		if err != nil || rp.ReplayOf != back[0].ID || rp.EventID != back[0].EventID || rp.ChangeID != 0 || rp.Status != store.DeliveryPending || rp.ID == back[0].ID {
			t.Fatalf("replay: %+v %v", rp, err)
		}
		if _, err := s.ReplayWebhookDelivery(ctx, 999999, at); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("replay missing: %v", err)
		}
		if err := s.RewindWebhookEndpoint(ctx, ep.ID, ids[0], at); err != nil {
			t.Fatal(err)
		}
		if ep2, _ := s.GetWebhookEndpoint(ctx, ep.ID); ep2.EventCursor != ids[0] {
			t.Fatalf("rewind cursor %d", ep2.EventCursor)
		}
		// Disabled endpoints' rows are not claimed; re-setting the URL re-enables.
		if err := s.DisableWebhookEndpoint(ctx, ep.ID, "test", at); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.ClaimWebhookDeliveries(ctx, at.Add(24*time.Hour), time.Minute, 10); len(c) != 0 {
			t.Fatalf("claimed %d from a disabled endpoint", len(c))
		}
		ep3, err := s.SetAppWebhook(ctx, app.ID, "https://hooks.test/v2", "s2", at)
		if err != nil || ep3.DisabledAt != nil || ep3.URL != "https://hooks.test/v2" || ep3.ID != ep.ID {
			t.Fatalf("re-set: %+v %v", ep3, err)
		}
		// The failed row, the one whose lease lapsed, and the replay.
		if c, _ := s.ClaimWebhookDeliveries(ctx, at.Add(24*time.Hour), time.Minute, 10); len(c) != 3 {
			t.Fatalf("after re-enable claimed %d", len(c))
		}
		// Purging keeps pending rows and recent history.
		if n, err := s.PurgeWebhookDeliveries(ctx, at.Add(-time.Second), 100); err != nil || n != 0 {
			t.Fatalf("purge of nothing old: %d %v", n, err)
		}
		if n, err := s.PurgeWebhookDeliveries(ctx, at.Add(time.Second), 100); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		if _, err := s.GetWebhookDelivery(ctx, back[0].ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("the delivered row survived the purge: %v", err)
		}
		if _, err := s.SetAppWebhook(ctx, 424242, "https://x.test", "s", at); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing app: %v", err)
		}
	})
}

func TestWebhookAccountsAndRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, u, app := oauthFixture(t, s)
		if err := s.SaveOAuthGrant(ctx, &store.OAuthGrant{AppID: app.ID, AccountID: a.ID, UserID: u.ID,
			Scopes: domain.NewScopeSet("account.event.access.readonly")}); err != nil {
			t.Fatal(err)
		}
		accts, err := s.AppWebhookAccounts(ctx, app.ID)
		if err != nil || !accts[a.ID].Has("account.event.access.readonly") {
			t.Fatalf("accounts: %v %v", accts, err)
		}
		now := time.Now()
		addEvents(t, s, a.ID, 1)
		ep, err := s.SaveRuleEndpoint(ctx, store.RuleEndpoint{RuleID: 7, AccountID: a.ID, URL: "https://r.test"}, "gen", now)
		if err != nil || ep.Secret != "gen" || ep.Kind != store.WebhookRule || ep.EventCursor == 0 {
			t.Fatalf("rule endpoint: %+v %v", ep, err)
		}
		_ = s.DisableWebhookEndpoint(ctx, ep.ID, "failing", now)
		again, _ := s.SaveRuleEndpoint(ctx, store.RuleEndpoint{RuleID: 7, AccountID: a.ID, URL: "https://r.test"}, "other", now)
		if again.DisabledAt == nil || again.Secret != "gen" {
			t.Fatalf("a failing endpoint must stay disabled: %+v", again)
		}
		_ = s.DisableWebhookEndpoint(ctx, ep.ID, store.RuleInactiveReason, now)
		again, _ = s.SaveRuleEndpoint(ctx, store.RuleEndpoint{RuleID: 7, AccountID: a.ID, URL: "https://r.test"}, "other", now)
		if again.DisabledAt != nil {
			t.Fatalf("a reactivated rule must be enabled: %+v", again)
		}
		evs, err := s.ListEventsAfter(ctx, a.ID, 0, 10)
		if err != nil || len(evs) != 1 {
			t.Fatalf("events after: %d %v", len(evs), err)
		}

		// A rule made before an event its endpoint is created after still
		// gets that event: the endpoint starts at the rule's creation.
		time.Sleep(2 * time.Millisecond) // times are stored in milliseconds
		made := time.Now()
		late := addEvents(t, s, a.ID, 1)
		fresh, err := s.SaveRuleEndpoint(ctx, store.RuleEndpoint{RuleID: 8, AccountID: a.ID, URL: "https://r.test/2", Since: made}, "gen", now)
		if err != nil || fresh.EventCursor != evs[0].ID {
			t.Fatalf("endpoint of a rule made before event %d starts at %d: %v", late[0], fresh.EventCursor, err)
		}
	})
}

// Migration 8 moves deliveries of resource changes, which carried the
// negated change id as their event_id, to change_id, and keeps every
// delivery's id (the idempotency id receivers have seen).
func TestMigrateDeliveryChangeID(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, b.DSN)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			exec := func(q string) {
				t.Helper()
				if _, err := s.DB().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			// Build the schema without migration 8 by marking it applied.
			if _, err := s.SchemaVersion(ctx); err != nil {
				t.Fatal(err)
			}
			exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (8, 'held back', 0)`)
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			a := newAccount(t, s, "Legacy")
			ep, err := s.SaveRuleEndpoint(ctx, store.RuleEndpoint{RuleID: 1, AccountID: a.ID, URL: "https://r.test"}, "sekrit", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			for _, eventID := range []int64{5, -3} {
				exec(fmt.Sprintf(`INSERT INTO webhook_deliveries (endpoint_id, event_id, account_id, next_attempt_at, created_at)
					VALUES (%d, %d, %d, 0, 0)`, ep.ID, eventID, a.ID))
			}

			exec(`DELETE FROM schema_migrations WHERE version = 8`)
			applied, err := s.Migrate(ctx)
			if err != nil || len(applied) != 1 || applied[0].Version != 8 {
				t.Fatalf("migrate: %+v %v", applied, err)
			}
			ds, err := s.ListWebhookDeliveries(ctx, ep.ID, 0, 10)
			if err != nil || len(ds) != 2 {
				t.Fatalf("deliveries: %+v %v", ds, err)
			}
			change, event := ds[0], ds[1] // newest first
			if event.EventID != 5 || event.ChangeID != 0 || change.ChangeID != 3 || change.EventID != 0 || change.ID != event.ID+1 {
				t.Fatalf("after migrating: event %+v, change %+v", event, change)
			}
			if ok, err := s.AckWebhookChange(ctx, ep.ID, 3, time.Now()); err != nil || !ok {
				t.Fatalf("ack the migrated change: %v %v", ok, err)
			}
			// New deliveries get ids after the migrated ones.
			rp, err := s.ReplayWebhookDelivery(ctx, change.ID, time.Now())
			if err != nil || rp.ID <= change.ID || rp.ChangeID != 3 {
				t.Fatalf("replay after migrating: %+v %v", rp, err)
			}
		})
	}
}
