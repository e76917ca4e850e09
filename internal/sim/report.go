package sim

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"
)

// Report is what a simulation measured. Durations are in milliseconds
// unless the name says seconds; memory is in MiB.
type Report struct {
	Controllers int `json:"controllers"`
	Servers     int `json:"servers"`
	People      int `json:"people"`
	// SnapshotPeople and Credentials count what the first controller's
	// first snapshot held.
	SnapshotPeople int     `json:"snapshot_people"`
	Credentials    int     `json:"snapshot_credentials"`
	SeedSec        float64 `json:"seed_seconds"` // creating the demo account and its people
	TargetRate     float64 `json:"target_swipes_per_second"`
	AchievedRate   float64 `json:"achieved_swipes_per_second"`
	DurationSec    float64 `json:"duration_seconds"` // from the first swipe until the last was decided
	Swipes         int     `json:"swipes"`
	// Latency is how long Present took: the decision plus the synced write
	// of the event to the outbox.
	LatencyP50ms float64 `json:"decision_latency_p50_ms"`
	LatencyP99ms float64 `json:"decision_latency_p99_ms"`
	LatencyMaxms float64 `json:"decision_latency_max_ms"`
	// Open is, for admitted swipes, the time from the call to Present until
	// the agent released the door (before it writes the event).
	Opens     int            `json:"door_opens"`
	OpenP50ms float64        `json:"door_open_latency_p50_ms"`
	OpenP99ms float64        `json:"door_open_latency_p99_ms"`
	OpenMaxms float64        `json:"door_open_latency_max_ms"`
	Mix       map[string]int `json:"mix"`       // presentations by kind of swipe
	Decisions map[string]int `json:"decisions"` // "admit 10", "deny 20", ...
	// ByKind splits the decisions by kind of swipe.
	ByKind       map[string]map[string]int `json:"decisions_by_swipe"`
	Probes       int                       `json:"revocation_probes"` // decisions (without events) asked for to observe revocations
	EventsSent   int                       `json:"events_sent"`
	EventsStored int                       `json:"events_stored"`
	EventsLost   int                       `json:"events_lost"` // sent but not stored
	// StoredRate is how many of the events were stored per second while the
	// swipes went on; StoredSlowest is the fewest stored in one whole
	// second of that time.
	StoredRate    float64 `json:"events_stored_per_second"`
	StoredSlowest int     `json:"events_stored_slowest_second"`
	// Lag is, per event, the time from its write to the outbox until the
	// server stored it.
	LagP50ms float64 `json:"upload_lag_p50_ms"`
	LagP99ms float64 `json:"upload_lag_p99_ms"`
	LagMaxms float64 `json:"upload_lag_max_ms"`
	// DrainMs is how long the final flush took to empty every outbox once
	// the swipes, revocations and link cuts were over.
	DrainMs float64 `json:"outbox_drain_ms"`
	// Uploads counts the event batches the server accepted (POST
	// /controller/v1/events answered 200) and Upload how long each took.
	Uploads     int     `json:"event_uploads"`
	UploadP50ms float64 `json:"event_upload_p50_ms"`
	UploadP99ms float64 `json:"event_upload_p99_ms"`
	UploadMaxms float64 `json:"event_upload_max_ms"`
	// LinkCuts controllers lost their network for CutForSec; meanwhile
	// SwipesWhileCut swipes were made at them. OfflineDecisions counts every
	// presentation decided by an agent that knew its link was down.
	LinkCuts         int     `json:"link_cuts"`
	CutForSec        float64 `json:"cut_for_seconds"`
	SwipesWhileCut   int     `json:"swipes_while_cut"`
	OfflineDecisions int     `json:"offline_decisions"`
	Revocations      int     `json:"revocations"`
	Propagated       int     `json:"revocations_propagated"`
	PropagationP50ms float64 `json:"propagation_p50_ms"`
	PropagationP99ms float64 `json:"propagation_p99_ms"`
	PropagationMaxms float64 `json:"propagation_max_ms"`
	// With several servers: how long each revocation, made through server
	// 0, took to reach each controller of server 0 (SameServer) and of the
	// others (CrossServer), over ArrivalsSame and ArrivalsCross arrivals;
	// StoppedServer is the server stopped during the run (-1: none).
	ArrivalsSame     int     `json:"arrivals_same_server,omitempty"`
	SameServerP50ms  float64 `json:"same_server_p50_ms,omitempty"`
	SameServerP99ms  float64 `json:"same_server_p99_ms,omitempty"`
	ArrivalsCross    int     `json:"arrivals_cross_server,omitempty"`
	CrossServerP50ms float64 `json:"cross_server_p50_ms,omitempty"`
	CrossServerP99ms float64 `json:"cross_server_p99_ms,omitempty"`
	CrossServerMaxms float64 `json:"cross_server_max_ms,omitempty"`
	StoppedServer    int     `json:"stopped_server,omitempty"`
	// PeakHeapMiB is the most heap the process (server, controllers and
	// simulator) used at once; HeapPerController is how much the live heap
	// grew per controller when the controllers took their first snapshot.
	PeakHeapMiB       float64 `json:"peak_heap_mib"`
	HeapPerController float64 `json:"heap_per_controller_mib"`
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

// spread returns the p50, p99 and maximum of samples, sorting them.
func spread(samples []time.Duration) (p50, p99, top float64) {
	slices.Sort(samples)
	return percentile(samples, 50), percentile(samples, 99), percentile(samples, 100)
}

// Print writes a human-readable summary.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "controllers %d, people %d (each controller's snapshot: %d people, %d credentials); seeded in %.1f s\n",
		r.Controllers, r.People, r.SnapshotPeople, r.Credentials, r.SeedSec)
	fmt.Fprintf(w, "load: %.1f s at %.0f swipes/s (target %.0f): %d swipes\n", r.DurationSec, r.AchievedRate, r.TargetRate, r.Swipes)
	fmt.Fprintf(w, "door-open latency (%d admits): p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", r.Opens, r.OpenP50ms, r.OpenP99ms, r.OpenMaxms)
	fmt.Fprintf(w, "decision latency (decision + synced outbox write): p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", r.LatencyP50ms, r.LatencyP99ms, r.LatencyMaxms)
	fmt.Fprintf(w, "mix:       %s\n", joinCounts(r.Mix))
	fmt.Fprintf(w, "decisions: %s\n", joinCounts(r.Decisions))
	for _, k := range sortedKeys(r.ByKind) {
		fmt.Fprintf(w, "  %-13s %s\n", k+":", joinCounts(r.ByKind[k]))
	}
	fmt.Fprintf(w, "events: %d sent, %d stored, %d lost\n", r.EventsSent, r.EventsStored, r.EventsLost)
	fmt.Fprintf(w, "ingest: %.0f events/s stored during the load (slowest second %d); upload lag p50 %.0f ms, p99 %.0f ms, max %.0f ms; final flush %.0f ms\n",
		r.StoredRate, r.StoredSlowest, r.LagP50ms, r.LagP99ms, r.LagMaxms, r.DrainMs)
	perBatch := 0.0
	if r.Uploads > 0 {
		perBatch = float64(r.EventsStored) / float64(r.Uploads)
	}
	fmt.Fprintf(w, "uploads: %d batches accepted, %.1f events each on average; p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		r.Uploads, perBatch, r.UploadP50ms, r.UploadP99ms, r.UploadMaxms)
	if r.LinkCuts > 0 {
		fmt.Fprintf(w, "link cuts: %d controllers cut for %.1f s; %d swipes at them meanwhile\n", r.LinkCuts, r.CutForSec, r.SwipesWhileCut)
	}
	fmt.Fprintf(w, "offline decisions: %d\n", r.OfflineDecisions)
	fmt.Fprintf(w, "revocations: %d of %d reached every controller (%d probes); propagation p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
		r.Propagated, r.Revocations, r.Probes, r.PropagationP50ms, r.PropagationP99ms, r.PropagationMaxms)
	if r.Servers > 1 {
		fmt.Fprintf(w, "servers: %d on one database; to controllers of the server the revocation went through: p50 %.0f ms, p99 %.0f ms (%d arrivals); of the others: p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d arrivals)\n",
			r.Servers, r.SameServerP50ms, r.SameServerP99ms, r.ArrivalsSame, r.CrossServerP50ms, r.CrossServerP99ms, r.CrossServerMaxms, r.ArrivalsCross)
		if r.StoppedServer >= 0 {
			fmt.Fprintf(w, "server %d was stopped halfway; its controllers moved to server 0\n", r.StoppedServer)
		}
	}
	fmt.Fprintf(w, "memory: peak heap %.0f MiB; %.1f MiB per controller\n", r.PeakHeapMiB, r.HeapPerController)
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
