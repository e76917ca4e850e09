package webhook

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestMain makes the fallback poll as quick as the retry poll for the
// tests that move a fake clock forward (a retry due in fake hours is only
// noticed by polling); TestIdleWorkerWakesOnChanges sets its own.
func TestMain(m *testing.M) {
	defaultIdlePoll = 50 * time.Millisecond
	os.Exit(m.Run())
}

// An idle worker does not poll; the store's announcements wake it: an
// event for an application's webhook, a notification rule created, an
// event for that rule.
func TestIdleWorkerWakesOnChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, eventScope)
		rcv := newReceiver(t, "k")
		ep, err := st.SetAppWebhook(ctx, f.app.ID, rcv.srv.URL, "k", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		svc := New(Config{Store: st, HTTPClient: NewHTTPClient(true, 2), IdlePoll: time.Hour})
		startWorker(t, svc)
		waitFor(t, "the first cycle", 5*time.Second, func() bool { return svc.cycles.Load() > 0 })
		time.Sleep(100 * time.Millisecond)
		before := svc.cycles.Load()
		time.Sleep(time.Second)
		if n := svc.cycles.Load() - before; n > 1 {
			t.Fatalf("an idle worker ran %d cycles in a second", n)
		}
		id := f.event(t, 10, nil)
		waitFor(t, "the app's delivery", 5*time.Second, func() bool { return allDelivered(st, ep.ID, 1) })
		rcv.checkExactlyOnce(t, []int64{id})

		rules := newReceiver(t, "")
		rule := &domain.NotificationRule{AccountID: f.acct.ID, Name: "Rejects", Active: true, CallbackURL: rules.srv.URL,
			EventCodes: []int{20}, ChannelIDs: []int64{}}
		if err := st.CreateNotificationRule(ctx, rule); err != nil {
			t.Fatal(err)
		}
		var rep *store.WebhookEndpoint
		waitFor(t, "the rule's endpoint", 5*time.Second, func() bool {
			eps, _ := st.ListWebhookEndpoints(ctx)
			for _, e := range eps {
				if e.RuleID == rule.ID {
					rep = e
				}
			}
			return rep != nil
		})
		rules.mu.Lock()
		rules.secret = rep.Secret
		rules.mu.Unlock()
		want := f.event(t, 20, nil)
		waitFor(t, "the rule's delivery", 5*time.Second, func() bool { return allDelivered(st, rep.ID, 1) })
		rules.checkExactlyOnce(t, []int64{want})
	})
}
