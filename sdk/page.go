package lintel

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ListOptions choose a page of a paginated list. The zero value asks for
// the server's first page at its default size.
type ListOptions struct {
	Page    int // counting from 1; 0 means 1
	PerPage int // 0 means the server's default (people: 50, most others: 500)
}

func (o ListOptions) values(q url.Values, sizeParam string) {
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.PerPage > 0 {
		q.Set(sizeParam, strconv.Itoa(o.PerPage))
	}
}

// PageInfo describes the page a List call returned, from the Total and
// Per-Page headers (or their X- spellings). Total is -1 when the server did
// not say.
type PageInfo struct {
	Page    int
	PerPage int
	Total   int
}

// HasNext reports whether pages follow this one holding n items.
func (p PageInfo) HasNext(n int) bool {
	if n == 0 {
		return false
	}
	if p.Total >= 0 {
		return p.Page*p.PerPage < p.Total && n >= p.PerPage
	}
	return p.PerPage > 0 && n >= p.PerPage
}

func pageInfo(r *response, asked ListOptions) PageInfo {
	p := PageInfo{Page: max(asked.Page, 1), PerPage: asked.PerPage, Total: -1}
	num := func(names ...string) (int, bool) {
		for _, n := range names {
			if v, err := strconv.Atoi(strings.TrimSpace(r.header.Get(n))); err == nil && v >= 0 {
				return v, true
			}
		}
		return 0, false
	}
	if v, ok := num("Total", "X-Total-Results"); ok {
		p.Total = v
	}
	if v, ok := num("Per-Page", "X-Per-Page"); ok && v > 0 {
		p.PerPage = v
	}
	if v, ok := num("X-Page"); ok && v > 0 {
		p.Page = v
	}
	return p
}

// listPage fetches one page of a paginated list into a slice.
func listPage[T any](ctx context.Context, c *Client, path string, q url.Values, opt ListOptions, sizeParam string) ([]*T, PageInfo, error) {
	if q == nil {
		q = url.Values{}
	}
	opt.values(q, sizeParam)
	var out []*T
	resp, err := c.call(ctx, &request{method: "GET", path: path, query: q}, &out)
	if err != nil {
		return nil, PageInfo{}, err
	}
	info := pageInfo(resp, opt)
	if info.PerPage == 0 {
		info.PerPage = len(out)
	}
	return out, info, nil
}

// all follows pages from opt.Page until a short or empty page, yielding
// every item; an error is yielded once and ends the iteration.
func all[T any](ctx context.Context, opt ListOptions, fetch func(ctx context.Context, opt ListOptions) ([]*T, PageInfo, error)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if opt.Page < 1 {
			opt.Page = 1
		}
		for {
			items, info, err := fetch(ctx, opt)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if !info.HasNext(len(items)) {
				return
			}
			if opt.PerPage == 0 {
				opt.PerPage = info.PerPage
			}
			opt.Page++
		}
	}
}

// formatTime writes a time as RFC 3339 in UTC with milliseconds, the way
// DoorFlow writes them.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// idPath returns "/api/3/<resource>/<id>".
func idPath(resource string, id int64) string {
	return "/api/3/" + resource + "/" + strconv.FormatInt(id, 10)
}

// joinIDs writes ids comma-separated.
func joinIDs[T int | int64](ids []T) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(int64(id), 10)
	}
	return strings.Join(s, ",")
}

// Ptr returns a pointer to v, for the optional fields of inputs:
// lintel.PersonInput{Email: lintel.Ptr("ada@example.com")}.
func Ptr[T any](v T) *T { return &v }

// deleted is the {"result": "ok"} answer of deletes.
type deleted struct {
	Result string `json:"result"`
}

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	if p == nil {
		var z T
		return z
	}
	return *p
}

// ptrOrNil returns v, or nil and err when the call failed.
func ptrOrNil[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// mergeJSON adds members to a marshalled JSON object.
func mergeJSON(obj []byte, extra map[string]any) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, err
	}
	for k, v := range extra {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	return json.Marshal(m)
}

// equalFoldTrim compares two strings without regard to case or
// surrounding space.
func equalFoldTrim(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
