package console

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// doorView is one door as the console shows it.
type doorView struct {
	*domain.Channel
	State    domain.DoorState
	HasState bool
}

// siteDoors is one site's doors ("No site" for doors without one).
type siteDoors struct {
	ID    int64
	Name  string
	Doors []doorView
}

// doorsBySite loads every door of the account with its last reported
// hardware state, grouped by site in name order.
func (c *Console) doorsBySite(ctx context.Context, accountID int64) ([]siteDoors, int, int, error) {
	chans, _, err := c.st.ListChannels(ctx, accountID, nil, store.Page{})
	if err != nil {
		return nil, 0, 0, err
	}
	sites, _, err := c.st.ListSites(ctx, accountID, store.Page{})
	if err != nil {
		return nil, 0, 0, err
	}
	states, err := c.st.DoorStates(ctx, accountID)
	if err != nil {
		return nil, 0, 0, err
	}
	out := make([]siteDoors, 0, len(sites)+1)
	index := map[int64]int{}
	for _, s := range sites {
		index[s.ID] = len(out)
		out = append(out, siteDoors{ID: s.ID, Name: s.Name})
	}
	now := c.now()
	online := 0
	var noSite []doorView
	for _, ch := range chans {
		ch = ch.Effective(now)
		st, ok := states[ch.ID]
		v := doorView{Channel: ch, State: st, HasState: ok}
		if ch.Status == "online" {
			online++
		}
		if ch.SiteID != nil {
			if i, ok := index[*ch.SiteID]; ok {
				out[i].Doors = append(out[i].Doors, v)
				continue
			}
		}
		noSite = append(noSite, v)
	}
	if len(noSite) > 0 {
		out = append(out, siteDoors{Name: "No site", Doors: noSite})
	}
	return out, online, len(chans), nil
}

// doorsPage is GET /doors: every door by site, live.
func (c *Console) doorsPage(w http.ResponseWriter, r *http.Request, q *req) error {
	sites, online, total, err := c.doorsBySite(r.Context(), q.acct.ID)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, q, "doors", fragment(r), map[string]any{"Title": "Doors", "Sites": sites, "Online": online, "Total": total})
	return nil
}

// doorPage is GET /doors/{id}: one door, its controls and recent events.
func (c *Console) doorPage(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "door")
	if err != nil {
		return err
	}
	ch, err := c.st.GetChannel(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	ch = ch.Effective(c.now())
	states, err := c.st.DoorStates(r.Context(), q.acct.ID)
	if err != nil {
		return err
	}
	st, ok := states[ch.ID]
	events, err := c.st.EventLog(r.Context(), q.acct.ID, store.LogFilter{ChannelID: ch.ID, Limit: 20})
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, q, "door", fragment(r), map[string]any{"Title": ch.Name,
		"Door": doorView{Channel: ch, State: st, HasState: ok}, "Events": events})
	return nil
}

// doorAction reads the posted action (unlock, normal, lockdown, unlockdown).
func doorAction(r *http.Request) (string, error) {
	switch a := r.PostFormValue("action"); a {
	case "unlock", "normal", "lockdown", "unlockdown":
		return a, nil
	}
	return "", &pageErr{http.StatusBadRequest, "Choose unlock, normal, lockdown or lift lockdown."}
}

// back returns the page a form asked to return to (a console path), or def.
func back(r *http.Request, def string) string {
	if b := r.PostFormValue("back"); b != "" {
		return safeNext(b)
	}
	return def
}

// doorCommand is POST /doors/{id}/command (action).
func (c *Console) doorCommand(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "door")
	if err != nil {
		return err
	}
	action, err := doorAction(r)
	if err != nil {
		return err
	}
	if _, err := c.door(r.Context(), q.acct.ID, id, action); err != nil {
		return err
	}
	return seeOther(w, r, back(r, "/doors/"+strconv.FormatInt(id, 10)))
}

// siteCommand is POST /sites/{id}/command (action lockdown or
// unlockdown): every door of the site at once. Site 0 is the doors
// without a site.
func (c *Console) siteCommand(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 0 {
		return &pageErr{http.StatusNotFound, "There is no such site."}
	}
	action, err := doorAction(r)
	if err != nil {
		return err
	}
	if action != "lockdown" && action != "unlockdown" {
		return &pageErr{http.StatusBadRequest, "A whole site can be locked down or have its lockdown lifted."}
	}
	var site *int64
	if id != 0 {
		if _, err := c.st.GetSite(r.Context(), q.acct.ID, id); err != nil {
			return err
		}
		site = &id
	}
	chans, _, err := c.st.ListChannels(r.Context(), q.acct.ID, site, store.Page{})
	if err != nil {
		return err
	}
	for _, ch := range chans {
		if site == nil && ch.SiteID != nil {
			continue
		}
		if _, err := c.door(r.Context(), q.acct.ID, ch.ID, action); err != nil {
			return err
		}
	}
	return seeOther(w, r, back(r, "/doors"))
}

// dashboard is GET /: doors online and their modes, today's admits and
// denies, recent alarms and failing webhooks, live.
func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	sites, online, total, err := c.doorsBySite(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	now := c.now().In(q.loc)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, q.loc)
	counts, err := c.st.CountEventsByCode(ctx, q.acct.ID, midnight)
	if err != nil {
		return err
	}
	admits, denies := 0, 0
	for code, n := range counts {
		switch outcomeOf(code) {
		case "admit":
			admits += n
		case "deny":
			denies += n
		}
	}
	alarms, err := c.st.EventLog(ctx, q.acct.ID, store.LogFilter{Codes: outcomeCodes("alarm"), Limit: 10})
	if err != nil {
		return err
	}
	people, err := c.st.CountPeople(ctx, q.acct.ID, store.PersonFilter{})
	if err != nil {
		return err
	}
	hooks, err := c.st.ListWebhookEndpoints(ctx)
	if err != nil {
		return err
	}
	var failing []*store.WebhookEndpoint
	for _, h := range hooks {
		if h.AccountID == q.acct.ID && (h.ConsecutiveFailures > 0 || h.DisabledAt != nil) {
			failing = append(failing, h)
		}
	}
	c.render(w, http.StatusOK, q, "dashboard", fragment(r), map[string]any{"Title": "Dashboard", "Sites": sites,
		"Online": online, "Offline": total - online, "Total": total, "Admits": admits, "Denies": denies,
		"Alarms": alarms, "Failing": failing, "People": people})
	return nil
}
