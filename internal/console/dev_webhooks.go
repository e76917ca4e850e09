package console

import (
	"net/http"
	"strconv"

	"github.com/lintel-dev/lintel/internal/api"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/webhook"
)

// ruleForm is the notification rule form's values, as typed.
type ruleForm struct {
	Name, URL  string
	Active     bool
	Codes      []int
	ChannelIDs []int64
}

func ruleFormOf(n *domain.NotificationRule) ruleForm {
	return ruleForm{Name: n.Name, URL: n.CallbackURL, Active: n.Active, Codes: n.EventCodes, ChannelIDs: n.ChannelIDs}
}

// readRuleForm reads and checks the posted rule form as the API checks a
// NotificationRuleInput: a name, a callback URL the worker may reach, at
// least one known event code; doors are checked by the store.
func (c *Console) readRuleForm(r *http.Request) (ruleForm, error) {
	f := ruleForm{Name: devText(r, "name", 300), URL: devText(r, "url", 2100), Active: r.PostFormValue("active") == "on"}
	var v domain.Validation
	if f.Name == "" {
		v.Add("name", "can't be blank")
	} else if len(f.Name) > 255 {
		v.Add("name", "is too long (maximum is 255 characters)")
	}
	if err := c.checkCallback(r.Context(), f.URL); err != nil {
		v.Add("url", domain.ErrorMessage(err))
	}
	known := map[int]bool{}
	for _, e := range api.RuleEventCodes() {
		known[e.Code] = true
	}
	seen := map[int]bool{}
	for _, s := range r.PostForm["code"] {
		n, err := strconv.Atoi(s)
		if err != nil || !known[n] {
			v.Add("events", "unknown event code "+devClip(s, 20))
			continue
		}
		if !seen[n] {
			seen[n] = true
			f.Codes = append(f.Codes, n)
		}
	}
	if len(f.Codes) == 0 && !v.Has("events") {
		v.Add("events", "choose at least one event")
	}
	for _, s := range r.PostForm["door_id"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			f.ChannelIDs = append(f.ChannelIDs, id)
		}
	}
	return f, v.Err()
}

func (f ruleForm) apply(n *domain.NotificationRule) {
	n.Name, n.CallbackURL, n.Active, n.EventCodes, n.ChannelIDs = f.Name, f.URL, f.Active, f.Codes, f.ChannelIDs
	if n.ChannelIDs == nil {
		n.ChannelIDs = []int64{}
	}
}

// ruleView is a notification rule with its endpoint (nil until the
// webhook worker or the console has made it).
type ruleView struct {
	*domain.NotificationRule
	Endpoint *store.WebhookEndpoint
}

// appHookView is an application of the account with a webhook.
type appHookView struct {
	App      *domain.OAuthApp
	Endpoint *store.WebhookEndpoint
}

// webhooksPage is GET /developers/webhooks: the account's notification
// rules and its applications' webhooks, each with its endpoint's state.
func (c *Console) webhooksPage(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.renderWebhooks(w, r, q, http.StatusOK, ruleForm{Active: true}, "")
}

