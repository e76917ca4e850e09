package app

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lintel-dev/lintel/internal/api"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// metrics is the Prometheus registry of one App (not the global one, so
// several Apps can run in one test process).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(st *store.Store, hub *controller.Hub, lists *api.API) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lintel_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "lintel_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route pattern.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(st.DB(), string(st.Dialect())),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_list_cache_hits_total",
			Help: "List pages (people, credentials, events) answered from the list cache.",
		}, func() float64 { return float64(lists.ListCacheStats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_list_cache_misses_total",
			Help: "List pages computed from the database (not cached, or changed since).",
		}, func() float64 { return float64(lists.ListCacheStats().Misses) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lintel_list_cache_bytes",
			Help: "Bytes of encoded list pages the list cache holds.",
		}, func() float64 { return float64(lists.ListCacheStats().Bytes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_settings_cache_hits_total",
			Help: "Reads of an account's settings (its row, its credential types) answered from the settings cache.",
		}, func() float64 { return float64(lists.SettingsCacheStats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_settings_cache_misses_total",
			Help: "Reads of an account's settings made in the database (not cached, or changed since).",
		}, func() float64 { return float64(lists.SettingsCacheStats().Misses) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_announced_writes_total",
			Help: "Committed writes announced to the other servers on the same PostgreSQL database.",
		}, func() float64 { return float64(st.AnnounceStats().Writes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_announce_notifies_total",
			Help: "NOTIFY transactions that carried those announcements (writes committing together share one).",
		}, func() float64 { return float64(st.AnnounceStats().Notifies) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_announce_failures_total",
			Help: "NOTIFY transactions that failed; their announcements are sent again after a backoff.",
		}, func() float64 { return float64(st.AnnounceStats().Failures) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lintel_controller_doors_polling",
			Help: "Doors whose controller is waiting for changes now (connected).",
		}, func() float64 { return float64(hub.Stats().Polling) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_controller_snapshots_total",
			Help: "Access-list snapshots sent to controllers.",
		}, func() float64 { return float64(hub.Stats().Snapshots) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_controller_deltas_total",
			Help: "Answers to controllers that carried changed people or doors.",
		}, func() float64 { return float64(hub.Stats().Deltas) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_controller_resyncs_total",
			Help: "Answers that sent a controller back for a whole snapshot.",
		}, func() float64 { return float64(hub.Stats().Resyncs) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lintel_access_journal_reads_total",
			Help: "Reads of the access journal that turn writes into changes for controllers.",
		}, func() float64 { return float64(hub.Stats().CatchUps) }),
	)
	return m
}

// handler serves the registry. With a token, a request must carry
// "Authorization: Bearer <token>": the presented value is compared with
// the token through their SHA-256 digests in constant time, so neither its
// content nor its length shows in the timing; anything else gets 401 in
// the DoorFlow error shape.
func (m *metrics) handler(token string, log *slog.Logger) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, presented, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(presented)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("Cache-Control", "no-store")
			httpx.WriteError(w, r, log, &domain.Error{Code: domain.EUNAUTHORIZED, Wire: "invalid_token",
				Message: "/metrics needs Authorization: Bearer with the metrics token (--metrics-token)"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// observe records one finished request. The route label is the matched
// mux pattern, never the raw path, so ids do not explode the label set.
func (m *metrics) observe(r *http.Request, status int, elapsed time.Duration) {
	route := r.Pattern
	if route == "" || route == "/" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
}
