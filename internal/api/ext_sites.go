package api

import (
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// validNetwork reports whether s is an IP address or a CIDR range.
func validNetwork(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	_, err := netip.ParsePrefix(s)
	return err == nil
}

// applySite copies the site fields present in f onto st: name, ip_address,
// time_zone (an IANA name), notes, and site_ips (a list of
// {"ip_address": ...} objects or plain strings, each an IP or CIDR).
func applySite(f fields, st *domain.Site, creating bool) {
	f.name("name", &st.Name, creating)
	if f.text("ip_address", &st.IPAddress, 64) && st.IPAddress != nil && !validNetwork(*st.IPAddress) {
		f.v.Add("ip_address", "must be an IP address or CIDR range")
	}
	if f.text("time_zone", &st.TimeZone, 64) && st.TimeZone != nil {
		if _, err := time.LoadLocation(*st.TimeZone); err != nil {
			f.v.Add("time_zone", "is not a known time zone")
		}
	}
	f.text("notes", &st.Notes, 4000)
	raw, ok := f.obj["site_ips"]
	if !ok {
		return
	}
	list, isList := raw.([]any)
	if raw != nil && !isList {
		f.v.Add("site_ips", "must be a list of IP addresses")
		return
	}
	ips := []domain.SiteIP{}
	for _, item := range list {
		var s string
		switch x := item.(type) {
		case string:
			s = x
		case map[string]any:
			s, _ = x["ip_address"].(string)
		}
		s = strings.TrimSpace(s)
		if !validNetwork(s) {
			f.v.Add("site_ips", "must be a list of IP addresses or CIDR ranges")
			return
		}
		ips = append(ips, domain.SiteIP{IPAddress: s})
	}
	st.SiteIPs = ips
}

// createSite serves POST /api/3/sites (extension, 201 Site). Errors: 422.
func (a *API) createSite(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := readResource(r, "site")
	if err != nil {
		return err
	}
	st := &domain.Site{AccountID: c.p.AccountID, SiteIPs: []domain.SiteIP{}, CreatedAt: a.nowMS()}
	applySite(f, st, true)
	if err := f.v.Err(); err != nil {
		return err
	}
	if err := a.st.CreateSite(r.Context(), st); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, newSiteJSON(st))
	return nil
}

// updateSite serves PUT /api/3/sites/{id} (extension, 200 Site): fields
// left out keep their values. Errors: 404; 422.
func (a *API) updateSite(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "site")
	if err != nil {
		return err
	}
	st, err := a.st.GetSite(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	f, err := readResource(r, "site")
	if err != nil {
		return err
	}
	applySite(f, st, false)
	if err := f.v.Err(); err != nil {
		return err
	}
	st.UpdatedAt = a.nowMS()
	if err := a.st.UpdateSite(r.Context(), st); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newSiteJSON(st))
	return nil
}

// deleteSite serves DELETE /api/3/sites/{id} (extension). Errors: 404; 409
// while doors belong to the site.
func (a *API) deleteSite(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "site")
	if err != nil {
		return err
	}
	if err := a.st.DeleteSite(r.Context(), c.p.AccountID, id); err != nil {
		return err
	}
	writeOK(w)
	return nil
}
