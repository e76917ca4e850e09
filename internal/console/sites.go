package console

import (
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// commonZones are offered as suggestions wherever a time zone is typed;
// any IANA name that loads is accepted (domain rules decide).
var commonZones = []string{"Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Amsterdam",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto", "America/Sao_Paulo",
	"Asia/Tokyo", "Asia/Singapore", "Asia/Dubai", "Asia/Kolkata", "Australia/Sydney", "Pacific/Auckland", "UTC"}

// sitesPage is GET /sites: every site with its time zone (an account has
// a handful).
func (c *Console) sitesPage(w http.ResponseWriter, r *http.Request, q *req) error {
	sites, _, err := c.st.ListSites(r.Context(), q.acct.ID, store.Page{})
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, q, "sites", "", map[string]any{"Title": "Sites", "Sites": sites})
	return nil
}

// siteForm is the site form as typed.
type siteForm struct{ Name, TimeZone, IPAddress, Notes string }

func readSiteForm(r *http.Request) siteForm {
	return siteForm{Name: field(r, "name", 300), TimeZone: field(r, "time_zone", 100), IPAddress: field(r, "ip_address", 100), Notes: field(r, "notes", 4000)}
}

func (f siteForm) apply(s *domain.Site) {
	s.Name, s.TimeZone, s.IPAddress, s.Notes = f.Name, optional(f.TimeZone), optional(f.IPAddress), optional(f.Notes)
}

func (f siteForm) changes() map[string]any {
	return map[string]any{"name": f.Name, "time_zone": f.TimeZone, "ip_address": f.IPAddress, "notes": f.Notes}
}

// siteNew is GET /sites/new.
func (c *Console) siteNew(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.renderSite(w, r, q, http.StatusOK, nil, siteForm{}, "")
}

func (c *Console) renderSite(w http.ResponseWriter, r *http.Request, q *req, status int, s *domain.Site, f siteForm, msg string) error {
	title := "New site"
	data := map[string]any{"Form": f, "Error": msg, "Zones": commonZones}
	if s != nil {
		title, data["Site"] = s.Name, s
		doors, _, err := c.st.ListChannels(r.Context(), q.acct.ID, &s.ID, store.Page{})
		if err != nil {
			return err
		}
		data["Doors"] = doors
		zone := domain.DoorLocation(deref(s.TimeZone), q.loc)
		data["Zone"], data["LocalNow"] = zone.String(), c.now().In(zone).Format("Mon 2006-01-02 15:04 MST")
	}
	data["Title"] = title
	c.render(w, status, q, "site", "", data)
	return nil
}

// siteCreate is POST /sites.
func (c *Console) siteCreate(w http.ResponseWriter, r *http.Request, q *req) error {
	f := readSiteForm(r)
	s := &domain.Site{AccountID: q.acct.ID, CreatedAt: c.now().UTC().Truncate(time.Millisecond)}
	f.apply(s)
	err := c.st.CreateSite(audited(r, "sites", 0, "create", f.changes()), s)
	if invalid(err) {
		return c.renderSite(w, r, q, http.StatusUnprocessableEntity, nil, f, formError(err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, idPath("sites", s.ID))
}

// sitePage is GET /sites/{id}: the site's form, its zone's time now and its doors.
func (c *Console) sitePage(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "site")
	if err != nil {
		return err
	}
	s, err := c.st.GetSite(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	return c.renderSite(w, r, q, http.StatusOK, s, siteForm{Name: s.Name, TimeZone: deref(s.TimeZone), IPAddress: deref(s.IPAddress), Notes: deref(s.Notes)}, "")
}

// siteUpdate is POST /sites/{id}: the form, or action=delete (refused
// while doors belong to the site).
func (c *Console) siteUpdate(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "site")
	if err != nil {
		return err
	}
	s, err := c.st.GetSite(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	if r.PostFormValue("action") == "delete" {
		if err := c.st.DeleteSite(audited(r, "sites", id, "delete", nil), q.acct.ID, id); err != nil {
			return deleteRefused(err)
		}
		return seeOther(w, r, "/sites")
	}
	f := readSiteForm(r)
	f.apply(s)
	s.UpdatedAt = c.now().UTC().Truncate(time.Millisecond)
	err = c.st.UpdateSite(audited(r, "sites", id, "update", f.changes()), s)
	if invalid(err) {
		return c.renderSite(w, r, q, http.StatusUnprocessableEntity, s, f, formError(err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, idPath("sites", id))
}
