package httpx

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
)

// probeMethods are the methods a path is tried with to tell "no such
// path" (404) from "not with this method" (405).
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// AllowedMethods lists the methods with which a method-qualified route of
// mux ("POST /oauth/token") serves r's path. Catch-all patterns without a
// method ("/", "/api/3/") do not count: a handler of such a pattern calls
// it to answer 405 instead of 404 for a known path.
func AllowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range probeMethods {
		if m == r.Method {
			continue
		}
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); strings.Contains(pattern, " ") {
			allow = append(allow, m)
		}
	}
	return allow
}

// MethodNotAllowed answers 405 with the Allow header, in the DoorFlow
// error shape (which is also the OAuth one).
func MethodNotAllowed(w http.ResponseWriter, r *http.Request, log *slog.Logger, allow []string) {
	w.Header().Set("Allow", strings.Join(allow, ", "))
	WriteError(w, r, log, domain.Errorf(domain.EMETHOD, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
}
