package webhook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// EnvSDK names a directory holding the unpacked DoorFlow SDK ("npm pack
// doorflow@1.0.0" then tar xzf: the "package" directory). When it is set
// and node is installed, a real delivery is checked with the SDK's own
// webhooks.verify.
const EnvSDK = "LINTEL_DOORFLOW_SDK"

func TestDeliveryVerifiesWithDoorFlowSDK(t *testing.T) {
	sdk := os.Getenv(EnvSDK)
	node, err := exec.LookPath("node")
	if sdk == "" || err != nil {
		t.Skipf("set %s to the unpacked doorflow npm package (and install node) to run", EnvSDK)
	}
	verify := filepath.Join(sdk, "dist", "src", "webhooks", "verify.js")
	st := storetest.Open(t, storetest.Backends(t)[0])
	f := newFixture(t, st, eventScope)
	type captured struct{ body, sig, ts string }
	got := make(chan captured, 1)
	rcv := newReceiver(t, "whsec_sdk")
	rcv.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf, _ := io.ReadAll(r.Body)
		select {
		case got <- captured{string(buf), r.Header.Get("Signature"), r.Header.Get("Timestamp")}:
		default:
		}
		w.WriteHeader(http.StatusOK)
	})
	if _, err := st.SetAppWebhook(context.Background(), f.app.ID, rcv.srv.URL, "whsec_sdk", time.Now()); err != nil {
		t.Fatal(err)
	}
	svc := New(Config{Store: st, HTTPClient: NewHTTPClient(true, 1), BaseURL: "http://lintel.test"})
	startWorker(t, svc)
	id := f.event(t, 10, nil)
	svc.Notify(f.acct.ID)
	var c captured
	select {
	case c = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery")
	}
	args, _ := json.Marshal([]string{c.body, c.sig, c.ts, "whsec_sdk"})
	script := `const v = require(process.argv[1]); const a = JSON.parse(process.argv[2]);
		const out = v.verifyWebhook(a[0], a[1], a[2], a[3]); console.log(JSON.stringify(out));
		try { v.verifyWebhook(a[0], a[1], a[2], 'wrong'); console.log('ACCEPTED-WRONG'); } catch (e) {}`
	out, err := exec.Command(node, "-e", script, verify, string(args)).CombinedOutput()
	if err != nil || strings.Contains(string(out), "ACCEPTED-WRONG") {
		t.Fatalf("SDK verify: %v\n%s", err, out)
	}
	var events []map[string]any
	if err := json.Unmarshal(out, &events); err != nil || len(events) != 1 || events[0]["resourceId"] != jsonID(id) || events[0]["resourceType"] != "Event" {
		t.Fatalf("SDK parsed %s (%v)", out, err)
	}
}

func jsonID(id int64) string { b, _ := json.Marshal(id); return string(b) }
