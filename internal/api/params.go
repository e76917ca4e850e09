package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// pager is a parsed page/per_page/skip_pagination request.
type pager struct {
	page    int
	perPage int
	all     bool
}

// parsePager reads page (default 1), the page-size parameter named sizeParam
// (default def, clamped to max when max > 0) and skip_pagination. Values
// that are not positive integers fall back to the defaults: clients in the
// wild send odd values and expect a list, not an error.
func parsePager(r *http.Request, sizeParam string, def, max int) pager {
	q := r.URL.Query()
	p := pager{page: 1, perPage: def}
	if n, err := strconv.Atoi(strings.TrimSpace(q.Get("page"))); err == nil && n > 0 {
		p.page = n
	}
	if n, err := strconv.Atoi(strings.TrimSpace(q.Get(sizeParam))); err == nil && n > 0 {
		p.perPage = n
	}
	if max > 0 && p.perPage > max {
		p.perPage = max
	}
	switch strings.ToLower(strings.TrimSpace(q.Get("skip_pagination"))) {
	case "true", "1", "yes":
		p.all = true
	}
	return p
}

// storePage converts the request into a store page.
func (p pager) storePage() store.Page {
	if p.all {
		return store.Page{}
	}
	// Guard against overflow from absurd page numbers.
	if p.page > (1<<31)/max(p.perPage, 1) {
		return store.Page{Limit: p.perPage, Offset: 1 << 31}
	}
	return store.Page{Limit: p.perPage, Offset: (p.page - 1) * p.perPage}
}

// writeHeaders sets both spellings of DoorFlow's pagination headers.
func (p pager) writeHeaders(w http.ResponseWriter, total int) {
	per, page := p.perPage, p.page
	if p.all {
		per, page = max(total, 1), 1
	}
	h := w.Header()
	h.Set("Total", strconv.Itoa(total))
	h.Set("Per-Page", strconv.Itoa(per))
	h.Set("X-Total-Results", strconv.Itoa(total))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Page", strconv.Itoa(page))
}

// pathID parses the integer path value name; a non-integer is a 404 for kind,
// since no such resource can exist.
func pathID(r *http.Request, name, kind string) (int64, error) {
	s := strings.TrimSuffix(r.PathValue(name), ".json")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.NotFound(kind)
	}
	return id, nil
}

// offsetLayouts carry their own offset; localLayouts are read in a zone.
var (
	offsetLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05.999999999Z07:00"}
	localLayouts  = []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"}
)

// parseTime reads an ISO 8601 date-time. An explicit offset (or Z) is
// honoured; without one the time is read in loc. A '+' of an offset that a
// query string turned into a space is restored.
func parseTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n := len(s); n > 16 && s[n-6] == ' ' && s[n-3] == ':' {
		s = s[:n-6] + "+" + s[n-5:]
	}
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	for _, l := range offsetLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// sinceParam reads the incremental-sync filters: since (account time zone
// unless it carries an offset) and since_utc (UTC unless it carries an
// offset). When both are given since_utc wins. A malformed value is 400.
func (c *call) sinceParam(r *http.Request) (*time.Time, error) {
	q := r.URL.Query()
	if s := q.Get("since_utc"); s != "" {
		t, ok := parseTime(s, time.UTC)
		if !ok {
			return nil, domain.Errorf(domain.EBADREQUEST, "since_utc must be an ISO 8601 date-time")
		}
		return &t, nil
	}
	if s := q.Get("since"); s != "" {
		loc, err := c.location(r.Context())
		if err != nil {
			return nil, err
		}
		t, ok := parseTime(s, loc)
		if !ok {
			return nil, domain.Errorf(domain.EBADREQUEST, "since must be an ISO 8601 date-time")
		}
		return &t, nil
	}
	return nil, nil
}

// csvValues returns every comma-separated item of the named query
// parameters (repeated parameters and "name[]" forms included), trimmed,
// without empty items.
func csvValues(r *http.Request, names ...string) []string {
	q := r.URL.Query()
	var out []string
	for _, n := range names {
		for _, key := range []string{n, n + "[]"} {
			for _, v := range q[key] {
				for _, item := range strings.Split(v, ",") {
					if item = strings.TrimSpace(item); item != "" {
						out = append(out, item)
					}
				}
			}
		}
	}
	return out
}

// formatTime renders a time as DoorFlow does in its examples: UTC with milliseconds.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// formatTimePtr renders a nullable time.
func formatTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}

// storeAll asks the store for a whole list.
var storeAll = store.Page{}
