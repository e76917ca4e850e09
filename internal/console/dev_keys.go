package console

import (
	"net/http"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/gateway"
	"github.com/lintel-dev/lintel/internal/store"
)

// keyView is one personal API key and its operator.
type keyView struct {
	*store.APIKey
	Email string
	Mine  bool
}

// keysPage is GET /developers/keys: personal API keys (never the keys
// themselves: their first characters, scopes and last use). Developers
// see every operator's keys; others see their own.
func (c *Console) keysPage(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.renderKeys(w, r, q, http.StatusOK, "", "", domain.ScopeSet{}, nil)
}

func (c *Console) renderKeys(w http.ResponseWriter, r *http.Request, q *req, status int, msg, name string, scopes domain.ScopeSet, extra map[string]any) error {
	ctx := r.Context()
	var userID int64
	if !q.can(domain.PermDevelopers) {
		userID = q.user.ID
	}
	keys, err := c.st.ListAPIKeys(ctx, q.acct.ID, userID)
	if err != nil {
		return err
	}
	users, err := c.st.ListUsers(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	emails := map[int64]string{}
	for _, u := range users {
		emails[u.ID] = u.Email
	}
	views := make([]keyView, 0, len(keys))
	for i := len(keys) - 1; i >= 0; i-- { // newest first
		k := keys[i]
		views = append(views, keyView{APIKey: k, Email: emails[k.UserID], Mine: k.UserID == q.user.ID})
	}
	subs, err := c.st.ListSubscriptionKeys(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	for i, j := 0, len(subs)-1; i < j; i, j = i+1, j-1 { // newest first
		subs[i], subs[j] = subs[j], subs[i]
	}
	required, err := c.isSubscriptionRequired(r, q)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "API keys", "Tab": "keys", "Keys": views, "Error": msg, "Name": name,
		"ScopeChoices": scopeChoices(q.role, scopes), "Base": c.baseURL, "Subscriptions": subs, "Required": required}
	for k, v := range extra {
		data[k] = v
	}
	c.render(w, status, q, "dev_keys", "", data)
	return nil
}

// keyCreate is POST /developers/keys (name, scope...): a personal API key
// for the signed-in operator, through the same code path as "lintel keys
// create" (gateway.CreateAPIKey). Only scopes the operator's role allows
// may be chosen (and a key never does more than its operator's role at
// the time of use). The key is shown once.
func (c *Console) keyCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	var v domain.Validation
	name := devText(r, "name", 200)
	scopes := readScopes(r, q.role, &v)
	if err := v.Err(); err != nil {
		return c.renderKeys(w, r, q, http.StatusUnprocessableEntity, describe(err), name, scopes, nil)
	}
	r = devAudit(r, "api_keys", 0, "create", map[string]any{"name": name, "scopes": scopes.String(), "operator": q.user.Email})
	k, raw, err := gateway.CreateAPIKey(r.Context(), c.st, gateway.NewAPIKey{AccountID: q.acct.ID, UserID: q.user.ID, Name: name, Scopes: scopes}, c.now)
	if domain.ErrorCode(err) == domain.EINVALID {
		return c.renderKeys(w, r, q, http.StatusUnprocessableEntity, describe(err), name, scopes, nil)
	}
	if err != nil {
		return err
	}
	return c.renderKeys(w, r, q, http.StatusCreated, "", "", domain.ScopeSet{}, map[string]any{"Created": k, "Key": raw})
}

// keyRevoke is POST /developers/keys/{id}/revoke: an operator may revoke
// their own keys; developers any key of the account. Requests with the
// key are refused at once.
func (c *Console) keyRevoke(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "API key")
	if err != nil {
		return err
	}
	keys, err := c.st.ListAPIKeys(r.Context(), q.acct.ID, 0)
	if err != nil {
		return err
	}
	var key *store.APIKey
	for _, k := range keys {
		if k.ID == id {
			key = k
		}
	}
	if key == nil {
		return domain.NotFound("API key")
	}
	if key.UserID != q.user.ID && !q.can(domain.PermDevelopers) {
		return forbidden()
	}
	if key.RevokedAt != nil {
		return seeOther(w, r, "/developers/keys")
	}
	r = devAudit(r, "api_keys", key.ID, "revoke", map[string]any{"name": key.Name})
	if err := c.st.RevokeAPIKey(r.Context(), q.acct.ID, key.ID, c.now().UTC()); err != nil {
		return err
	}
	return seeOther(w, r, "/developers/keys")
}

// isSubscriptionRequired reports whether the account requires a
// subscription key on every API call.
func (c *Console) isSubscriptionRequired(r *http.Request, q *req) (bool, error) {
	ids, err := c.st.SubscriptionRequiredAccounts(r.Context())
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		if id == q.acct.ID {
			return true, nil
		}
	}
	return false, nil
}

// subscriptionCreate is POST /developers/subscriptions (name): a
// subscription key of the account (the Ocp-Apim-Subscription-Key header),
// through the same code path as "lintel subscriptions create"; it is
// shown once.
func (c *Console) subscriptionCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	name := devText(r, "name", 200)
	r = devAudit(r, "subscription_keys", 0, "create", map[string]any{"name": name})
	k, raw, err := gateway.CreateSubscriptionKey(r.Context(), c.st, q.acct.ID, name, c.now)
	if domain.ErrorCode(err) == domain.EINVALID {
		return c.renderKeys(w, r, q, http.StatusUnprocessableEntity, "Subscription key: "+describe(err), "", domain.ScopeSet{}, nil)
	}
	if err != nil {
		return err
	}
	return c.renderKeys(w, r, q, http.StatusCreated, "", "", domain.ScopeSet{}, map[string]any{"CreatedSub": k, "SubKey": raw})
}

// subscriptionRevoke is POST /developers/subscriptions/{id}/revoke.
func (c *Console) subscriptionRevoke(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "subscription key")
	if err != nil {
		return err
	}
	r = devAudit(r, "subscription_keys", id, "revoke", nil)
	if err := c.st.RevokeSubscriptionKey(r.Context(), q.acct.ID, id, c.now().UTC()); err != nil {
		return err
	}
	return seeOther(w, r, "/developers/keys#subscriptions")
}

// subscriptionRequire is POST /developers/subscriptions/required
// (required=on|off): whether every API call of the account needs a
// subscription key. Servers apply the change within a few seconds.
func (c *Console) subscriptionRequire(w http.ResponseWriter, r *http.Request, q *req) error {
	on := r.PostFormValue("required")
	if on != "on" && on != "off" {
		return &pageErr{http.StatusUnprocessableEntity, "Choose whether subscription keys are required (on or off)."}
	}
	r = devAudit(r, "account_gateway", q.acct.ID, "update", map[string]any{"subscription_required": on == "on"})
	if err := c.st.SetSubscriptionRequired(r.Context(), q.acct.ID, on == "on", c.now().UTC()); err != nil {
		return err
	}
	return seeOther(w, r, "/developers/keys#subscriptions")
}
