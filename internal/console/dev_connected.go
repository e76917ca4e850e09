package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// connectedApp is one application connected to the account, with the
// operators who connected it.
type connectedApp struct {
	App        *domain.OAuthApp
	Owner      string // the owning account's name when it is another account
	Users      []connectedUser
	Scopes     domain.ScopeSet
	Families   int
	Since      time.Time
	LastUsedAt time.Time
	Mine       bool // the signed-in operator is one of them
}

type connectedUser struct {
	*store.Connection
	Email string
}

// connectedPage is GET /developers/connected: the applications connected
// to the account (consents and live tokens), each with who connected it.
// Developers see every operator's connections and may disconnect an
// application from the whole account; every operator may disconnect an
// application from their own sign-in.
func (c *Console) connectedPage(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.renderConnected(w, r, q, "")
}

func (c *Console) renderConnected(w http.ResponseWriter, r *http.Request, q *req, notice string) error {
	ctx := r.Context()
	conns, err := c.st.ListConnections(ctx, q.acct.ID, 0)
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
	var list []*connectedApp
	byApp := map[int64]*connectedApp{}
	for _, cn := range conns {
		ca := byApp[cn.AppID]
		if ca == nil {
			app, err := c.st.GetOAuthApp(ctx, cn.AppID)
			if err != nil {
				return err
			}
			ca = &connectedApp{App: app, Scopes: domain.ScopeSet{}, Since: cn.Since}
			if app.AccountID != q.acct.ID {
				if owner, err := c.st.GetAccount(ctx, app.AccountID); err == nil {
					ca.Owner = owner.Name
				}
			}
			byApp[cn.AppID] = ca
			list = append(list, ca)
		}
		ca.Users = append(ca.Users, connectedUser{Connection: cn, Email: emails[cn.UserID]})
		ca.Scopes = ca.Scopes.Union(cn.Scopes)
		ca.Families += cn.Families
		if cn.Since.Before(ca.Since) {
			ca.Since = cn.Since
		}
		if cn.LastUsedAt.After(ca.LastUsedAt) {
			ca.LastUsedAt = cn.LastUsedAt
		}
		if cn.UserID == q.user.ID {
			ca.Mine = true
		}
	}
	c.render(w, http.StatusOK, q, "dev_connected", "", map[string]any{"Title": "Connected applications", "Tab": "connected",
		"Connected": list, "Notice": notice})
	return nil
}

// disconnectAccount is POST /developers/connected/{id}/disconnect: the
// application (by id) loses every consent, code and token of every
// operator of the account at once.
func (c *Console) disconnectAccount(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.disconnect(w, r, q, 0)
}

// disconnectMine is POST /developers/connected/{id}/disconnect-mine: the
// same for the signed-in operator's own consent and tokens only.
func (c *Console) disconnectMine(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.disconnect(w, r, q, q.user.ID)
}

func (c *Console) disconnect(w http.ResponseWriter, r *http.Request, q *req, userID int64) error {
	id, err := pathID(r, "application")
	if err != nil {
		return err
	}
	app, err := c.st.GetOAuthApp(r.Context(), id)
	if err != nil {
		return err
	}
	conns, err := c.st.ListConnections(r.Context(), q.acct.ID, userID)
	if err != nil {
		return err
	}
	connected := false
	for _, cn := range conns {
		connected = connected || cn.AppID == app.ID
	}
	if !connected {
		return &pageErr{http.StatusNotFound, "That application is not connected."}
	}
	who := "the account"
	if userID != 0 {
		who = q.user.Email
	}
	r = devAudit(r, "connected_apps", app.ID, "disconnect", map[string]any{"application": app.Name, "client_id": app.UID, "from": who})
	families, grants, err := c.st.DisconnectOAuthApp(r.Context(), app.ID, q.acct.ID, userID, "disconnected in the console", c.now().UTC())
	if err != nil {
		return err
	}
	return c.renderConnected(w, r, q, app.Name+" is disconnected from "+who+": "+strconv.FormatInt(families, 10)+
		" token chain(s) revoked, "+strconv.FormatInt(grants, 10)+" consent(s) withdrawn.")
}
