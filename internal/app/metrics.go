package app

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/store"
)

// metrics is the Prometheus registry of one App (not the global one, so
// several Apps can run in one test process).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(st *store.Store, hub *controller.Hub) *metrics {
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

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
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
