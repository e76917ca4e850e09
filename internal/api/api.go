package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/netguard"
	"github.com/lintel-dev/lintel/internal/store"
)

// Config is what the API needs from the rest of the program.
type Config struct {
	Store *store.Store
	// Auth resolves the bearer token of a request; it returns a
	// *domain.Error (401) when the request is not authenticated.
	Auth func(*http.Request) (*domain.Principal, error)
	Log  *slog.Logger
	Now  domain.Clock // nil means time.Now
	// Dispatcher hands channel commands to door controllers; nil means
	// none is ever connected (domain.NoController).
	Dispatcher domain.Dispatcher
	// Decider answers "may this person pass this door now" for remote
	// admissions, with the engine and snapshot the doors use (the
	// controller hub). Required.
	Decider Decider
	// SyncInterval is the least time between two accepted POST /sync of
	// one account; zero means DefaultSyncInterval.
	SyncInterval time.Duration
	// MobileIssue, when set, is asked before a mobile credential is issued
	// (issuing one sends the holder an email invitation): the gateway's
	// allow-list and trust gate. Its *domain.Error is answered as is.
	MobileIssue func(ctx context.Context, p *domain.Principal) error
	// Callbacks checks notification-rule callback URLs when they are
	// saved; nil refuses every non-public destination.
	Callbacks *netguard.Guard
	// Mobile issues mobile credentials with their invitations
	// (mobile.Service). Without it a mobile credential cannot be created
	// (422 naming credential_type_id).
	Mobile MobileIssuer
	// BaseURL is the public base URL, for the absolute URLs of stored
	// photos.
	BaseURL string
	// ListCacheBytes is the budget of the cache of encoded list pages
	// (see pagecache.go): 0 means DefaultListCacheBytes, a negative value
	// turns the cache off.
	ListCacheBytes int64
}

// MobileIssuer issues mobile credentials (see internal/mobile).
type MobileIssuer interface {
	// Issue creates the credential with a one-time invitation and sends
	// or returns the link.
	Issue(ctx context.Context, c *domain.Credential) (*domain.MobileInvitation, error)
}

// Decider decides whether a person may pass a door at an instant, as the
// door would. controller.Hub implements it.
type Decider interface {
	DecidePerson(ctx context.Context, accountID, channelID, personID int64, at time.Time) (access.Decision, error)
}

// API is the /api/3 surface.
type API struct {
	st     *store.Store
	auth   func(*http.Request) (*domain.Principal, error)
	log    *slog.Logger
	now    domain.Clock
	disp   domain.Dispatcher
	decide Decider
	sync   time.Duration

	mobileIssue func(ctx context.Context, p *domain.Principal) error
	callbacks   *netguard.Guard
	mobile      MobileIssuer
	base        string
	pages       *pageCache
	settings    *settingsCache
}

// New returns an API over cfg. A nil logger discards; a nil clock is
// time.Now; a nil dispatcher never reaches a controller.
func New(cfg Config) *API {
	a := &API{st: cfg.Store, auth: cfg.Auth, log: cfg.Log, now: cfg.Now, disp: cfg.Dispatcher, decide: cfg.Decider, sync: cfg.SyncInterval,
		mobileIssue: cfg.MobileIssue, callbacks: cfg.Callbacks, mobile: cfg.Mobile, base: strings.TrimRight(cfg.BaseURL, "/"),
		settings: newSettingsCache()}
	if a.callbacks == nil {
		a.callbacks = &netguard.Guard{}
	}
	switch {
	case cfg.ListCacheBytes == 0:
		a.pages = newPageCache(DefaultListCacheBytes)
	case cfg.ListCacheBytes > 0:
		a.pages = newPageCache(cfg.ListCacheBytes)
	default:
		a.pages = newPageCache(0)
	}
	if a.disp == nil {
		a.disp = domain.NoController{}
	}
	if a.sync <= 0 {
		a.sync = DefaultSyncInterval
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a
}

// call is one authenticated request: who is calling and, loaded on first
// use, their account.
type call struct {
	p    *domain.Principal
	a    *API
	acct *domain.Account
}

// account returns the caller's account, loading it once: through the
// settings cache when the request came with the account's versions.
func (c *call) account(ctx context.Context) (*domain.Account, error) {
	if c.acct != nil {
		return c.acct, nil
	}
	if c.p.Versions != nil {
		acct, _, err := c.accountAndTypes(ctx)
		return acct, err
	}
	acct, err := c.a.st.GetAccount(ctx, c.p.AccountID)
	if err != nil {
		return nil, err
	}
	c.acct = acct
	return acct, nil
}

// location returns the caller's account time zone.
func (c *call) location(ctx context.Context) (*time.Location, error) {
	acct, err := c.account(ctx)
	if err != nil {
		return nil, err
	}
	return acct.Location(), nil
}

type handler func(w http.ResponseWriter, r *http.Request, c *call) error

var errUnauthenticated = &domain.Error{Code: domain.EUNAUTHORIZED, Message: "The access token is invalid", Wire: "invalid_token"}

// route wraps h: it authenticates the request, requires scope (none when
// empty) and the role to hold it (authz.AllowsScope), puts the caller and
// the operation in the context for the audit log, and writes any returned
// error in the DoorFlow shape.
func (a *API) route(scope string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.auth == nil {
			httpx.WriteError(w, r, a.log, errUnauthenticated)
			return
		}
		p, err := a.auth(r)
		if err != nil {
			if domain.ErrorCode(err) == domain.EINTERNAL {
				a.log.ErrorContext(r.Context(), "authentication failed", "err", err)
				err = errUnauthenticated
			}
			httpx.WriteError(w, r, a.log, err)
			return
		}
		if p == nil {
			httpx.WriteError(w, r, a.log, errUnauthenticated)
			return
		}
		if !authz.AllowsScope(p, scope) {
			httpx.WriteError(w, r, a.log, domain.InsufficientScope(scope))
			return
		}
		r = auditContext(r, p)
		if err := h(w, r, &call{p: p, a: a}); err != nil {
			httpx.WriteError(w, r, a.log, err)
		}
	}
}

// writeOK writes DoorFlow's {"result":"ok"} with status 200.
func writeOK(w http.ResponseWriter) {
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"result": "ok"})
}
