package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/netguard"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/webhook"
)

// appForm is the application form's values, as typed.
type appForm struct {
	Name, Redirects, State             string
	Scopes                             domain.ScopeSet
	Public, PasswordGrant, RequirePKCE bool
	RequireState, AdmitApproved        bool
}

func appFormOf(a *domain.OAuthApp) appForm {
	return appForm{Name: a.Name, Redirects: strings.Join(a.RedirectURIs, "\n"), State: a.State, Scopes: a.Scopes,
		Public: !a.Confidential(), PasswordGrant: a.PasswordGrant, RequirePKCE: a.RequirePKCE, RequireState: a.RequireState,
		AdmitApproved: a.AdmitApproved}
}

// readAppForm reads the posted application form; scopes the operator's
// role may not grant are errors in v.
func readAppForm(r *http.Request, role domain.OperatorRole, v *domain.Validation) appForm {
	on := func(k string) bool { return r.PostFormValue(k) == "on" }
	return appForm{Name: devText(r, "name", 1000), Redirects: devText(r, "redirect_uris", 50_000), State: devText(r, "state", 20),
		Scopes: readScopes(r, role, v), Public: on("public"), PasswordGrant: on("password_grant"), RequirePKCE: on("require_pkce"),
		RequireState: on("require_state"), AdmitApproved: on("admit_approved")}
}

// appsPage is GET /developers: the account's OAuth applications and,
// for developers, the form that registers one.
func (c *Console) appsPage(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.renderApps(w, r, q, http.StatusOK, appForm{State: domain.AppTesting, Scopes: domain.ScopeSet{}}, "")
}

func (c *Console) renderApps(w http.ResponseWriter, r *http.Request, q *req, status int, f appForm, msg string) error {
	apps, err := c.st.ListOAuthApps(r.Context(), q.acct.ID)
	if err != nil {
		return err
	}
	c.render(w, status, q, "dev_apps", "", map[string]any{"Title": "OAuth applications", "Tab": "apps", "Apps": apps,
		"Form": f, "ScopeChoices": scopeChoices(q.role, f.Scopes), "Error": msg})
	return nil
}

// appCreate is POST /developers/apps: registers an application through
// the same code path as "lintel apps create" (oauth.CreateApp) and shows
// its client secret once.
func (c *Console) appCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	var v domain.Validation
	f := readAppForm(r, q.role, &v)
	if err := v.Err(); err != nil {
		return c.renderApps(w, r, q, http.StatusUnprocessableEntity, f, describe(err))
	}
	in := oauth.NewApp{AccountID: q.acct.ID, Name: f.Name, RedirectURIs: devLines(f.Redirects), Scopes: f.Scopes, Public: f.Public,
		State: f.State, PasswordGrant: f.PasswordGrant, RequirePKCE: f.RequirePKCE, RequireState: f.RequireState,
		AdmitApproved: f.AdmitApproved && f.Scopes.Has(oauth.ScopeAdmit)}
	if in.State == domain.AppSuspended {
		in.State = domain.AppTesting
	}
	r = devAudit(r, "oauth_apps", 0, "create", map[string]any{"name": strings.TrimSpace(f.Name), "state": in.State,
		"redirect_uris": in.RedirectURIs, "scopes": f.Scopes.String(), "public": f.Public, "admit_approved": in.AdmitApproved})
	app, secret, err := oauth.CreateApp(r.Context(), c.st, in)
	if domain.ErrorCode(err) == domain.EINVALID {
		return c.renderApps(w, r, q, http.StatusUnprocessableEntity, f, describe(err))
	}
	if err != nil {
		return err
	}
	return c.renderApp(w, r, q, http.StatusCreated, app, nil, map[string]any{"Secret": secret,
		"Notice": app.Name + " is registered."})
}

// appPage is GET /developers/apps/{id}.
func (c *Console) appPage(w http.ResponseWriter, r *http.Request, q *req) error {
	app, err := c.ownApp(r, q)
	if err != nil {
		return err
	}
	return c.renderApp(w, r, q, http.StatusOK, app, nil, nil)
}

// deliveriesPageSize is how many deliveries an endpoint's log shows at once.
const deliveriesPageSize = 50

