package webhook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// A credential change and an event with the same id go out as two
// deliveries, each naming its own kind in the headers, the body and the
// log, and each acknowledged only by its own token.
func TestChangeAndEventDeliveries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, eventScope, personScope)
		type request struct {
			event, change string
			body          []notification
		}
		var (
			mu   sync.Mutex
			reqs []request
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if !Verify("sekrit-of-some-length", r.Header.Get(HeaderTimestamp), b, r.Header.Get(HeaderSignature)) {
				t.Errorf("bad signature on %s", b)
			}
			var ns []notification
			if err := json.Unmarshal(b, &ns); err != nil || len(ns) != 1 {
				t.Errorf("body %s: %v", b, err)
			}
			mu.Lock()
			reqs = append(reqs, request{event: r.Header.Get(HeaderEvent), change: r.Header.Get(HeaderChange), body: ns})
			mu.Unlock()
		}))
		t.Cleanup(srv.Close)
		ep, err := st.SetAppWebhook(ctx, f.app.ID, srv.URL, "sekrit-of-some-length", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		svc := New(Config{Store: st, HTTPClient: NewHTTPClient(true, 2), BaseURL: "https://lintel.test"})
		startWorker(t, svc)
		waitFor(t, "the change cursor", 5*time.Second, func() bool {
			cur, err := st.ChangeCursors(ctx)
			return err == nil && len(cur) == 1
		})

		ch := &store.ResourceChange{AccountID: f.acct.ID, ResourceType: store.ResourcePersonCredential, ResourceID: "k3Jd9xQa",
			PersonID: 42, Action: store.ChangeDestroy}
		if err := st.RecordResourceChange(ctx, ch); err != nil {
			t.Fatal(err)
		}
		ev := f.event(t, 10, nil)
		if ev != ch.ID {
			t.Fatalf("the test needs equal ids, got event %d and change %d", ev, ch.ID)
		}
		svc.Notify(f.acct.ID)
		waitFor(t, "both deliveries", 10*time.Second, func() bool { return allDelivered(st, ep.ID, 2) })

		id := strconv.FormatInt(ev, 10)
		mu.Lock()
		got := append([]request(nil), reqs...)
		mu.Unlock()
		if len(got) != 2 {
			t.Fatalf("%d requests, want 2", len(got))
		}
		var evReq, chReq request
		for _, r := range got {
			switch {
			case r.event == id && r.change == "":
				evReq = r
			case r.change == id && r.event == "":
				chReq = r
			default:
				t.Fatalf("request with event %q and change %q", r.event, r.change)
			}
		}
		if evReq.body == nil || chReq.body == nil {
			t.Fatalf("want one event and one change request: %+v", got)
		}
		if n := evReq.body[0]; n.ResourceType != "Event" || n.ResourceID != id {
			t.Fatalf("event notification: %+v", n)
		}
		n := chReq.body[0]
		if n.ResourceType != store.ResourcePersonCredential || n.Action != store.ChangeDestroy || n.ResourceID != "k3Jd9xQa" {
			t.Fatalf("change notification: %+v", n)
		}

		ds, err := st.ListWebhookDeliveries(ctx, ep.ID, 0, 10)
		if err != nil || len(ds) != 2 {
			t.Fatalf("log: %+v %v", ds, err)
		}
		byKind := map[string]*store.WebhookDelivery{}
		for _, d := range ds {
			switch {
			case d.EventID == ev && d.ChangeID == 0:
				byKind["event"] = d
			case d.ChangeID == ch.ID && d.EventID == 0:
				byKind["change"] = d
			default:
				t.Fatalf("delivery %+v names neither or both", d)
			}
		}

		// The deleted credential answers 404, which acknowledges the
		// DESTROY; the event's token, fetched at the event, acknowledges
		// only the event.
		api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/3/events/"+id {
				w.Write([]byte(`{}`))
				return
			}
			http.NotFound(w, r)
		})
		h := svc.AckHandler(api)
		fetch := func(resource string) {
			u, err := url.Parse(resource)
			if err != nil {
				t.Fatal(err)
			}
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", u.RequestURI(), nil))
		}
		acked := func(kind string) bool {
			d, err := st.GetWebhookDelivery(ctx, byKind[kind].ID)
			if err != nil {
				t.Fatal(err)
			}
			return d.AckedAt != nil
		}
		// The event's MAC, dressed as a token for the change with the same
		// id, acknowledges nothing.
		_, evMAC, _ := parseAckToken(evReq.body[0].AckToken)
		forged := strconv.FormatInt(ep.ID, 10) + "." + id + "." + evMAC
		fetch("https://lintel.test/api/3/people/42/credentials/k3Jd9xQa?ack_token=" + url.QueryEscape(forged))
		if acked("event") || acked("change") {
			t.Fatal("an event's MAC acknowledged a change")
		}
		fetch(n.Resource)
		if !acked("change") || acked("event") {
			t.Fatalf("after fetching the credential: change acked %v, event acked %v", acked("change"), acked("event"))
		}
		fetch(evReq.body[0].Resource)
		if !acked("event") {
			t.Fatal("fetching the event did not acknowledge it")
		}
	})
}
