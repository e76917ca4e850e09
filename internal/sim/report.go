package sim

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"
)

// Report is what a simulation measured. Durations are in milliseconds.
type Report struct {
	Controllers  int            `json:"controllers"`
	People       int            `json:"people"`
	TargetRate   float64        `json:"target_swipes_per_second"`
	AchievedRate float64        `json:"achieved_swipes_per_second"`
	DurationSec  float64        `json:"duration_seconds"`
	Swipes       int            `json:"swipes"`
	LatencyP50ms float64        `json:"decision_latency_p50_ms"`
	LatencyP99ms float64        `json:"decision_latency_p99_ms"`
	LatencyMaxms float64        `json:"decision_latency_max_ms"`
	Mix          map[string]int `json:"mix"`       // presentations by kind of swipe
	Decisions    map[string]int `json:"decisions"` // "admit 10", "deny 20", ...
	// ByKind splits the decisions by kind of swipe.
	ByKind           map[string]map[string]int `json:"decisions_by_swipe"`
	Probes           int                       `json:"revocation_probes"` // presentations made to observe revocations
	EventsSent       int                       `json:"events_sent"`
	EventsStored     int                       `json:"events_stored"`
	DrainMs          float64                   `json:"outbox_drain_ms"`
	Revocations      int                       `json:"revocations"`
	Propagated       int                       `json:"revocations_propagated"`
	PropagationP50ms float64                   `json:"propagation_p50_ms"`
	PropagationP99ms float64                   `json:"propagation_p99_ms"`
	PropagationMaxms float64                   `json:"propagation_max_ms"`
}

// percentile returns the p-th percentile (0-100, nearest rank) of sorted
// durations in milliseconds, or 0 for none.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return ms(sorted[i])
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// summarize fills the percentile fields from raw samples.
func (r *Report) summarize(latencies, propagation []time.Duration) {
	slices.Sort(latencies)
	slices.Sort(propagation)
	r.LatencyP50ms, r.LatencyP99ms, r.LatencyMaxms = percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 100)
	r.PropagationP50ms, r.PropagationP99ms, r.PropagationMaxms = percentile(propagation, 50), percentile(propagation, 99), percentile(propagation, 100)
}

// Print writes a human-readable summary.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "controllers %d, people %d, %.1f s at %.0f swipes/s (target %.0f): %d swipes\n",
		r.Controllers, r.People, r.DurationSec, r.AchievedRate, r.TargetRate, r.Swipes)
	fmt.Fprintf(w, "decision latency: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", r.LatencyP50ms, r.LatencyP99ms, r.LatencyMaxms)
	fmt.Fprintf(w, "mix:       %s\n", joinCounts(r.Mix))
	fmt.Fprintf(w, "decisions: %s\n", joinCounts(r.Decisions))
	for _, k := range sortedKeys(r.ByKind) {
		fmt.Fprintf(w, "  %-13s %s\n", k+":", joinCounts(r.ByKind[k]))
	}
	fmt.Fprintf(w, "events: %d sent (%d swipes + %d revocation probes), %d stored (outboxes drained in %.0f ms)\n", r.EventsSent, r.EventsSent-r.Probes, r.Probes, r.EventsStored, r.DrainMs)
	fmt.Fprintf(w, "revocations: %d of %d reached every controller; propagation p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
		r.Propagated, r.Revocations, r.PropagationP50ms, r.PropagationP99ms, r.PropagationMaxms)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func joinCounts(m map[string]int) string {
	s := ""
	for i, k := range sortedKeys(m) {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k, m[k])
	}
	return s
}