func (c *Console) renderApp(w http.ResponseWriter, r *http.Request, q *req, status int, app *domain.OAuthApp, f *appForm, extra map[string]any) error {
	ctx := r.Context()
	form := appFormOf(app)
	if f != nil {
		form = *f
	}
	data := map[string]any{"Title": app.Name, "Tab": "apps", "App": app, "Form": form, "ScopeChoices": scopeChoices(q.role, form.Scopes),
		"Base": c.baseURL}
	ep, err := c.st.WebhookEndpointForApp(ctx, app.ID)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	if err := c.addDeliveries(r, data, ep, "/developers/apps/"+strconv.FormatInt(app.ID, 10)); err != nil {
		return err
	}
	for k, v := range extra {
		data[k] = v
	}
	c.render(w, status, q, "dev_app", "", data)
	return nil
}

// addDeliveries puts an endpoint (nil: none) and a page of its delivery
// log, newest first from the ?before= cursor, into a page's data; back is
// the page's own path, for the link to older deliveries.
func (c *Console) addDeliveries(r *http.Request, data map[string]any, ep *store.WebhookEndpoint, back string) error {
	if ep == nil {
		return nil
	}
	data["Endpoint"] = ep
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	ds, err := c.st.ListWebhookDeliveries(r.Context(), ep.ID, before, deliveriesPageSize+1)
	if err != nil {
		return err
	}
	if len(ds) > deliveriesPageSize {
		ds = ds[:deliveriesPageSize]
		data["Older"] = ds[len(ds)-1].ID
	}
	data["Deliveries"], data["Back"] = ds, back
	return nil
}

// appUpdate is POST /developers/apps/{id}: name, redirect URIs, scopes,
// state and rules, through oauth.UpdateApp (as "lintel apps update").
// Suspending the app, narrowing its scopes or withdrawing the admit
// approval revokes its tokens in the same transaction.
func (c *Console) appUpdate(w http.ResponseWriter, r *http.Request, q *req) error {
	app, err := c.ownApp(r, q)
	if err != nil {
		return err
	}
	var v domain.Validation
	f := readAppForm(r, q.role, &v)
	f.Public = !app.Confidential()
	if err := v.Err(); err != nil {
		return c.renderApp(w, r, q, http.StatusUnprocessableEntity, app, &f, map[string]any{"Error": describe(err)})
	}
	// A scope the operator's role may not grant stays as it was: it was
	// not offered on the form.
	scopes := domain.ScopeSet{}
	for s := range f.Scopes {
		scopes[s] = struct{}{}
	}
	for s := range app.Scopes {
		if !q.role.AllowsScope(s) {
			scopes[s] = struct{}{}
		}
	}
	admit := f.AdmitApproved && scopes.Has(oauth.ScopeAdmit)
	upd := oauth.AppUpdate{Name: &f.Name, RedirectURIs: devLines(f.Redirects), Scopes: scopes, State: &f.State,
		PasswordGrant: &f.PasswordGrant, RequirePKCE: &f.RequirePKCE, RequireState: &f.RequireState, AdmitApproved: &admit}
	if upd.RedirectURIs == nil {
		upd.RedirectURIs = []string{}
	}
	r = devAudit(r, "oauth_apps", app.ID, "update", map[string]any{"name": strings.TrimSpace(f.Name), "state": f.State,
		"redirect_uris": upd.RedirectURIs, "scopes": scopes.String(), "password_grant": f.PasswordGrant,
		"require_pkce": f.RequirePKCE, "require_state": f.RequireState, "admit_approved": admit})
	n, why, err := oauth.UpdateApp(r.Context(), c.st, app, upd, c.now().UTC())
	if domain.ErrorCode(err) == domain.EINVALID {
		return c.renderApp(w, r, q, http.StatusUnprocessableEntity, app, &f, map[string]any{"Error": describe(err)})
	}
	if err != nil {
		return err
	}
	notice := "Saved."
	if why != "" {
		notice = "Saved; " + strconv.FormatInt(n, 10) + " token chain(s) revoked (" + why + ")."
	}
	return c.renderApp(w, r, q, http.StatusOK, app, nil, map[string]any{"Notice": notice})
}

