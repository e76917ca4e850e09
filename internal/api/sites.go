package api

import (
	"net/http"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

type siteJSON struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	IPAddress *string         `json:"ip_address"`
	TimeZone  *string         `json:"time_zone"`
	Notes     *string         `json:"notes"`
	SiteIPs   []domain.SiteIP `json:"site_ips"`
}

func newSiteJSON(s *domain.Site) siteJSON {
	ips := s.SiteIPs
	if ips == nil {
		ips = []domain.SiteIP{}
	}
	return siteJSON{ID: s.ID, Name: s.Name, IPAddress: s.IPAddress, TimeZone: s.TimeZone, Notes: s.Notes, SiteIPs: ips}
}

// listSites serves GET /api/3/sites (paginated, 500 a page by default).
func (a *API) listSites(w http.ResponseWriter, r *http.Request, c *call) error {
	pg := parsePager(r, "per_page", 500, 0)
	sites, total, err := a.st.ListSites(r.Context(), c.p.AccountID, pg.storePage())
	if err != nil {
		return err
	}
	out := make([]siteJSON, 0, len(sites))
	for _, s := range sites {
		out = append(out, newSiteJSON(s))
	}
	pg.writeHeaders(w, total)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
