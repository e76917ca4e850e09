package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// csp allows scripts, styles and connections only from this server: no
// inline script or style anywhere in the console.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders are sent with every console page.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// pages holds each page's template set: the layout plus the page's file.
type pages struct{ sets map[string]*template.Template }

var funcs = template.FuncMap{
	"when": func(t any, loc *time.Location) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.In(loc).Format("2006-01-02 15:04:05")
		case *time.Time:
			if v == nil {
				return ""
			}
			return v.In(loc).Format("2006-01-02 15:04:05")
		}
		return ""
	},
	"date": func(t *time.Time, loc *time.Location) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format("2006-01-02")
	},
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"outcome": outcomeOf,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			if k, ok := kv[i].(string); ok {
				m[k] = kv[i+1]
			}
		}
		return m
	},
	"has": func(ids []int64, id int64) bool {
		for _, x := range ids {
			if x == id {
				return true
			}
		}
		return false
	},
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", n, err)
		}
		p.sets[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

// render writes a page (fragment "") or one named fragment of it, for the
// live views and search-as-you-type. data gets the request's operator,
// role, CSRF token and time zone as .Q, .CSRF and .Loc.
func (c *Console) render(w http.ResponseWriter, status int, q *req, page, fragment string, data map[string]any) {
	securityHeaders(w)
	if data == nil {
		data = map[string]any{}
	}
	data["Q"] = q
	data["Loc"] = time.UTC
	if q != nil {
		data["CSRF"] = q.b.CSRF
		data["Loc"] = q.loc
		data["Can"] = map[string]bool{
			"people": q.can(domain.PermPeople), "doors": q.can(domain.PermDoorCommands),
			"configure": q.can(domain.PermConfigure), "developers": q.can(domain.PermDevelopers),
		}
		data["Role"] = string(q.role)
		data["Account"] = q.acct
		data["User"] = q.user
	}
	t := c.pages.sets[page]
	name := "layout"
	if fragment != "" {
		name = fragment
	}
	var buf bytes.Buffer
	if t == nil || t.Lookup(name) == nil {
		status = http.StatusNotFound
		buf.WriteString("<!doctype html><title>Not found</title><p>There is no such page.</p>")
	} else if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		c.log.Error("console: render", "page", page, "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<!doctype html><title>Error</title><p>An unexpected error occurred.</p>")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fragment is the fragment a live view or a search asks for (?fragment=name).
func fragment(r *http.Request) string {
	f := r.URL.Query().Get("fragment")
	for _, ch := range f {
		if !(ch >= 'a' && ch <= 'z' || ch == '-') {
			return ""
		}
	}
	return f
}

func sortStrings(s []string) { sort.Strings(s) }

// outcomeOf classifies an event code for display and filters.
func outcomeOf(code int) string {
	switch {
	case code >= 10 && code <= 18, code == domain.EventRemoteAdmitted, code == 70:
		return "admit"
	case code >= 20 && code <= 29, code == domain.EventRemoteDenied, code >= 71 && code <= 73:
		return "deny"
	case code == 31, code == 32, code == 36, code == 90:
		return "alarm"
	}
	return "other"
}

// outcomeCodes lists the event codes of an outcome.
func outcomeCodes(outcome string) []int {
	var out []int
	for code := 1; code < 300; code++ {
		if outcomeOf(code) == outcome {
			out = append(out, code)
		}
	}
	return out
}
