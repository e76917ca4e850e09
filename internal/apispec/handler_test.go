package apispec_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lintel-dev/lintel/internal/apispec"
)

func TestHandlerServesJSONWithETag(t *testing.T) {
	h := apispec.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/3/openapi.json", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	etag := rec.Header().Get("ETag")
	if etag == "" || etag != apispec.ETag() || etag[0] != '"' {
		t.Errorf("ETag %q, want the quoted %q", etag, apispec.ETag())
	}
	if rec.Header().Get("Cache-Control") == "" {
		t.Error("no Cache-Control")
	}
	if !bytes.Equal(rec.Body.Bytes(), apispec.Document()) {
		t.Error("the body is not Document()")
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc["openapi"] != "3.1.0" {
		t.Errorf("body is not the OpenAPI 3.1 document: %v", err)
	}

	// A client holding the current copy gets 304 without a body.
	req := httptest.NewRequest(http.MethodGet, "/api/3/openapi.json", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
	// A stale copy gets the document again.
	req.Header.Set("If-None-Match", `"stale"`)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.Len() == 0 {
		t.Errorf("stale If-None-Match: status %d", rec.Code)
	}
}

func TestHandlerRefusesOtherMethods(t *testing.T) {
	rec := httptest.NewRecorder()
	apispec.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/3/openapi.json", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: status %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" || body.Description == "" {
		t.Errorf("body %s is not in the error shape: %v", rec.Body, err)
	}
}

func TestDocumentReturnsACopy(t *testing.T) {
	a := apispec.Document()
	a[0] = 'X'
	if b := apispec.Document(); b[0] == 'X' {
		t.Error("Document shares its bytes with callers")
	}
}

// TestServedByTheApp fetches the document from a running Lintel, where
// internal/app mounts it, and revalidates with the ETag.
func TestServedByTheApp(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *server) {
		x := s.do(t, http.MethodGet, "/api/3/openapi.json", "", "")
		if x.status != 200 || !bytes.Equal(x.body, apispec.Document()) {
			t.Fatalf("status %d, body differs from Document()", x.status)
		}
		req, _ := http.NewRequest(http.MethodGet, s.BaseURL()+"/api/3/openapi.json", nil)
		req.Header.Set("If-None-Match", x.header.Get("ETag"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("revalidation: status %d, want 304", resp.StatusCode)
		}
	})
}
