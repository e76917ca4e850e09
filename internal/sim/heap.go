package sim

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// heapSample is the runtime metric of the heap memory held by objects,
// live or not yet swept.
const heapSample = "/memory/classes/heap/objects:bytes"

// heapWatch samples the heap every 100 ms and keeps the peak.
type heapWatch struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak uint64
	once sync.Once
}

func watchHeap() *heapWatch {
	h := &heapWatch{done: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			h.peak = max(h.peak, readMetric(heapSample))
			select {
			case <-h.done:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// stop ends the sampling and returns the peak in bytes.
func (h *heapWatch) stop() uint64 {
	h.once.Do(func() { close(h.done) })
	h.wg.Wait()
	return h.peak
}

// liveHeap collects garbage and returns the bytes of heap still live.
func liveHeap() uint64 {
	runtime.GC()
	return readMetric("/gc/heap/live:bytes")
}

func readMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// grown returns by how many MiB the heap grew from before to after (0 if
// it shrank).
func grown(before, after uint64) float64 {
	if after < before {
		return 0
	}
	return mib(after - before)
}