func (c *Console) renderWebhooks(w http.ResponseWriter, r *http.Request, q *req, status int, f ruleForm, msg string) error {
	ctx := r.Context()
	rules, err := c.st.ListNotificationRules(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	views := make([]ruleView, 0, len(rules))
	for _, n := range rules {
		ep, err := c.st.WebhookEndpointForRule(ctx, n.ID)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		views = append(views, ruleView{NotificationRule: n, Endpoint: ep})
	}
	apps, err := c.st.ListOAuthApps(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	var hooks []appHookView
	for _, a := range apps {
		ep, err := c.st.WebhookEndpointForApp(ctx, a.ID)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		if ep != nil {
			hooks = append(hooks, appHookView{App: a, Endpoint: ep})
		}
	}
	data, err := c.ruleFormData(r, q, f)
	if err != nil {
		return err
	}
	data["Title"], data["Tab"], data["Rules"], data["AppHooks"], data["Error"] = "Webhooks", "webhooks", views, hooks, msg
	c.render(w, status, q, "dev_webhooks", "", data)
	return nil
}

// ruleFormData is what the rule form needs: the event codes and doors.
func (c *Console) ruleFormData(r *http.Request, q *req, f ruleForm) (map[string]any, error) {
	doors, _, err := c.st.ListChannels(r.Context(), q.acct.ID, nil, store.Page{})
	if err != nil {
		return nil, err
	}
	codes := map[int]bool{}
	for _, n := range f.Codes {
		codes[n] = true
	}
	return map[string]any{"Form": f, "EventCodes": api.RuleEventCodes(), "Checked": codes, "AllDoors": doors}, nil
}

// ruleCreate is POST /developers/webhooks: a notification rule and its
// endpoint, made in one transaction so that its signing secret can be
// shown once, now.
func (c *Console) ruleCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	f, err := c.readRuleForm(r)
	if err != nil {
		return c.renderWebhooks(w, r, q, http.StatusUnprocessableEntity, f, describe(err))
	}
	n := &domain.NotificationRule{AccountID: q.acct.ID, CreatedAt: c.now().UTC().Truncate(1e6)}
	f.apply(n)
	secret := webhook.NewSecret()
	r = devAudit(r, "notification_rules", 0, "create", map[string]any{"name": n.Name, "call_back_url": redactURL(n.CallbackURL),
		"active": n.Active, "match_event_codes": len(n.EventCodes), "match_channel_ids": len(n.ChannelIDs)})
	err = c.st.InTx(r.Context(), func(tx *store.Store) error {
		if err := tx.CreateNotificationRule(r.Context(), n); err != nil {
			return err
		}
		if !n.Active {
			return nil
		}
		_, err := tx.SaveRuleEndpoint(r.Context(), store.RuleEndpoint{RuleID: n.ID, AccountID: n.AccountID, URL: n.CallbackURL, Since: n.CreatedAt},
			secret, c.now().UTC())
		return err
	})
	if domain.ErrorCode(err) == domain.EINVALID {
		return c.renderWebhooks(w, r, q, http.StatusUnprocessableEntity, f, describe(err))
	}
	if err != nil {
		return err
	}
	extra := map[string]any{"Notice": "The notification rule is saved."}
	if n.Active {
		extra["Secret"] = secret
	}
	return c.renderRule(w, r, q, http.StatusCreated, n, nil, extra)
}

// ownRule loads a notification rule of the account ({id} of the path).
func (c *Console) ownRule(r *http.Request, q *req) (*domain.NotificationRule, error) {
	id, err := pathID(r, "notification rule")
	if err != nil {
		return nil, err
	}
	return c.st.GetNotificationRule(r.Context(), q.acct.ID, id)
}

// rulePage is GET /developers/webhooks/{id}: a rule, its endpoint and its
// delivery log (?before= pages back).
func (c *Console) rulePage(w http.ResponseWriter, r *http.Request, q *req) error {
	n, err := c.ownRule(r, q)
	if err != nil {
		return err
	}
	return c.renderRule(w, r, q, http.StatusOK, n, nil, nil)
}

func (c *Console) renderRule(w http.ResponseWriter, r *http.Request, q *req, status int, n *domain.NotificationRule, f *ruleForm, extra map[string]any) error {
	ctx := r.Context()
	form := ruleFormOf(n)
	if f != nil {
		form = *f
	}
	data, err := c.ruleFormData(r, q, form)
	if err != nil {
		return err
	}
	data["Title"], data["Tab"], data["Rule"] = n.Name, "webhooks", n
	names := map[int]string{}
	for _, e := range api.RuleEventCodes() {
		names[e.Code] = e.Name
	}
	data["CodeNames"] = names
	ep, err := c.st.WebhookEndpointForRule(ctx, n.ID)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	if err := c.addDeliveries(r, data, ep, "/developers/webhooks/"+strconv.FormatInt(n.ID, 10)); err != nil {
		return err
	}
	for k, v := range extra {
		data[k] = v
	}
	c.render(w, status, q, "dev_rule", "", data)
	return nil
}

// ruleUpdate is POST /developers/webhooks/{id}: name, URL, events, doors
// and whether the rule is active. The webhook worker moves the endpoint
// to a new URL (keeping its secret) and disables it while the rule is
// inactive.
func (c *Console) ruleUpdate(w http.ResponseWriter, r *http.Request, q *req) error {
	n, err := c.ownRule(r, q)
	if err != nil {
		return err
	}
	f, err := c.readRuleForm(r)
	if err != nil {
		return c.renderRule(w, r, q, http.StatusUnprocessableEntity, n, &f, map[string]any{"Error": describe(err)})
	}
	upd := *n
	f.apply(&upd)
	upd.UpdatedAt = c.now().UTC().Truncate(1e6)
	r = devAudit(r, "notification_rules", n.ID, "update", map[string]any{"name": upd.Name, "call_back_url": redactURL(upd.CallbackURL),
		"active": upd.Active, "match_event_codes": len(upd.EventCodes), "match_channel_ids": len(upd.ChannelIDs)})
	err = c.st.UpdateNotificationRule(r.Context(), &upd)
	if domain.ErrorCode(err) == domain.EINVALID {
		return c.renderRule(w, r, q, http.StatusUnprocessableEntity, n, &f, map[string]any{"Error": describe(err)})
	}
	if err != nil {
		return err
	}
	return c.renderRule(w, r, q, http.StatusOK, &upd, nil, map[string]any{"Notice": "Saved."})
}

// ruleSecret is POST /developers/webhooks/{id}/secret: a new signing
// secret for the rule's callbacks, shown once; deliveries from now on are
// signed with it.
func (c *Console) ruleSecret(w http.ResponseWriter, r *http.Request, q *req) error {
	n, err := c.ownRule(r, q)
	if err != nil {
		return err
	}
	if !n.Active {
		return &pageErr{http.StatusConflict, "The rule is inactive: activate it first, then make its signing secret."}
	}
	secret := webhook.NewSecret()
	r = devAudit(r, "notification_rules", n.ID, "rotate_secret", nil)
	if _, err := c.st.SaveRuleEndpoint(r.Context(), store.RuleEndpoint{RuleID: n.ID, AccountID: n.AccountID, URL: n.CallbackURL,
		Secret: secret, Since: n.CreatedAt}, secret, c.now().UTC()); err != nil {
		return err
	}
	return c.renderRule(w, r, q, http.StatusOK, n, nil, map[string]any{"Secret": secret, "Notice": "A new signing secret was made."})
}

// ruleDelete is POST /developers/webhooks/{id}/delete.
func (c *Console) ruleDelete(w http.ResponseWriter, r *http.Request, q *req) error {
	n, err := c.ownRule(r, q)
	if err != nil {
		return err
	}
	r = devAudit(r, "notification_rules", n.ID, "delete", map[string]any{"name": n.Name})
	if err := c.st.DeleteNotificationRule(r.Context(), q.acct.ID, n.ID); err != nil {
		return err
	}
	return seeOther(w, r, "/developers/webhooks")
}

// deliveryReplay is POST /developers/deliveries/{id}/replay: the delivery's
// event (or change) is sent again as a new delivery, due now, to an
// endpoint of the account (a rule's, or one of its applications').
func (c *Console) deliveryReplay(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := c.st.GetWebhookDelivery(ctx, id)
	if err != nil {
		return err
	}
	ep, err := c.st.GetWebhookEndpoint(ctx, d.EndpointID)
	if err != nil {
		return err
	}
	back := ""
	switch ep.Kind {
	case store.WebhookRule:
		if ep.AccountID == q.acct.ID {
			back = "/developers/webhooks/" + strconv.FormatInt(ep.RuleID, 10)
		}
	case store.WebhookApp:
		if app, err := c.st.GetOAuthApp(ctx, ep.AppID); err == nil && app.AccountID == q.acct.ID {
			back = "/developers/apps/" + strconv.FormatInt(app.ID, 10)
		}
	}
	if back == "" {
		return domain.NotFound("webhook delivery")
	}
	r = devAudit(r, "webhook_deliveries", d.ID, "replay", map[string]any{"endpoint_id": ep.ID})
	nd, err := c.st.ReplayWebhookDelivery(r.Context(), d.ID, c.now().UTC())
	if err != nil {
		return err
	}
	return seeOther(w, r, back+"?replayed="+strconv.FormatInt(nd.ID, 10))
}
