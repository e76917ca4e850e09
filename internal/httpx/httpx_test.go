package httpx

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
)

func TestWriteErrorShapes(t *testing.T) {
	v := domain.Validation{}
	v.Add("email", "has already been taken")
	cases := []struct {
		err    error
		status int
		wire   string
	}{
		{domain.NotFound("person"), 404, "not_found"},
		{v.Err(), 422, "validation_failed"},
		{domain.Errorf(domain.EBADREQUEST, "bad"), 400, "bad_request"},
		{&domain.Error{Code: domain.EUNAUTHORIZED, Message: "expired", Wire: "invalid_token"}, 401, "invalid_token"},
		{io.EOF, 500, "internal_error"},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		WriteError(rec, httptest.NewRequest("GET", "/x", nil), slog.New(slog.DiscardHandler), c.err)
		if rec.Code != c.status {
			t.Errorf("%v: status %d, want %d", c.err, rec.Code, c.status)
		}
		var body ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("body %q: %v", rec.Body, err)
		}
		if body.Error != c.wire || body.Description == "" {
			t.Errorf("%v: body %+v", c.err, body)
		}
		if c.status == 500 && strings.Contains(rec.Body.String(), "EOF") {
			t.Errorf("internal detail leaked: %s", rec.Body)
		}
	}
}

func TestParseObject(t *testing.T) {
	for _, in := range []string{"", "  ", "{}", `{"a":1}`} {
		if _, err := ParseObject([]byte(in)); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	for _, in := range []string{"[]", "1", `{"a":`, `{} {}`, `"x"`, "nul"} {
		_, err := ParseObject([]byte(in))
		if domain.ErrorCode(err) != domain.EBADREQUEST {
			t.Errorf("%q: got %v, want bad request", in, err)
		}
	}
	obj, _ := ParseObject([]byte(`{"id": 12345678901234567}`))
	if obj["id"].(json.Number).String() != "12345678901234567" {
		t.Errorf("number precision lost: %v", obj["id"])
	}
}

func TestDecodeLimitsAndTypes(t *testing.T) {
	var dst struct {
		Name string `json:"name"`
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"name": 5}`))
	if err := Decode(r, 100, &dst); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("wrong type: %v", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat(" ", 200)))
	r.ContentLength = -1
	if err := Decode(r, 100, &dst); domain.ErrorCode(err) != domain.ETOOLARGE {
		t.Errorf("oversized: %v", err)
	}
}

func TestLogRecoversPanics(t *testing.T) {
	h := Log(slog.New(slog.DiscardHandler), nil, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "internal_error") || rec.Header().Get("X-Request-Id") == "" {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

func FuzzParseObject(f *testing.F) {
	for _, s := range []string{"{}", `{"person":{"first_name":"A"}}`, "[", `{"a":[1,2,{"b":null}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		obj, err := ParseObject(b)
		if err == nil && obj == nil {
			t.Fatal("nil object without error")
		}
		if err != nil && domain.ErrorCode(err) != domain.EBADREQUEST {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}
