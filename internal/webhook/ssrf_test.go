package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestPublicAddr(t *testing.T) {
	for ip, want := range map[string]bool{
		"93.184.216.34": true, "2606:4700::1111": true, "8.8.8.8": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "255.255.255.255": false, "224.0.0.1": false, "198.18.0.1": false,
		"::1": false, "fe80::1": false, "fc00::1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false,
		"64:ff9b::a00:1": false, "2002:a00:1::": false, "::": false, "2001:db8::1": false,
	} {
		if got := PublicAddr(netip.MustParseAddr(ip)); got != want {
			t.Errorf("PublicAddr(%s) = %v, want %v", ip, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://hooks.example.com/in": true, "http://93.184.216.34:8080/x": true,
		"ftp://example.com": false, "https://": false, "https://user:pw@example.com": false, "not a url": false,
		"http://127.0.0.1/": false, "http://localhost:9/": false, "http://[::1]/": false, "http://169.254.169.254/latest": false,
		"http://api.localhost/": false, "http://10.0.0.8/": false,
	} {
		if err := CheckURL(raw, false); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", raw, err, ok)
		}
	}
	if err := CheckURL("http://127.0.0.1/", true); err != nil {
		t.Errorf("allowPrivate must admit loopback: %v", err)
	}
	if err := CheckURLResolve(context.Background(), "http://localhost:1/", false); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("CheckURLResolve(localhost) = %v", err)
	}
}

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
