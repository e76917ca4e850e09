package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/lintel-dev/lintel/internal/domain"
)

// MaxBodyBytes is the default limit on request bodies (1 MiB).
const MaxBodyBytes = 1 << 20

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	buf, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal_error","error_description":"An unexpected error occurred"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf)
	_, _ = w.Write([]byte{'\n'})
}

// ReadBody reads at most limit bytes of the request body. A larger body is
// an ETOOLARGE error.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, domain.Errorf(domain.ETOOLARGE, "The request body is larger than %d bytes", limit)
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, domain.Errorf(domain.EBADREQUEST, "The request body could not be read")
	}
	if int64(len(buf)) > limit {
		return nil, domain.Errorf(domain.ETOOLARGE, "The request body is larger than %d bytes", limit)
	}
	return buf, nil
}

// DecodeObject reads a JSON object body. An empty body (even with a JSON
// content type) yields an empty map; numbers are kept as json.Number so
// that large ids survive. Anything but a JSON object is EBADREQUEST.
func DecodeObject(r *http.Request, limit int64) (map[string]any, error) {
	buf, err := ReadBody(r, limit)
	if err != nil {
		return nil, err
	}
	return ParseObject(buf)
}

// ParseObject parses buf as a JSON object (see DecodeObject). A body that
// is not UTF-8, or a string (or key) holding a NUL character, is
// EBADREQUEST naming the field (see CheckStrings).
func ParseObject(buf []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(buf)) == 0 {
		return map[string]any{}, nil
	}
	if !utf8.Valid(buf) {
		return nil, errBodyUTF8
	}
	dec := json.NewDecoder(bytes.NewReader(buf))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(err)
	}
	if dec.More() {
		return nil, domain.Errorf(domain.EBADREQUEST, "The request body must hold a single JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, domain.Errorf(domain.EBADREQUEST, "The request body must hold a single JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, domain.Errorf(domain.EBADREQUEST, "The request body must be a JSON object")
	}
	if err := CheckStrings("", obj); err != nil {
		return nil, err
	}
	return obj, nil
}

var errBodyUTF8 = domain.Errorf(domain.EBADREQUEST, "The request body is not valid UTF-8")

// Decode reads a JSON body into dst (a pointer to a struct). An empty body
// leaves dst untouched. Unknown fields are ignored, as real clients send
// extra keys. Syntax errors are EBADREQUEST; a value of the wrong type is
// EINVALID naming the field; a body that is not UTF-8 or a string holding
// a NUL character is EBADREQUEST naming the field (see CheckStrings).
func Decode(r *http.Request, limit int64, dst any) error {
	buf, err := ReadBody(r, limit)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(buf)) == 0 {
		return nil
	}
	if !utf8.Valid(buf) {
		return errBodyUTF8
	}
	if err := unmarshal(buf, dst); err != nil {
		return err
	}
	return CheckStrings("", dst)
}

// DecodeUnchecked is Decode without the text checks, for a handler that
// checks each item of a batch itself and answers per item: bytes that are
// not UTF-8 become U+FFFD, as encoding/json does, and NUL characters are
// left for the caller (CheckStrings).
func DecodeUnchecked(r *http.Request, limit int64, dst any) error {
	buf, err := ReadBody(r, limit)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(buf)) == 0 {
		return nil
	}
	return unmarshal(buf, dst)
}

func unmarshal(buf []byte, dst any) error {
	if err := json.Unmarshal(buf, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				return domain.Errorf(domain.EBADREQUEST, "The request body must be a JSON object")
			}
			v := domain.Validation{}
			v.Add(field, fmt.Sprintf("must be a %s", jsonKind(te.Type.Kind().String())))
			return v.Err()
		}
		return syntaxError(err)
	}
	return nil
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "bool":
		return "boolean"
	case goKind == "slice", goKind == "array":
		return "list"
	case goKind == "map", goKind == "struct":
		return "object"
	default:
		return goKind
	}
}

func syntaxError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return domain.Errorf(domain.EBADREQUEST, "The request body is not valid JSON (at byte %d)", se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return domain.Errorf(domain.EBADREQUEST, "The request body is not valid JSON (it ends too early)")
	}
	return domain.Errorf(domain.EBADREQUEST, "The request body is not valid JSON")
}
