package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/api"
	"github.com/lintel-dev/lintel/internal/apispec"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/datadir"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/gateway"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/webhook"
)

// Version is set at build time with -ldflags "-X github.com/lintel-dev/lintel/internal/app.Version=...".
var Version = "dev"

// App is a running Lintel: a migrated store and an HTTP server bound to a port.
type App struct {
	Config  *config.Config
	Log     *slog.Logger
	Store   *store.Store
	OAuth   *oauth.Server
	API     *api.API
	Gateway *gateway.Gateway
	Webhook *webhook.Service
	Hub     *controller.Hub

	now      domain.Clock
	listener net.Listener
	server   *http.Server
	baseURL  string
	metrics  *metrics
	dataLock *datadir.Lock // held while the App lives, on SQLite
	dbFile   os.FileInfo   // the SQLite file as opened, for readyz
}

// Options are the parts tests replace, and what commands that do not
// serve leave out.
type Options struct {
	Log *slog.Logger // nil: built from the config, writing to stderr
	Now domain.Clock // nil: time.Now
	// NoListen builds the App without binding the listen address, for
	// commands that only use its store and its demo (lintel demo
	// --no-serve); BaseURL is then derived from the config, and Serve
	// fails. Such an App takes no data-directory lock.
	NoListen bool
	// DataLock is a lock on the SQLite data directory the caller already
	// holds (lintel demo --reset takes it before deleting); the App takes
	// it over and releases it on Close. When nil, an App that listens on
	// SQLite acquires the lock itself, and New fails with
	// *datadir.BusyError while another process holds it.
	DataLock *datadir.Lock
	// Command names this process in the lock file ("lintel serve").
	Command string
}

// OpenStore opens and migrates the database the config names.
func OpenStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DSN())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.DatabaseDescription(), err)
	}
	if err := st.Ping(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("connect to %s: %w (is the server running and the URL right?)", cfg.DatabaseDescription(), err)
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate %s: %w", cfg.DatabaseDescription(), err)
	}
	for _, m := range applied {
		log.Info("applied migration", "version", m.Version, "name", m.Name)
	}
	return st, nil
}

// New opens the store, binds the listen address and builds the handlers.
// Call Serve to answer requests and Close to release everything.
func New(ctx context.Context, cfg *config.Config, opt Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := opt.Log
	if log == nil {
		log = cfg.Logger(nil)
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	lock, err := lockDataDir(cfg, opt, now)
	if err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, cfg, log)
	if err != nil {
		lock.Release()
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Store: st, now: now, dataLock: lock}
	if cfg.DatabaseURL == "" {
		a.dbFile, _ = os.Stat(cfg.DSN())
	}
	addr := cfg.Listen
	if !opt.NoListen {
		if a.listener, err = net.Listen("tcp", cfg.Listen); err != nil {
			a.Close()
			return nil, fmt.Errorf("listen on %s: %w (is another program using the port? try --listen 127.0.0.1:0)", cfg.Listen, err)
		}
		addr = a.listener.Addr().String()
	}
	a.baseURL = cfg.PublicURL
	if a.baseURL == "" {
		a.baseURL = "http://" + displayAddr(addr)
	}
	if lock != nil {
		lock.SetURL(a.baseURL)
	}
	a.OAuth, err = oauth.New(oauth.Config{Store: st, Issuer: a.baseURL, Log: log, Now: now})
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("start OAuth server: %w", err)
	}
	a.Gateway = gateway.New(gateway.Config{Store: st, Log: log, Now: now, Bearer: a.OAuth.Authenticate,
		Limits: gateway.Limits{
			PerCredential: cfg.RateLimit, PerCredentialBurst: int(4 * cfg.RateLimit),
			PerAccount: cfg.AccountRateLimit, PerAccountBurst: int(4 * cfg.AccountRateLimit),
		},
		RequireSubscription: cfg.RequireSubscriptionKey})
	a.Hub = controller.New(controller.Config{Store: st, Log: log, Now: now})
	a.API = api.New(api.Config{Store: st, Auth: a.Gateway.Authenticate, Log: log, Now: now, Dispatcher: a.Hub, Decider: a.Hub,
		MobileIssue: a.Gateway.RequireMobileIssue})
	a.Webhook = webhook.New(webhook.Config{Store: st, Log: log, Now: now, BaseURL: a.baseURL,
		Auth: a.Gateway.Authenticate, AllowPrivate: cfg.WebhookAllowPrivate})
	a.metrics = newMetrics(st, a.Hub)
	a.server = &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return a, nil
}

// displayAddr turns a wildcard listen address (":8080", "0.0.0.0:8080",
// "[::]:8080") into one a browser can open.
func displayAddr(hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// BaseURL is the public URL of the server (the OAuth issuer).
func (a *App) BaseURL() string { return a.baseURL }

// Addr is the address the server is bound to (nil with Options.NoListen).
func (a *App) Addr() net.Addr {
	if a.listener == nil {
		return nil
	}
	return a.listener.Addr()
}

// Handler is the full HTTP handler: every route behind the logging middleware.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	a.OAuth.Register(mux)
	mux.Handle("GET /api/3/openapi.json", apispec.Handler())
	mux.Handle("GET /api/3/events/stream", a.Webhook.StreamHandler())
	a.API.Register(mux)
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", a.metrics.handler())
	mux.HandleFunc("GET /callback", a.callback)
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("/", a.notFound)
	a.Hub.Register(mux)
	return httpx.Log(a.Log, a.metrics.observe, a.Gateway.Middleware(a.Webhook.AckHandler(mux)))
}

// Serve answers requests until ctx is cancelled, then shuts down gracefully
// (in-flight requests get up to 10 seconds).
func (a *App) Serve(ctx context.Context) error {
	if a.listener == nil {
		return errors.New("serve: this Lintel was built without a listener")
	}
	errc := make(chan error, 1)
	go func() { errc <- a.server.Serve(a.listener) }()

	// Background work stops with the server; Serve returns only after the
	// gateway's last usage flush, so Close never races it.
	bg, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()
	wg.Go(func() { a.purgeLoop(bg, time.Hour) })
	wg.Go(func() { a.Gateway.Run(bg) })
	wg.Go(func() { a.Hub.Run(bg) })
	wg.Go(func() {
		// Writes of other servers on the same PostgreSQL reach this one's
		// hub and webhook worker through the store's announcements.
		a.Store.Listen(bg, func(err error) {
			a.Log.Warn("change notifications from other servers interrupted; retrying (doors still catch up by polling)", "err", err)
		})
	})
	wg.Go(func() {
		if err := a.Webhook.Run(bg); err != nil {
			a.Log.Error("webhook delivery stopped", "err", err)
		}
	})
	a.Log.Info("lintel is listening", "url", a.baseURL, "database", a.Config.DatabaseDescription(), "version", Version)
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.Log.Info("shutting down")
	// Waiting controllers are answered now, so they reconnect elsewhere
	// instead of holding the shutdown for their long poll.
	a.Hub.Drain()
	if err := a.server.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// purgeLoop deletes expired OAuth codes, tokens and sessions once at start
// and then every interval, until ctx is cancelled. Failures are logged and
// retried at the next tick: expired rows are already refused, so purging
// only keeps the tables small.
func (a *App) purgeLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := a.OAuth.Purge(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("purging expired OAuth rows failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close releases the listener, the database and the data directory.
func (a *App) Close() error {
	var errs []error
	if a.listener != nil {
		if err := a.listener.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
	}
	errs = append(errs, a.dataLock.Release())
	return errors.Join(errs...)
}
