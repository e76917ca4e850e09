package webhook

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/clocktest"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

const envChildDSN = "LINTEL_WEBHOOK_TEST_CHILD_DSN"

// TestChildWorker is not a test: TestKilledWorker runs it in a child
// process as a delivery worker, then kills the process with SIGKILL.
func TestChildWorker(t *testing.T) {
	dsn := os.Getenv(envChildDSN)
	if dsn == "" {
		t.Skip("only runs as TestKilledWorker's child process")
	}
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	_ = New(Config{Store: st, HTTPClient: NewHTTPClient(true, 4), Concurrency: 4}).Run(context.Background())
}

func TestKilledWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, be)
			f := newFixture(t, st, eventScope)
			rcv := newReceiver(t, "k")
			hang := make(chan struct{})
			defer close(hang)
			rcv.behave = func(int, http.ResponseWriter) { <-hang } // the child never gets an answer
			ep, err := st.SetAppWebhook(ctx, f.app.ID, rcv.srv.URL, "k", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for i := 0; i < 8; i++ {
				ids = append(ids, f.event(t, 10, nil))
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildWorker$")
			cmd.Env = append(os.Environ(), envChildDSN+"="+be.DSN)
			cmd.Dir = filepath.Dir(os.Args[0])
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the child's requests", 20*time.Second, func() bool { return rcv.distinctEvents() >= 4 })
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			rcv.mu.Lock()
			rcv.behave = nil
			rcv.mu.Unlock()
			clock := clocktest.New(time.Now().Add(2 * time.Minute)) // past the dead worker's leases
			startWorker(t, New(Config{Store: st, Now: clock.Now, HTTPClient: NewHTTPClient(true, 4)}))
			waitFor(t, "all deliveries", 20*time.Second, func() bool { return allDelivered(st, ep.ID, len(ids)) })
			rcv.checkExactlyOnce(t, ids)
		})
	}
}
