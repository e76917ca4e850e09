package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/api"
	"github.com/lintel-dev/lintel/internal/apispec"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/console"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/datadir"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/gateway"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/mail"
	"github.com/lintel-dev/lintel/internal/mobile"
	"github.com/lintel-dev/lintel/internal/netguard"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/webhook"
)

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
	// Mail sends invitation emails; nil when no SMTP relay is configured
	// (a nil *mail.Sender is valid and disabled).
	Mail *mail.Sender
	// Mobile issues mobile credentials and serves their activation page.
	Mobile  *mobile.Service
	Console *console.Console
	// Callbacks is the one guard of callback destinations: the API checks
	// notification-rule URLs with it when they are saved, and webhook
	// delivery applies the same policy when it connects.
	Callbacks *netguard.Guard

	now      domain.Clock
	listener net.Listener
	server   *http.Server
	// metricsListener and metricsServer serve /metrics alone when
	// --metrics-listen is set (nil otherwise).
	metricsListener net.Listener
	metricsServer   *http.Server
	baseURL         string
	metrics         *metrics
	dataLock        *datadir.Lock // held while the App lives, on SQLite
	dbFile          os.FileInfo   // the SQLite file as opened, for readyz
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
	if a.Mail, err = cfg.Mailer(); err != nil {
		a.Close()
		return nil, err
	}
	if a.Mail.Enabled() {
		log.Info("email enabled", "smtp", a.Mail.String())
	}
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
		if cfg.MetricsListen != "" {
			if a.metricsListener, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
				a.Close()
				return nil, fmt.Errorf("listen on %s for metrics: %w (is another program using the port?)", cfg.MetricsListen, err)
			}
		}
	}
	a.baseURL = cfg.PublicURL
	if a.baseURL == "" {
		a.baseURL = "http://" + displayAddr(addr)
	}
	if lock != nil {
		lock.SetURL(a.baseURL)
	}
	a.OAuth, err = oauth.New(oauth.Config{Store: st, Issuer: a.baseURL, Log: log, Now: now, SendMail: OperatorMail(a.Mail)})
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
	a.Callbacks = &netguard.Guard{AllowPrivate: cfg.WebhookAllowPrivate}
	a.Mobile = mobile.New(mobile.Config{Store: st, Mail: a.Mail, BaseURL: a.baseURL, Log: log, Now: now})
	a.API = api.New(api.Config{Store: st, Auth: a.Gateway.Authenticate, Log: log, Now: now, Dispatcher: a.Hub, Decider: a.Hub,
		MobileIssue: a.Gateway.RequireMobileIssue, Callbacks: a.Callbacks, Mobile: a.Mobile, BaseURL: a.baseURL,
		ListCacheBytes: listCacheBytes(cfg.ListCacheMB)})
	a.Webhook = webhook.New(webhook.Config{Store: st, Log: log, Now: now, BaseURL: a.baseURL,
		Auth: a.Gateway.Authenticate, Recheck: a.Gateway.Recheck, AllowPrivate: cfg.WebhookAllowPrivate})
	a.Console, err = console.New(console.Config{Store: st, Sessions: a.OAuth, DoorCommand: a.API.DoorCommand,
		MobileIssue: a.Mobile.Issue, MobileRenew: a.Mobile.Renew, BaseURL: a.baseURL, Callbacks: a.Callbacks, Log: log, Now: now})
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("start console: %w", err)
	}
	a.metrics = newMetrics(st, a.Hub, a.API)
	a.server = &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if a.metricsListener != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.metrics.handler(cfg.MetricsToken, log))
		mux.HandleFunc("/", a.notFound(mux))
		a.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	}
	return a, nil
}

// displayAddr turns a wildcard listen address (":8080", "0.0.0.0:8080",
// "[::]:8080") into one a browser can open.
// OperatorMail adapts a mail sender to oauth.Config.SendMail: invitations
// and password resets go out through it. A disabled (nil) sender gives nil:
// links are then shown instead of sent.
func OperatorMail(s *mail.Sender) func(ctx context.Context, to, subject, text string) error {
	if !s.Enabled() {
		return nil
	}
	return func(ctx context.Context, to, subject, text string) error {
		return s.Send(ctx, mail.Message{To: to, Subject: subject, Text: text})
	}
}

// BaseURL returns the base URL links to this server use when it listens as
// cfg says: --public-url, or else http:// and the listen address (for the
// command line, which makes links without listening).
func BaseURL(cfg *config.Config) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	return "http://" + displayAddr(cfg.Listen)
}

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

// MetricsAddr is the address /metrics has to itself with --metrics-listen
// (nil without it).
func (a *App) MetricsAddr() net.Addr {
	if a.metricsListener == nil {
		return nil
	}
	return a.metricsListener.Addr()
}

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
	if a.metricsListener == nil { // else on its own listener only
		mux.Handle("GET /metrics", a.metrics.handler(a.Config.MetricsToken, a.Log))
	}
	mux.HandleFunc("GET /callback", a.callback)
	a.Mobile.Register(mux)               // /mobile/activate: the holder's activation page
	a.API.RegisterMedia(mux)             // /media/people/{key}: stored photos
	a.Console.Register(mux)              // the operator console: /, /login, /doors, /people, ...
	mux.HandleFunc("/", a.notFound(mux)) // 404, or 405 with Allow for a known path
	a.Hub.Register(mux)
	// Text no database can store (NUL, invalid UTF-8) is refused at the
	// edge, before authentication looks anything up.
	return httpx.Log(a.Log, a.metrics.observe, httpx.CheckInput(a.badInput, a.Gateway.Middleware(a.Webhook.AckHandler(mux))))
}

