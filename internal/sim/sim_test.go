package sim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/config"
)

func serverConfig() *config.Config {
	if u := os.Getenv("LINTEL_TEST_POSTGRES_URL"); u != "" {
		return &config.Config{DatabaseURL: u}
	}
	return nil
}

// TestTinySimulation: every presentation reaches the server exactly once
// and every revocation reaches every controller.
func TestTinySimulation(t *testing.T) {
	cfg := Config{Controllers: 3, Rate: 30, Duration: 2 * time.Second, People: 60, Revocations: 2, Server: serverConfig()}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *r)
	if r.Swipes != 60 {
		t.Errorf("swipes = %d, want 60", r.Swipes)
	}
	if r.EventsSent != r.Swipes || r.EventsSent != r.EventsStored || r.EventsLost != 0 {
		t.Errorf("events sent %d, stored %d, lost %d (swipes %d)", r.EventsSent, r.EventsStored, r.EventsLost, r.Swipes)
	}
	if r.Revocations != 2 || r.Propagated != 2 || r.PropagationP99ms < r.PropagationP50ms || r.Probes < 6 {
		t.Errorf("revocations %d, propagated %d, p50 %v p99 %v, %d probes", r.Revocations, r.Propagated, r.PropagationP50ms, r.PropagationP99ms, r.Probes)
	}
	if r.Mix[SwipeValid] == 0 || r.Decisions["admit 10"] == 0 || r.Opens != r.Decisions["admit 10"] {
		t.Errorf("valid swipes not admitted or not timed: mix %v, decisions %v, %d door opens", r.Mix, r.Decisions, r.Opens)
	}
	if r.Decisions["deny 20"] == 0 {
		t.Errorf("no card rejects: %v", r.Decisions)
	}
	if r.LatencyP50ms <= 0 || r.LatencyP99ms < r.LatencyP50ms || r.OpenP50ms <= 0 || r.OpenP50ms > r.LatencyP50ms {
		t.Errorf("latency p50 %v p99 %v, door open p50 %v", r.LatencyP50ms, r.LatencyP99ms, r.OpenP50ms)
	}
	if r.Credentials < 60 || r.SnapshotPeople != 60 || r.PeakHeapMiB <= 0 || r.StoredRate <= 0 {
		t.Errorf("snapshot %d people %d credentials, peak heap %v MiB, %v events/s", r.SnapshotPeople, r.Credentials, r.PeakHeapMiB, r.StoredRate)
	}
	if r.Uploads == 0 || r.UploadP50ms <= 0 || r.Uploads > r.EventsStored {
		t.Errorf("%d uploads for %d events, p50 %v ms", r.Uploads, r.EventsStored, r.UploadP50ms)
	}
	if r.LinkCuts != 0 || r.OfflineDecisions != 0 {
		t.Errorf("offline without a cut: %d cuts, %d offline decisions", r.LinkCuts, r.OfflineDecisions)
	}
}

// TestLinkCut: a controller cut off decides offline, keeps its events and
// uploads them when the link returns; none is lost. The people beyond the
// demo's first hundred come from the bulk path.
func TestLinkCut(t *testing.T) {
	agents := t.TempDir()
	cfg := Config{Controllers: 3, Rate: 45, Duration: 3 * time.Second, People: 150, Revocations: -1,
		Cuts: 1, CutFor: 1500 * time.Millisecond, AgentDir: agents, Server: serverConfig()}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *r)
	// The agent learns of the cut, and of its end, from its next request:
	// offline decisions need not match the swipes made during the cut.
	if r.LinkCuts != 1 || r.SwipesWhileCut == 0 || r.OfflineDecisions == 0 || r.OfflineDecisions > r.Swipes {
		t.Errorf("%d cuts, %d swipes while cut, %d offline decisions", r.LinkCuts, r.SwipesWhileCut, r.OfflineDecisions)
	}
	if r.Swipes != 135 || r.EventsSent != r.Swipes || r.EventsStored != r.EventsSent || r.EventsLost != 0 {
		t.Errorf("swipes %d, events sent %d, stored %d, lost %d", r.Swipes, r.EventsSent, r.EventsStored, r.EventsLost)
	}
	if left, _ := os.ReadDir(agents); len(left) != 0 {
		t.Errorf("agent state left behind: %v", left)
	}
	if r.SnapshotPeople != 150 || r.LagMaxms < 1000 {
		t.Errorf("snapshot of %d people; upload lag max %v ms does not show the cut", r.SnapshotPeople, r.LagMaxms)
	}
}

func TestLinkCutsRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done() // a long poll that never answers
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	l := newLink(&http.Transport{})
	c := &http.Client{Transport: l}
	get := func(path string) (string, error) {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if body, err := get("/"); err != nil || body != "ok" {
		t.Fatalf("link up: %q %v", body, err)
	}
	waited := make(chan error, 1)
	go func() { _, err := get("/wait"); waited <- err }()
	time.Sleep(100 * time.Millisecond)
	l.cut()
	select {
	case err := <-waited:
		if !errors.Is(err, errLinkCut) {
			t.Errorf("request in flight ended with %v, want the cut", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the cut did not abort the request in flight")
	}
	if _, err := get("/"); err == nil || !strings.Contains(err.Error(), errLinkCut.Error()) {
		t.Errorf("request while cut: %v", err)
	}
	if !l.isDown() {
		t.Error("link not down")
	}
	l.restore()
	if body, err := get("/"); err != nil || body != "ok" {
		t.Errorf("link restored: %q %v", body, err)
	}
	l.mu.Lock()
	left := len(l.inflight)
	l.mu.Unlock()
	if left != 0 {
		t.Errorf("%d requests still registered", left)
	}
}

func TestConfigRefuses(t *testing.T) {
	for name, c := range map[string]Config{
		"controllers": {Controllers: MaxControllers + 1},
		"rate":        {Rate: -1},
		"duration":    {Duration: time.Millisecond},
		"people":      {People: MaxPeople + 1},
		"cuts":        {Controllers: 2, Cuts: 3},
		"cut for":     {Cuts: 1, CutFor: -time.Second},
	} {
		if err := c.defaults(); err == nil {
			t.Errorf("%s: accepted %+v", name, c)
		}
	}
	c := Config{Cuts: 1}
	if err := c.defaults(); err != nil || c.CutFor != 5*time.Second || c.Controllers != 20 {
		t.Errorf("defaults: %+v %v", c, err)
	}
}

func TestPercentile(t *testing.T) {
	d := []time.Duration{1 * time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond, 4 * time.Millisecond}
	if got := percentile(d, 50); got != 2 {
		t.Errorf("p50 = %v, want 2", got)
	}
	if got := percentile(d, 100); got != 4 {
		t.Errorf("p100 = %v, want 4", got)
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("empty = %v", got)
	}
}

// TestSeveralServersSimulation: three servers on one PostgreSQL, the last
// stopped halfway; revocations made through the first reach the
// controllers of all three (those of the stopped one through the first),
// and every event is stored exactly once.
func TestSeveralServersSimulation(t *testing.T) {
	srv := serverConfig()
	if srv == nil {
		t.Skip("several servers need PostgreSQL: set LINTEL_TEST_POSTGRES_URL")
	}
	cfg := Config{Controllers: 6, Rate: 40, Duration: 3 * time.Second, People: 60, Revocations: 3, Server: srv, Servers: 3, StopServer: true}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	r, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *r)
	if r.EventsSent != r.Swipes || r.EventsStored != r.EventsSent || r.EventsLost != 0 {
		t.Errorf("events sent %d, stored %d, lost %d (swipes %d)", r.EventsSent, r.EventsStored, r.EventsLost, r.Swipes)
	}
	if r.Propagated != 3 || r.ArrivalsSame != 3*2 || r.ArrivalsCross != 3*4 || r.CrossServerP99ms <= 0 {
		t.Errorf("propagated %d; %d arrivals on the same server, %d across (p99 %v ms)", r.Propagated, r.ArrivalsSame, r.ArrivalsCross, r.CrossServerP99ms)
	}
	if r.StoppedServer != 2 {
		t.Errorf("stopped server %d", r.StoppedServer)
	}
	for _, bad := range []Config{{Servers: 2}, {Servers: 1, StopServer: true}, {Servers: 17, Server: srv}} {
		if _, err := Run(ctx, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
