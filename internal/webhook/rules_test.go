package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestNotificationRulesAndAck(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st) // no app webhook: rules only
		rcv := newReceiver(t, "")
		door, otherDoor := int64(1340), int64(1341)
		rule := Rule{ID: 55, AccountID: f.acct.ID, URL: rcv.srv.URL, Active: true, Codes: []int{20, 21}, ChannelIDs: []int64{door}}
		rules := []Rule{rule}
		clock := newClock()
		svc := New(Config{Store: st, Now: clock.Now, HTTPClient: NewHTTPClient(true, 2), BaseURL: "https://lintel.test",
			RuleSync: time.Millisecond, Rules: func(context.Context) ([]Rule, error) { return rules, nil }})
		stop := startWorker(t, svc)
		var ep *store.WebhookEndpoint
		waitFor(t, "rule endpoint", 5*time.Second, func() bool {
			eps, _ := st.ListWebhookEndpoints(ctx)
			if len(eps) == 1 {
				ep = eps[0]
			}
			return ep != nil
		})
		rcv.mu.Lock()
		rcv.secret = ep.Secret
		rcv.mu.Unlock()
		f.event(t, 10, &door)      // wrong code
		f.event(t, 20, &otherDoor) // wrong door
		want := f.event(t, 21, &door)
		svc.Notify(f.acct.ID)
		waitFor(t, "rule delivery", 10*time.Second, func() bool { return allDelivered(st, ep.ID, 1) })
		stop()
		rcv.checkExactlyOnce(t, []int64{want})
		var ns []notification
		rcv.mu.Lock()
		err := json.Unmarshal(rcv.bodies[0], &ns)
		rcv.mu.Unlock()
		if err != nil || len(ns) != 1 || ns[0].Callback != "55" || ns[0].ResourceType != "Event" {
			t.Fatalf("body: %+v %v", ns, err)
		}

		// Fetching the resource URL with its ack_token acknowledges it.
		u, _ := url.Parse(ns[0].Resource)
		api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte(`{}`))
		})
		h := svc.AckHandler(api)
		fetch := func(rawQuery string, auth bool) {
			r := httptest.NewRequest("GET", u.Path+"?"+rawQuery, nil)
			if auth {
				r.Header.Set("Authorization", "Bearer t")
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
		}
		acked := func() bool {
			ds, _ := st.ListWebhookDeliveries(ctx, ep.ID, 0, 1)
			return ds[0].AckedAt != nil
		}
		fetch(u.RawQuery, false) // not authenticated: no ack
		fetch("ack_token="+ackToken("wrong", ep.ID, want), true)
		if acked() {
			t.Fatal("acknowledged without a valid, authenticated fetch")
		}
		fetch(u.RawQuery, true)
		if !acked() {
			t.Fatal("the fetch with ack_token did not acknowledge")
		}

		// A rule that goes away disables its endpoint.
		rules = nil
		startWorker(t, svc)
		waitFor(t, "endpoint disabled", 5*time.Second, func() bool {
			e, _ := st.GetWebhookEndpoint(ctx, ep.ID)
			return e.DisabledAt != nil && e.DisabledReason == store.RuleInactiveReason
		})
	})
}

func TestRulesFromTheStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		rcv := newReceiver(t, "")
		rule := &domain.NotificationRule{AccountID: f.acct.ID, Name: "Rejects", Active: true, CallbackURL: rcv.srv.URL,
			EventCodes: []int{20}, ChannelIDs: []int64{}}
		if err := st.CreateNotificationRule(ctx, rule); err != nil {
			t.Fatal(err)
		}
		off := &domain.NotificationRule{AccountID: f.acct.ID, Name: "Off", Active: false, CallbackURL: rcv.srv.URL,
			EventCodes: []int{20}, ChannelIDs: []int64{}}
		if err := st.CreateNotificationRule(ctx, off); err != nil {
			t.Fatal(err)
		}
		svc := New(Config{Store: st, HTTPClient: NewHTTPClient(true, 2), RuleSync: time.Millisecond})
		startWorker(t, svc)
		var ep *store.WebhookEndpoint
		waitFor(t, "rule endpoint", 5*time.Second, func() bool {
			eps, _ := st.ListWebhookEndpoints(ctx)
			for _, e := range eps {
				if e.RuleID == off.ID {
					t.Fatal("an inactive rule got an endpoint")
				}
				if e.RuleID == rule.ID {
					ep = e
				}
			}
			return ep != nil
		})
		rcv.mu.Lock()
		rcv.secret = ep.Secret
		rcv.mu.Unlock()
		f.event(t, 10, nil)
		want := f.event(t, 20, nil)
		svc.Notify(f.acct.ID)
		waitFor(t, "rule delivery", 10*time.Second, func() bool { return allDelivered(st, ep.ID, 1) })
		rcv.checkExactlyOnce(t, []int64{want})
	})
}
