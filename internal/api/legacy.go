package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/httpx"
)

// registerLegacy adds the /api/2 routes that integrations written for
// DoorFlow's API v2 call, served by the /api/3 handlers under the same
// scopes. People answer in the v2 shape: groups as {"id", "name"} objects.
func (a *API) registerLegacy(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/2/people", a.route(scopePersonRead, a.legacyPeople(a.listPeople)))
	mux.HandleFunc("POST /api/2/people", a.route(scopePerson, a.legacyPeople(a.createPerson)))
	for _, p := range []string{"/api/2/person/{id}", "/api/2/people/{id}"} {
		mux.HandleFunc("GET "+p, a.route(scopePersonRead, a.legacyPeople(a.getPerson)))
		mux.HandleFunc("PUT "+p, a.route(scopePerson, a.legacyPeople(a.updatePerson)))
	}
	mux.HandleFunc("GET /api/2/groups", a.route(scopeGroupRead, a.listGroups))
	mux.HandleFunc("POST /api/2/sync", a.route(scopeSync, a.initiateSync))
}

// bufferedWriter holds a handler's answer so that it can be rewritten.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

// legacyPeople runs a people handler and rewrites its successful answer in
// the v2 shape: each person's group ids become {"id", "name"} objects. A
// list asked for by email keeps only exact (case-insensitive) matches, as
// v2 clients take the first result as the person with that address.
func (a *API) legacyPeople(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		buf := &bufferedWriter{header: http.Header{}}
		if err := h(buf, r, c); err != nil {
			return err
		}
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		status := buf.status
		if status == 0 {
			status = http.StatusOK
		}
		var doc any
		dec := json.NewDecoder(bytes.NewReader(buf.body.Bytes()))
		dec.UseNumber()
		if status >= 300 || dec.Decode(&doc) != nil {
			w.WriteHeader(status)
			_, _ = w.Write(buf.body.Bytes())
			return nil
		}
		groups, err := a.st.ListGroups(r.Context(), c.p.AccountID)
		if err != nil {
			return err
		}
		names := make(map[string]string, len(groups))
		for _, g := range groups {
			names[itoa(g.ID)] = g.Name
		}
		email := strings.TrimSpace(r.URL.Query().Get("email"))
		switch x := doc.(type) {
		case map[string]any:
			legacyPerson(x, names)
		case []any:
			kept := make([]any, 0, len(x))
			for _, item := range x {
				p, ok := item.(map[string]any)
				if !ok {
					continue
				}
				if e, _ := p["email"].(string); r.Method == http.MethodGet && email != "" && !strings.EqualFold(e, email) {
					continue
				}
				legacyPerson(p, names)
				kept = append(kept, p)
			}
			doc = kept
		}
		httpx.WriteJSON(w, status, doc)
		return nil
	}
}

// legacyPerson turns a person's "groups" id list into v2 group objects.
func legacyPerson(p map[string]any, names map[string]string) {
	ids, _ := p["groups"].([]any)
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		n, ok := id.(json.Number)
		if !ok {
			continue
		}
		out = append(out, map[string]any{"id": n, "name": names[n.String()]})
	}
	p["groups"] = out
}
