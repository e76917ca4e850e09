package lintel

import (
	"net/http"
	"testing"
)

// A 403 for a missing scope tells which scope: from Lintel's body member,
// or from the RFC 6750 challenge alone.
func TestErrorScope(t *testing.T) {
	challenge := http.Header{"Www-Authenticate": {`Bearer realm="lintel", error="insufficient_scope", scope="account.person"`}}
	for name, r := range map[string]*response{
		"body and header": {status: 403, header: challenge,
			body: []byte(`{"error":"forbidden","error_description":"You are not authorized to access this resource: it needs the scope account.person","scope":"account.person"}`)},
		"header only": {status: 403, header: challenge, body: []byte(`{"error":"forbidden","error_description":"You are not authorized to access this resource"}`)},
	} {
		if e := newError("GET", "/api/3/people", r); e.Scope != "account.person" || e.Code != "forbidden" {
			t.Errorf("%s: %+v", name, e)
		}
	}
	plain := &response{status: 403, header: http.Header{}, body: []byte(`{"error":"forbidden","error_description":"You are not authorized to access this resource"}`)}
	if e := newError("GET", "/api/3/people", plain); e.Scope != "" {
		t.Errorf("DoorFlow's 403: scope %q", e.Scope)
	}
}
