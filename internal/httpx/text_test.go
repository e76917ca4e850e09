package httpx

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

func TestCheckRequest(t *testing.T) {
	form := func(body string) *http.Request {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		return r
	}
	bad := map[string]*http.Request{
		"path":           httptest.NewRequest("GET", "/api/3/people/%00", nil),
		"email":          httptest.NewRequest("GET", "/x?email=a%00b", nil),
		"first_name":     httptest.NewRequest("GET", "/x?first_name=%FF", nil),
		"parameter name": httptest.NewRequest("GET", "/x?a%00=1", nil),
		"client_id":      form("grant_type=password&client_id=x%00"),
		"username":       form("username=%C3%28"),
		"Ocp-Apim-Subscription-Key header": func() *http.Request {
			r := httptest.NewRequest("GET", "/x", nil)
			r.Header.Set("Ocp-Apim-Subscription-Key", "k\xfe")
			return r
		}(),
		"Authorization header (user)": func() *http.Request {
			r := httptest.NewRequest("GET", "/x", nil)
			r.SetBasicAuth("id\x00", "secret")
			return r
		}(),
	}
	for field, r := range bad {
		err := CheckRequest(r)
		var e *domain.Error
		if err == nil || domain.ErrorCode(err) != domain.EBADREQUEST || !asError(err, &e) || len(e.Fields[field]) != 1 {
			t.Errorf("%s: %v", field, err)
		}
	}
	// A good form is read, checked and given back whole to the handler.
	r := form("grant_type=password&username=ada%40example.com&password=%E2%9C%93")
	if err := CheckRequest(r); err != nil {
		t.Fatal(err)
	}
	if err := r.ParseForm(); err != nil || r.PostFormValue("password") != "✓" || r.PostFormValue("grant_type") != "password" {
		t.Fatalf("form after the check: %v %v", r.PostForm, err)
	}
	// A form larger than MaxCheckedForm is left to its handler, unread.
	large := "a=" + strings.Repeat("b", MaxCheckedForm) + "&c=%00"
	r = form(large)
	if err := CheckRequest(r); err != nil {
		t.Fatalf("large form: %v", err)
	}
	if b, _ := io.ReadAll(r.Body); string(b) != large {
		t.Fatal("large form not given back whole")
	}
	// Other bodies are left alone; JSON is checked where it is decoded.
	j := httptest.NewRequest("POST", "/x", strings.NewReader(`{"a":"\u0000"}`))
	j.Header.Set("Content-Type", "application/json")
	if err := CheckRequest(j); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(j.Body); string(b) != `{"a":"\u0000"}` {
		t.Fatalf("JSON body consumed: %q", b)
	}
}

func asError(err error, e **domain.Error) bool { return errors.As(err, e) }

func TestCheckStringsPaths(t *testing.T) {
	type inner struct {
		Label string  `json:"label"`
		Card  *string `json:"credential,omitempty"`
		Skip  string  `json:"-"`
	}
	type batch struct {
		Events []inner    `json:"events"`
		At     *time.Time `json:"at"`
	}
	nul := "1\x002"
	now := time.Now()
	for want, v := range map[string]any{
		"events[1].credential": batch{Events: []inner{{Label: "ok"}, {Label: "ok", Card: &nul}}, At: &now},
		"events[0].label":      &batch{Events: []inner{{Label: "\xff"}}},
		"person.first_name":    map[string]any{"person": map[string]any{"first_name": "a\x00"}},
		"list[2]":              map[string]any{"list": []any{"a", 1, "\x00"}},
		"(a key)":              map[string]any{"\x00": "v"},
		"body":                 "\x00",
	} {
		err := CheckStrings("", v)
		var e *domain.Error
		if !asError(err, &e) || len(e.Fields[want]) != 1 {
			t.Errorf("want %s: %v", want, err)
		}
	}
	if err := CheckStrings("", batch{Events: []inner{{Label: "café ✓", Skip: "\x00"}}, At: &now}); err != nil {
		t.Fatalf("good value: %v", err)
	}
}

func TestDecodeRefusesBadText(t *testing.T) {
	for body, status := range map[string]string{
		`{"first_name":"a\u0000"}`: "first_name", "{\"first_name\":\"caf\xe9\"}": "", `{"k\u0000":1}`: "(a key)",
	} {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
		_, err := DecodeObject(r, MaxBodyBytes)
		if domain.ErrorCode(err) != domain.EBADREQUEST {
			t.Errorf("%q: %v", body, err)
		}
		var dst struct {
			FirstName string `json:"first_name"`
		}
		r = httptest.NewRequest("POST", "/x", strings.NewReader(body))
		if err := Decode(r, MaxBodyBytes, &dst); status == "first_name" && domain.ErrorCode(err) != domain.EBADREQUEST {
			t.Errorf("Decode %q: %v", body, err)
		}
	}
	var dst struct {
		Label string `json:"label"`
	}
	r := httptest.NewRequest("POST", "/x", strings.NewReader(`{"label":"a\u0000"}`))
	if err := DecodeUnchecked(r, MaxBodyBytes, &dst); err != nil || dst.Label != "a\x00" {
		t.Fatalf("DecodeUnchecked: %q %v", dst.Label, err)
	}
}
