package api

import (
	"net/http"

	"github.com/lintel-dev/lintel/internal/httpx"
)

type credentialTypeJSON struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
	Slug  string `json:"slug"`
	Code  *int64 `json:"code"`
}

// listCredentialTypes serves GET /api/3/credential_types (paginated, 500 a page by default).
func (a *API) listCredentialTypes(w http.ResponseWriter, r *http.Request, c *call) error {
	pg := parsePager(r, "per_page", 500, 0)
	types, total, err := a.st.ListCredentialTypes(r.Context(), c.p.AccountID, pg.storePage())
	if err != nil {
		return err
	}
	out := make([]credentialTypeJSON, 0, len(types))
	for _, t := range types {
		out = append(out, credentialTypeJSON{ID: t.ID, Label: t.Label, Slug: t.Slug, Code: t.Code})
	}
	pg.writeHeaders(w, total)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
