package lintel

import (
	"context"
	"encoding/json"
	"iter"
)

// Site is a physical location and the networks its controllers connect
// from.
type Site struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	IPAddress *string  `json:"ip_address"` // deprecated by DoorFlow in favour of SiteIPs
	TimeZone  *string  `json:"time_zone"`
	Notes     *string  `json:"notes"`
	SiteIPs   []SiteIP `json:"site_ips"`
}

// SiteIP is one network of a site: an address or a CIDR range.
type SiteIP struct {
	IPAddress string `json:"ip_address"`
}

// SiteInput is a site to create or the fields to change; nil fields are
// left out (and keep their values on update).
type SiteInput struct {
	Name      *string `json:"name,omitempty"`
	IPAddress *string `json:"ip_address,omitempty"`
	TimeZone  *string `json:"time_zone,omitempty"`
	Notes     *string `json:"notes,omitempty"`
	// SiteIPs replaces the list when not nil; send an empty, non-nil slice
	// to clear it.
	SiteIPs []string `json:"-"`
}

// MarshalJSON writes SiteIPs as [{"ip_address": ...}] when set.
func (in SiteInput) MarshalJSON() ([]byte, error) {
	type plain SiteInput
	b, err := json.Marshal(plain(in))
	if err != nil || in.SiteIPs == nil {
		return b, err
	}
	ips := make([]SiteIP, len(in.SiteIPs))
	for i, ip := range in.SiteIPs {
		ips[i] = SiteIP{IPAddress: ip}
	}
	return mergeJSON(b, map[string]any{"site_ips": ips})
}

// SitesService reads sites; writing them is a Lintel extension
// (scope account.site) that DoorFlow does not offer.
type SitesService struct{ c *Client }

// List returns one page of sites (listSites).
func (s *SitesService) List(ctx context.Context, opt *ListOptions) ([]*Site, PageInfo, error) {
	return listPage[Site](ctx, s.c, "/api/3/sites", nil, deref(opt), "per_page")
}

// All iterates over every site, page by page.
func (s *SitesService) All(ctx context.Context) iter.Seq2[*Site, error] {
	return all(ctx, ListOptions{}, func(ctx context.Context, o ListOptions) ([]*Site, PageInfo, error) {
		return s.List(ctx, &o)
	})
}

// Create adds a site (createSite, a Lintel extension). Name is required.
func (s *SitesService) Create(ctx context.Context, in *SiteInput) (*Site, error) {
	var out Site
	_, err := s.c.call(ctx, &request{method: "POST", path: "/api/3/sites", body: in, want: []int{201}}, &out)
	return ptrOrNil(&out, err)
}

// Update changes the fields set in in (updateSite, a Lintel extension).
func (s *SitesService) Update(ctx context.Context, id int64, in *SiteInput) (*Site, error) {
	var out Site
	_, err := s.c.call(ctx, &request{method: "PUT", path: idPath("sites", id), body: in}, &out)
	return ptrOrNil(&out, err)
}

// Delete removes a site (deleteSite, a Lintel extension). A site that
// still has doors is a 409 *Error.
func (s *SitesService) Delete(ctx context.Context, id int64) error {
	_, err := s.c.call(ctx, &request{method: "DELETE", path: idPath("sites", id)}, &deleted{})
	return err
}
