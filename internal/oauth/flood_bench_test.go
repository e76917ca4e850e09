package oauth

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/password"
)

// floodSize is how many sign-in attempts BenchmarkLoginFlood sends at once.
const floodSize = 64

// BenchmarkLoginFlood sends floodSize concurrent password-grant attempts
// per iteration, each for a different unknown username from a different
// address (so neither throttle stops them), with the production argon2id
// cost (19 MiB per check), and reports the peak heap and the peak memory
// the Go runtime had mapped while they ran, plus how many got 503.
//
//	gated:   the default password gate (2 running, 32 waiting)
//	ungated: a gate wide enough to let every attempt hash at once, which
//	         is how Lintel behaved before the gate
//
// Run one at a time for a clean peak RSS (VmHWM is per process):
//
//	go test ./internal/oauth -run '^$' -bench 'LoginFlood/^gated$' -benchtime 5x
//	go test ./internal/oauth -run '^$' -bench 'LoginFlood/ungated' -benchtime 5x
func BenchmarkLoginFlood(b *testing.B) {
	for _, bc := range []struct {
		name        string
		slots, wait int
	}{
		{"gated", 0, 0},
		{"ungated", floodSize, floodSize},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv, mux, c, _ := benchServer(b)
			srv.hashGate = password.NewGate(bc.slots, bc.wait, 0)
			// Unknown usernames are checked against the dummy hash: give it
			// the production cost.
			srv.dummyOnce.Do(func() {})
			h, err := password.HashWith(password.Default, newSecret())
			if err != nil {
				b.Fatal(err)
			}
			srv.dummyHash = h
			runtime.GC()
			debug.FreeOSMemory()
			base := readMem()
			var (
				peak       memSample
				busy, done atomic.Int64
				stop       = make(chan struct{})
				sampled    = make(chan struct{})
			)
			go func() {
				defer close(sampled)
				t := time.NewTicker(2 * time.Millisecond)
				defer t.Stop()
				for {
					peak = peak.max(readMem())
					select {
					case <-stop:
						return
					case <-t.C:
					}
				}
			}()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var wg sync.WaitGroup
				for j := range floodSize {
					wg.Go(func() {
						form := url.Values{"grant_type": {"password"}, "username": {fmt.Sprintf("1/nobody-%d-%d@b.test", i, j)},
							"password": {"guess"}, "client_id": {c.id()}, "client_secret": {c.secret}}
						req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(form.Encode()))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
						req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:1234", i/250%250, i%250, j)
						rec := httptest.NewRecorder()
						mux.ServeHTTP(rec, req)
						switch rec.Code {
						case http.StatusServiceUnavailable:
							busy.Add(1)
						case http.StatusBadRequest:
							done.Add(1)
						default:
							b.Errorf("attempt: %d %s", rec.Code, rec.Body)
						}
					})
				}
				wg.Wait()
			}
			b.StopTimer()
			close(stop)
			<-sampled
			const mib = 1 << 20
			b.ReportMetric(float64(base.heap)/mib, "base-heap-MiB")
			b.ReportMetric(float64(peak.heap)/mib, "peak-heap-MiB")
			b.ReportMetric(float64(peak.mapped)/mib, "peak-mapped-MiB")
			if hwm := peakRSS(); hwm > 0 {
				b.ReportMetric(float64(hwm)/mib, "process-peak-RSS-MiB")
			}
			b.ReportMetric(float64(busy.Load())/float64(b.N), "503/op")
			b.ReportMetric(float64(done.Load())/float64(b.N), "checked/op")
		})
	}
}

// memSample is the Go heap (live and not yet collected objects) and all
// the memory the runtime has mapped and not returned to the system.
type memSample struct{ heap, mapped uint64 }

func (m memSample) max(o memSample) memSample {
	return memSample{max(m.heap, o.heap), max(m.mapped, o.mapped)}
}

var memMetrics = []metrics.Sample{
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/total:bytes"},
	{Name: "/memory/classes/heap/released:bytes"},
}

func readMem() memSample {
	s := make([]metrics.Sample, len(memMetrics))
	copy(s, memMetrics)
	metrics.Read(s)
	return memSample{heap: s[0].Value.Uint64(), mapped: s[1].Value.Uint64() - s[2].Value.Uint64()}
}

// peakRSS reads VmHWM, the process's peak resident set, on Linux (0
// elsewhere).
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
