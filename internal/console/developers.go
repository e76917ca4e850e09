package console

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// registerDevelopers adds the developer portal's routes: OAuth
// applications, connected applications, personal API keys and webhooks.
// Anyone signed in may look; managing applications, keys and webhooks
// needs PermDevelopers (admins and owners). Two writes are the
// operator's own, open to every role: disconnecting an application from
// one's own sign-in and revoking one's own API key.
func (c *Console) registerDevelopers(mux *http.ServeMux) {
	mux.Handle("GET /developers", c.handle(domain.PermRead, c.appsPage))
	mux.Handle("POST /developers/apps", c.handle(domain.PermDevelopers, c.appCreate))
	mux.Handle("GET /developers/apps/{id}", c.handle(domain.PermRead, c.appPage))
	mux.Handle("POST /developers/apps/{id}", c.handle(domain.PermDevelopers, c.appUpdate))
	mux.Handle("POST /developers/apps/{id}/secret", c.handle(domain.PermDevelopers, c.appRotate))
	mux.Handle("POST /developers/apps/{id}/state", c.handle(domain.PermDevelopers, c.appState))
	mux.Handle("POST /developers/apps/{id}/delete", c.handle(domain.PermDevelopers, c.appDelete))
	mux.Handle("POST /developers/apps/{id}/webhook", c.handle(domain.PermDevelopers, c.appWebhook))

	mux.Handle("GET /developers/connected", c.handle(domain.PermRead, c.connectedPage))
	mux.Handle("POST /developers/connected/{id}/disconnect", c.handle(domain.PermDevelopers, c.disconnectAccount))
	mux.Handle("POST /developers/connected/{id}/disconnect-mine", c.handle(domain.PermRead, c.disconnectMine))

	mux.Handle("GET /developers/keys", c.handle(domain.PermRead, c.keysPage))
	mux.Handle("POST /developers/keys", c.handle(domain.PermDevelopers, c.keyCreate))
	mux.Handle("POST /developers/keys/{id}/revoke", c.handle(domain.PermRead, c.keyRevoke))
	mux.Handle("POST /developers/subscriptions", c.handle(domain.PermDevelopers, c.subscriptionCreate))
	mux.Handle("POST /developers/subscriptions/{id}/revoke", c.handle(domain.PermDevelopers, c.subscriptionRevoke))
	mux.Handle("POST /developers/subscriptions/required", c.handle(domain.PermDevelopers, c.subscriptionRequire))

	mux.Handle("GET /developers/webhooks", c.handle(domain.PermRead, c.webhooksPage))
	mux.Handle("POST /developers/webhooks", c.handle(domain.PermDevelopers, c.ruleCreate))
	mux.Handle("GET /developers/webhooks/{id}", c.handle(domain.PermRead, c.rulePage))
	mux.Handle("POST /developers/webhooks/{id}", c.handle(domain.PermDevelopers, c.ruleUpdate))
	mux.Handle("POST /developers/webhooks/{id}/secret", c.handle(domain.PermDevelopers, c.ruleSecret))
	mux.Handle("POST /developers/webhooks/{id}/delete", c.handle(domain.PermDevelopers, c.ruleDelete))
	mux.Handle("POST /developers/deliveries/{id}/replay", c.handle(domain.PermDevelopers, c.deliveryReplay))
}

// scopeChoice is one scope offered on a form.
type scopeChoice struct {
	domain.Scope
	Checked bool
}

// scopeChoices lists the scopes role may hold, checked when in set.
func scopeChoices(role domain.OperatorRole, set domain.ScopeSet) []scopeChoice {
	out := make([]scopeChoice, 0, len(domain.Scopes))
	for _, s := range domain.Scopes {
		if !role.AllowsScope(s.Name) {
			continue
		}
		_, on := set[s.Name]
		out = append(out, scopeChoice{Scope: s, Checked: on})
	}
	return out
}

// readScopes reads the checked scope boxes (name "scope"). Unknown names
// and scopes role may not hold are reported as a form error.
func readScopes(r *http.Request, role domain.OperatorRole, v *domain.Validation) domain.ScopeSet {
	set := domain.ScopeSet{}
	for _, s := range r.PostForm["scope"] {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if _, ok := domain.LookupScope(s); !ok {
			v.Add("scopes", "unknown scope "+devClip(s, 60))
			continue
		}
		if !role.AllowsScope(s) {
			v.Add("scopes", "your role ("+string(role)+") may not grant "+s)
			continue
		}
		set[s] = struct{}{}
	}
	return set
}

// devText reads a trimmed form value cut to n bytes.
func devText(r *http.Request, key string, n int) string {
	return devClip(strings.TrimSpace(r.PostFormValue(key)), n)
}

// devClip cuts s to at most n bytes, at a character boundary. The limits
// are above what validation accepts, so a long value is reported, not
// silently cut.
func devClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// devLines splits a textarea into its non-blank lines (at most max of them;
// more are an error the caller reports).
func devLines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// devAudit describes the next write of r's context for the audit log.
func devAudit(r *http.Request, resource string, id int64, action string, changes map[string]any) *http.Request {
	rid := ""
	if id != 0 {
		rid = strconv.FormatInt(id, 10)
	}
	return r.WithContext(store.WithOperation(r.Context(), store.Operation{Resource: resource, ResourceID: rid, Action: action, Changes: changes}))
}

// ownApp loads an application of the operator's account ({id} of the
// path); another account's application is 404, as a missing one.
func (c *Console) ownApp(r *http.Request, q *req) (*domain.OAuthApp, error) {
	id, err := pathID(r, "application")
	if err != nil {
		return nil, err
	}
	app, err := c.st.GetOAuthApp(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if app.AccountID != q.acct.ID {
		return nil, domain.NotFound("application")
	}
	return app, nil
}
