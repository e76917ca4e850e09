package console

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/netguard"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures a Console. Store, Sessions and DoorCommand are required.
type Config struct {
	Store *store.Store
	// Sessions is the OAuth server whose login sessions the console shares.
	Sessions *oauth.Server
	// DoorCommand applies a remote door command (unlock, normal, lockdown,
	// unlockdown) the way the API's channel commands do.
	DoorCommand func(ctx context.Context, accountID, channelID int64, action string) (*domain.Channel, error)
	// MobileIssue issues a mobile credential with its one-time invitation
	// (mobile.Service.Issue); nil refuses mobile credentials.
	MobileIssue func(ctx context.Context, c *domain.Credential) (*domain.MobileInvitation, error)
	// MobileRenew sends a new invitation for a mobile credential still
	// invited (mobile.Service.Renew); nil offers none.
	MobileRenew func(ctx context.Context, accountID, personID int64, uid string) (*domain.MobileInvitation, error)
	// BaseURL is the server's public URL, shown in the controller command line.
	BaseURL string
	// Callbacks checks webhook and notification rule URLs when they are
	// saved: the server's one guard of callback destinations (the API's
	// and the webhook worker's). Nil refuses every non-public destination.
	Callbacks *netguard.Guard
	// RoleOf overrides where an operator's role is read from (tests);
	// nil reads the operator's own role (domain.User.Role).
	RoleOf func(*domain.User) domain.OperatorRole
	Log    *slog.Logger // nil discards
	Now    domain.Clock // nil means time.Now
}

// Console serves the operator console's pages.
type Console struct {
	st       *store.Store
	sessions *oauth.Server
	door     func(ctx context.Context, accountID, channelID int64, action string) (*domain.Channel, error)
	baseURL  string
	// callbacks checks webhook URLs when they are saved.
	callbacks *netguard.Guard
	roleOf    func(*domain.User) domain.OperatorRole
	log       *slog.Logger
	now       domain.Clock
	live      *broker
	pages     *pages
	mobile    func(ctx context.Context, c *domain.Credential) (*domain.MobileInvitation, error)
	renew     func(ctx context.Context, accountID, personID int64, uid string) (*domain.MobileInvitation, error)
	// imports are the CSV import jobs this console runs (import_jobs.go).
	imports *importJobs
	// beforeBatch, when set (tests), is called before each batch of an
	// import job with the job's account and the batch's number from 0.
	beforeBatch func(account int64, batch int)
}

// New returns a Console and subscribes it to the store's change
// announcements (the live views).
func New(cfg Config) (*Console, error) {
	if cfg.Store == nil || cfg.Sessions == nil || cfg.DoorCommand == nil {
		return nil, errors.New("console: Store, Sessions and DoorCommand are required")
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{st: cfg.Store, sessions: cfg.Sessions, door: cfg.DoorCommand, baseURL: strings.TrimSuffix(cfg.BaseURL, "/"),
		mobile: cfg.MobileIssue, renew: cfg.MobileRenew, roleOf: cfg.RoleOf, log: cfg.Log, callbacks: cfg.Callbacks, now: cfg.Now, live: newBroker(), pages: p,
		imports: newImportJobs()}
	if c.roleOf == nil {
		c.roleOf = roleOf
	}
	if c.callbacks == nil {
		c.callbacks = &netguard.Guard{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	cfg.Store.Subscribe(c.live.publish)
	return c, nil
}

// Register adds the console's routes to mux. Every page needs a signed-in
// operator whose role holds the permission named; every POST also needs
// the session's CSRF token.
func (c *Console) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	mux.HandleFunc("GET /login", c.loginPage)
	mux.HandleFunc("POST /login", c.loginPost)
	mux.Handle("POST /logout", c.handle(domain.PermRead, c.logout))
	mux.Handle("GET /live", c.handle(domain.PermRead, c.liveStream))

	mux.Handle("GET /{$}", c.handle(domain.PermRead, c.dashboard))

	mux.Handle("GET /doors", c.handle(domain.PermRead, c.doorsPage))
	mux.Handle("GET /doors/{id}", c.handle(domain.PermRead, c.doorPage))
	mux.Handle("POST /doors/{id}/command", c.handle(domain.PermDoorCommands, c.doorCommand))
	mux.Handle("POST /sites/{id}/command", c.handle(domain.PermDoorCommands, c.siteCommand))

	mux.Handle("GET /people", c.handle(domain.PermRead, c.peoplePage))
	mux.Handle("GET /people/new", c.handle(domain.PermPeople, c.personNew))
	mux.Handle("POST /people", c.handle(domain.PermPeople, c.personCreate))
	mux.Handle("GET /people/export.csv", c.handle(domain.PermRead, c.peopleExport))
	mux.Handle("GET /people/import", c.handle(domain.PermPeople, c.importPage))
	mux.Handle("POST /people/import", c.handle(domain.PermPeople, c.importPost))
	mux.Handle("GET /people/import/jobs/{id}", c.handle(domain.PermPeople, c.importJobPage))
	mux.Handle("GET /people/import/jobs/{id}/status", c.handle(domain.PermPeople, c.importJobStatus))
	mux.Handle("GET /people/{id}", c.handle(domain.PermRead, c.personPage))
	mux.Handle("POST /people/{id}", c.handle(domain.PermPeople, c.personUpdate))
	mux.Handle("POST /people/{id}/credentials", c.handle(domain.PermPeople, c.credentialCreate))
	mux.Handle("POST /people/{id}/credentials/{uid}/revoke", c.handle(domain.PermPeople, c.credentialRevoke))
	c.registerMobile(mux)

	mux.Handle("GET /events", c.handle(domain.PermRead, c.eventsPage))
	mux.Handle("GET /events.csv", c.handle(domain.PermRead, c.eventsExport))

	mux.Handle("GET /controllers", c.handle(domain.PermRead, c.controllersPage))
	mux.Handle("POST /controllers", c.handle(domain.PermConfigure, c.controllerEnrol))
	mux.Handle("POST /controllers/{id}/revoke", c.handle(domain.PermConfigure, c.controllerRevoke))
	c.registerEditors(mux)
	c.registerSettings(mux)
	c.registerDevelopers(mux) // developers.go: /developers/...
}

// staticHandler serves embedded assets, cacheable for an hour.
func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
