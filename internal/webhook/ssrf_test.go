package webhook

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// The dial-time guard refuses a name that resolves to loopback, which is
// what a DNS-rebinding callback looks like by the time it is sent.
func TestDeliveryRefusesPrivateAddresses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, eventScope)
		rcv := newReceiver(t, "k")
		clock := newClock()
		url := strings.Replace(rcv.srv.URL, "127.0.0.1", "localhost", 1)
		ep, err := st.SetAppWebhook(ctx, f.app.ID, url, "k", clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		f.event(t, 10, nil)
		startWorker(t, New(Config{Store: st, Now: clock.Now, AllowPrivate: false}))
		waitFor(t, "a refused attempt", 10*time.Second, func() bool {
			ds, _ := st.ListWebhookDeliveries(ctx, ep.ID, 0, 1)
			return len(ds) == 1 && ds[0].Attempts > 0 && ds[0].LastError != ""
		})
		ds, _ := st.ListWebhookDeliveries(ctx, ep.ID, 0, 1)
		if !strings.Contains(ds[0].LastError, "private or reserved") || ds[0].Status != store.DeliveryPending {
			t.Fatalf("delivery: %+v", ds[0])
		}
		if n := rcv.distinctEvents(); n != 0 {
			t.Fatalf("the private receiver was reached %d times", n)
		}
		// The same client with loopback allowed gets through.
		req, _ := http.NewRequest("GET", rcv.srv.URL, nil)
		if _, err := NewHTTPClient(false, 1).Do(req); !errors.Is(err, ErrForbiddenAddress) {
			t.Fatalf("guarded client reached loopback: %v", err)
		}
		resp, err := NewHTTPClient(true, 1).Do(req)
		if err != nil {
			t.Fatalf("allowed client: %v", err)
		}
		resp.Body.Close()
	})
}