// badInput answers a request httpx.CheckRequest refused (a NUL character
// or invalid UTF-8 in its path, query, form or identifying headers) with
// 400 in the shape of the surface it was for: the DoorFlow JSON error for
// the API and controllers, the OAuth JSON error (invalid_request) for the
// token endpoints, and an error page for the sign-in and console pages.
func (a *App) badInput(w http.ResponseWriter, r *http.Request, err error) {
	p := r.URL.Path
	msg := "The request holds text that is not valid: " + domain.ErrorMessage(err) + "."
	switch {
	case strings.HasPrefix(p, "/api/"), strings.HasPrefix(p, "/controller/"), strings.HasPrefix(p, "/.well-known/"),
		p == "/metrics", p == "/healthz", p == "/readyz":
		httpx.WriteError(w, r, a.Log, err)
	case p == "/oauth/token", p == "/oauth/revoke", p == "/oauth/token/info":
		var e *domain.Error
		if errors.As(err, &e) {
			e = &domain.Error{Code: e.Code, Message: e.Message, Fields: e.Fields, Wire: "invalid_request"}
			err = e
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.WriteError(w, r, a.Log, err)
	case strings.HasPrefix(p, "/oauth/"):
		a.OAuth.ErrorPage(w, http.StatusBadRequest, "Invalid request", msg)
	default:
		a.Console.ErrorPage(w, http.StatusBadRequest, msg)
	}
}

// Serve answers requests until ctx is cancelled, then shuts down gracefully
// (in-flight requests get up to 10 seconds).
func (a *App) Serve(ctx context.Context) error {
	if a.listener == nil {
		return errors.New("serve: this Lintel was built without a listener")
	}
	errc := make(chan error, 2)
	go func() { errc <- a.server.Serve(a.listener) }()
	if a.metricsServer != nil {
		go func() { errc <- a.metricsServer.Serve(a.metricsListener) }()
		a.Log.Info("metrics on their own listener", "url", "http://"+a.metricsListener.Addr().String()+"/metrics",
			"token_required", a.Config.MetricsToken != "")
	}

	// Background work stops with the server; Serve returns only after the
	// gateway's last usage flush, so Close never races it.
	bg, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()
	wg.Go(func() { a.purgeLoop(bg, time.Hour) })
	wg.Go(func() { a.Gateway.Run(bg) })
	wg.Go(func() { a.Hub.Run(bg) })
	a.Store.OnAnnounceError(func(err error) {
		a.Log.Warn("announcing changes to other servers failed; retrying (they still catch up by polling)", "err", err)
	})
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
	a.Console.Drain() // live streams of the console end too
	if a.metricsServer != nil {
		_ = a.metricsServer.Shutdown(shutdownCtx)
	}
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
	for _, l := range []net.Listener{a.listener, a.metricsListener} {
		if l == nil {
			continue
		}
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
	}
	errs = append(errs, a.dataLock.Release())
	return errors.Join(errs...)
}

// ListenNote explains the URLs Lintel prints when it listens on every
// interface (0.0.0.0, [::] or an empty host) without --public-url: they
// use 127.0.0.1, which answers on this machine only, and the OAuth issuer
// and redirect URIs built from it do not work elsewhere. It names the
// machine's own addresses and how to make the links use one. Empty when no
// note is needed.
func (a *App) ListenNote() string {
	addr := a.Config.Listen
	if a.listener != nil {
		addr = a.listener.Addr().String()
	}
	return listenNote(a.Config.PublicURL, addr, hostAddrs())
}

func listenNote(publicURL, listen string, hosts []string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || publicURL != "" {
		return ""
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return ""
	}
	note := fmt.Sprintf("Note: Lintel listens on every interface (%s), but the URLs above use 127.0.0.1, which\n"+
		"works from this machine only; OAuth redirects and links are built from it too.\n", listen)
	if len(hosts) > 0 {
		urls := make([]string, len(hosts))
		for i, h := range hosts {
			urls[i] = "http://" + net.JoinHostPort(h, port)
		}
		note += "Other machines may reach it at " + strings.Join(urls, ", ") + ".\n"
	}
	return note + "To use such an address everywhere, start it with --public-url http://ADDRESS:" + port + " (or the\n" +
		"https:// URL of the proxy in front of it).\n"
}

// hostAddrs lists this machine's non-loopback unicast IP addresses (IPv4
// first), at most four.
func hostAddrs() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var v4, v6 []string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || !ipn.IP.IsGlobalUnicast() {
			continue
		}
		if ipn.IP.To4() != nil {
			v4 = append(v4, ipn.IP.String())
		} else {
			v6 = append(v6, ipn.IP.String())
		}
	}
	all := append(v4, v6...)
	return all[:min(4, len(all))]
}

// listCacheBytes turns config.Config.ListCacheMB into the API's budget:
// 0 is the default, a negative value is off.
func listCacheBytes(mb int) int64 {
	switch {
	case mb == 0:
		return config.DefaultListCacheMB << 20
	case mb < 0:
		return -1
	}
	return int64(mb) << 20
}