// appRotate is POST /developers/apps/{id}/secret: a new client secret,
// shown once; the old one stops working at once.
func (c *Console) appRotate(w http.ResponseWriter, r *http.Request, q *req) error {
	app, err := c.ownApp(r, q)
	if err != nil {
		return err
	}
	r = devAudit(r, "oauth_apps", app.ID, "rotate_secret", nil)
	secret, err := oauth.RotateSecret(r.Context(), c.st, app.ID)
	if err != nil {
		return err
	}
	return c.renderApp(w, r, q, http.StatusOK, app, nil, map[string]any{"Secret": secret,
		"Notice": "A new client secret was made; the old one no longer works."})
}

// appState is POST /developers/apps/{id}/state (state=suspended|testing|live):
// the quick suspend and resume buttons.
func (c *Console) appState(w http.ResponseWriter, r *http.Request, q *req) error {
	app, err := c.ownApp(r, q)
	if err != nil {
		return err
	}
	state := devText(r, "state", 20)
	r = devAudit(r, "oauth_apps", app.ID, map[bool]string{true: "suspend", false: "update"}[state == domain.AppSuspended],
		map[string]any{"state": state})
	_, _, err = oauth.UpdateApp(r.Context(), c.st, app, oauth.AppUpdate{State: &state}, c.now().UTC())
	if err != nil {
		return err
	}
	return seeOther(w, r, "/developers/apps/"+strconv.FormatInt(app.ID, 10))
}

// appDelete is POST /developers/apps/{id}/delete: the application goes,
// and with it every consent, code and token it had, and its webhook.
func (c *Console) appDelete(w http.ResponseWriter, r *http.Request, q *req) error {
	app, err := c.ownApp(r, q)
	if err != nil {
		return err
	}
	r = devAudit(r, "oauth_apps", app.ID, "delete", map[string]any{"name": app.Name})
	if err := c.st.DeleteOAuthApp(r.Context(), q.acct.ID, app.ID); err != nil {
		return err
	}
	return seeOther(w, r, "/developers")
}

// appWebhook is POST /developers/apps/{id}/webhook (url; remove=1 removes
// it): sets the application's webhook URL with a new signing secret,
// shown once. Setting it again re-enables a disabled endpoint.
func (c *Console) appWebhook(w http.ResponseWriter, r *http.Request, q *req) error {
	app, err := c.ownApp(r, q)
	if err != nil {
		return err
	}
	u, secret := devText(r, "url", 2100), ""
	if r.PostFormValue("remove") == "" {
		if err := c.checkCallback(r.Context(), u); err != nil {
			return c.renderApp(w, r, q, http.StatusUnprocessableEntity, app, nil, map[string]any{"WebhookError": err.Error(), "WebhookURL": u})
		}
		secret = webhook.NewSecret()
	} else {
		u = ""
	}
	r = devAudit(r, "oauth_apps", app.ID, "set_webhook", map[string]any{"webhook_url": redactURL(u)})
	if _, err := c.st.SetAppWebhook(r.Context(), app.ID, u, secret, c.now().UTC()); err != nil {
		return err
	}
	if u == "" {
		return c.renderApp(w, r, q, http.StatusOK, app, nil, map[string]any{"Notice": "The webhook was removed."})
	}
	return c.renderApp(w, r, q, http.StatusOK, app, nil, map[string]any{"WebhookSecret": secret, "Notice": "The webhook is set."})
}

// checkCallback validates a webhook or notification rule URL when it is
// saved, with the server's guard of callback destinations (netguard): an
// absolute http or https URL of at most 2,048 characters, no credentials,
// and no private, loopback, link-local or metadata destination unless the
// server allows private addresses. The message says why.
func (c *Console) checkCallback(ctx context.Context, u string) error {
	if u == "" {
		return domain.Errorf(domain.EINVALID, "Enter the URL notifications are sent to.")
	}
	if err := c.callbacks.CheckURL(ctx, u); errors.Is(err, netguard.ErrForbidden) {
		return domain.Errorf(domain.EINVALID, "The URL names a destination Lintel does not send to: %s.", err.Error())
	} else if err != nil {
		return domain.Errorf(domain.EINVALID, "The URL %s.", err.Error())
	}
	return nil
}

// redactURL drops the query and credentials of a URL for display and the
// audit log: they may carry tokens.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	i := strings.IndexAny(raw, "?#")
	if i >= 0 {
		raw = raw[:i] + "?..."
	}
	return raw
}
