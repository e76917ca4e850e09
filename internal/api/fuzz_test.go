package api_test

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// fuzzEnv builds one SQLite-backed API for a whole fuzz run.
func fuzzEnv(f *testing.F) *env {
	st := storetest.Open(f, storetest.Backend{Name: "sqlite", DSN: filepath.Join(f.TempDir(), "fuzz.db")})
	return newEnv(f, st)
}

// noServerError fails on a 5xx.
func noServerError(t *testing.T, rec *httptest.ResponseRecorder, body []byte) {
	if rec.Code >= 500 {
		t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body)
	}
}

func FuzzPersonBody(f *testing.F) {
	for _, s := range []string{
		`{"first_name":"Jane","last_name":"Doe","email":"jane@example.com","enabled":true,"group_ids":[1]}`,
		`{"person":{"firstName":"A","lastName":"B","groupIds":[1,2]}}`,
		`{"first_name":"A","last_name":"B","pin":"******","credentials_number":"123"}`,
		`{"first_name":"A","last_name":"B","valid_from":"2025-01-01T00:00:00+01:00","valid_to":"2024-01-01"}`,
		`{"first_name":null,"group_ids":[1e400],"organisation_id":-1,"groups":[{"id":"x"}]}`,
		`{"person":[]}`, `{`, ``, `[]`, `{"custom1":5,"imageRemoteUrl":"ftp://x"}`,
	} {
		f.Add([]byte(s))
	}
	e := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t
		for _, m := range []struct{ method, path string }{{"POST", "/api/3/people"}, {"PUT", "/api/3/people/1"}} {
			e.skipSpec = true
			rec := e.as("all").do(m.method, m.path, string(body))
			noServerError(t, rec, body)
		}
	})
}

func FuzzCredentialBody(f *testing.F) {
	for _, s := range []string{
		`{"person_credential":{"credential_type_id":1,"value":"1234567890"}}`,
		`{"person_credential":{"credential_type_id":3,"value":"******"}}`,
		`{"person_credential":{"credential_type_id":"3","value":42}}`,
		`{"credential_type_id":4}`, `{"person_credential":null}`, `{"person_credential":{"value":"0000"}}`,
		`{"person_credential":{"credential_type_id":1.5,"value":[]}}`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	e := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t
		for _, path := range []string{"/api/3/people/1/credentials", "/api/3/people/2/credentials"} {
			e.skipSpec = true
			noServerError(t, e.as("all").do("POST", path, string(body)), body)
		}
		// Update the first credential of person 1 with the same body.
		e.skipSpec = true
		rec := e.as("all").do("GET", "/api/3/people/1/credentials", "")
		if i := strings.Index(rec.Body.String(), `"id":"`); i >= 0 {
			uid := rec.Body.String()[i+6:]
			uid = uid[:strings.IndexByte(uid, '"')]
			e.skipSpec = true
			noServerError(t, e.as("all").do("PUT", fmt.Sprintf("/api/3/people/1/credentials/%s", uid), string(body)), body)
		}
	})
}
