package httpx

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Text that PostgreSQL cannot store (a NUL character, or bytes that are
// not UTF-8) must never reach the store: it would fail there as an
// internal error. These checks answer it at the edge with a 400 that names
// the input, in the DoorFlow shape.

// Problems with a piece of text, as they appear in error messages.
const (
	ProblemNUL  = "must not contain a NUL character"
	ProblemUTF8 = "must be valid UTF-8"
)

// TextProblem says what makes s unfit to be stored as text, or "" when s
// is fine.
func TextProblem(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return ProblemNUL
	}
	if !utf8.ValidString(s) {
		return ProblemUTF8
	}
	return ""
}

// BadText is the 400 for an input named field whose text has problem.
func BadText(field, problem string) *domain.Error {
	return &domain.Error{Code: domain.EBADREQUEST, Message: fmt.Sprintf("%s %s", field, problem),
		Fields: map[string][]string{field: {problem}}}
}

// CheckText returns BadText when s is not storable text, else nil.
func CheckText(field, s string) error {
	if p := TextProblem(s); p != "" {
		return BadText(field, p)
	}
	return nil
}

// CheckValues checks the names and values of a query string or form, in
// name order so the answer does not vary.
func CheckValues(v url.Values) error {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if p := TextProblem(k); p != "" {
			return BadText("parameter name", p)
		}
		for _, s := range v[k] {
			if err := CheckText(k, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// IdentifierHeaders are the request headers Lintel looks credentials or
// ids up by.
var IdentifierHeaders = []string{"Authorization", "Ocp-Apim-Subscription-Key", "Last-Event-ID"}

// MaxCheckedForm is the largest URL-encoded body CheckRequest reads before
// any handler (and before authentication): the largest form a visitor who
// is not signed in may send (the token endpoint's). A larger form is left
// to its handler, which must check it itself (CheckValues), as the
// console does for its signed-in forms.
const MaxCheckedForm = 64 << 10

// CheckRequest checks what every handler may read as text: the path, the
// query string, the identifying headers (the user and password of HTTP
// Basic included) and an application/x-www-form-urlencoded body, which it
// reads (up to MaxCheckedForm) and puts back. JSON bodies are checked
// where they are decoded.
func CheckRequest(r *http.Request) error {
	if err := CheckText("path", r.URL.Path); err != nil {
		return err
	}
	if r.URL.RawQuery != "" {
		q, _ := url.ParseQuery(r.URL.RawQuery)
		if err := CheckValues(q); err != nil {
			return err
		}
	}
	for _, h := range IdentifierHeaders {
		for _, v := range r.Header.Values(h) {
			if err := CheckText(h+" header", v); err != nil {
				return err
			}
		}
	}
	if user, pass, ok := r.BasicAuth(); ok {
		if err := CheckText("Authorization header (user)", user); err != nil {
			return err
		}
		if err := CheckText("Authorization header (password)", pass); err != nil {
			return err
		}
	}
	if r.Body == nil || r.Body == http.NoBody || (r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch) {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, MaxCheckedForm+1))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
	if err != nil || len(buf) > MaxCheckedForm {
		return nil // the handler's own limit and read answer it
	}
	form, _ := url.ParseQuery(string(buf))
	return CheckValues(form)
}

// readCloser reads the checked prefix, then the rest, and closes the
// original body.
type readCloser struct {
	io.Reader
	io.Closer
}

// CheckInput answers requests that CheckRequest refuses with onError and
// passes the others to next.
func CheckInput(onError func(http.ResponseWriter, *http.Request, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := CheckRequest(r); err != nil {
			onError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CheckStrings walks a decoded JSON value (maps, slices, structs and
// pointers, as Decode and ParseObject produce them) and returns BadText
// for the first string, or map key, that is not storable text. Fields are
// named by their JSON path below prefix ("person.first_name",
// "events[3].label"); prefix "" names the top level "body".
func CheckStrings(prefix string, v any) error {
	return checkValue(prefix, reflect.ValueOf(v))
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func checkValue(path string, v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		if p := TextProblem(v.String()); p != "" {
			if path == "" {
				path = "body"
			}
			return BadText(path, p)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return checkValue(path, v.Elem())
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // []byte is binary
		}
		for i := range v.Len() {
			if err := checkValue(path+"["+strconv.Itoa(i)+"]", v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			name := fmt.Sprint(k.Interface())
			if k.Kind() == reflect.String {
				if p := TextProblem(k.String()); p != "" {
					return BadText(joinPath(path, "(a key)"), p)
				}
			}
			if err := checkValue(joinPath(path, name), v.MapIndex(k)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == "-" {
				continue
			} else if tag != "" {
				name = tag
			}
			p := joinPath(path, name)
			if f.Anonymous {
				p = path
			}
			if err := checkValue(p, v.Field(i)); err != nil {
				return err
			}
		}
	}
	return nil
}
