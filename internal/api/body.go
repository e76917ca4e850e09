package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// readObject reads a JSON object body (empty = {}). Malformed JSON is 400,
// an oversized body 413.
func readObject(r *http.Request) (map[string]any, error) {
	return httpx.DecodeObject(r, httpx.MaxBodyBytes)
}

// unwrap returns the object under key when the body wraps its fields in it
// (Rails style), merged over any top-level fields; otherwise the body itself.
// A wrapper that is not an object is a validation error naming key.
func unwrap(obj map[string]any, key string) (map[string]any, error) {
	inner, ok := obj[key]
	if !ok || inner == nil {
		return obj, nil
	}
	m, ok := inner.(map[string]any)
	if !ok {
		v := domain.Validation{}
		v.Add(key, "must be an object")
		return nil, v.Err()
	}
	out := make(map[string]any, len(obj)+len(m))
	for k, val := range obj {
		if k != key {
			out[k] = val
		}
	}
	for k, val := range m {
		out[k] = val
	}
	return out, nil
}

// fields reads typed values out of a decoded object, recording a message
// per field of the wrong type in v.
type fields struct {
	obj map[string]any
	v   *domain.Validation
}

// has reports whether the key is present (even as null).
func (f fields) has(name string) bool { _, ok := f.obj[name]; return ok }

// str returns a string or nil (for null). Numbers and booleans are a type
// error unless allowNumber, when integers are accepted as their digits.
func (f fields) str(name string, allowNumber bool) (*string, bool) {
	raw, ok := f.obj[name]
	if !ok {
		return nil, false
	}
	switch x := raw.(type) {
	case nil:
		return nil, true
	case string:
		return &x, true
	case json.Number:
		if allowNumber {
			if _, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
				s := x.String()
				return &s, true
			}
		}
	}
	f.v.Add(name, "must be a string")
	return nil, true
}

// int returns an integer or nil (for null); digit strings are accepted.
func (f fields) int(name string) (*int64, bool) {
	raw, ok := f.obj[name]
	if !ok {
		return nil, false
	}
	if raw == nil {
		return nil, true
	}
	if n, ok := toInt(raw); ok {
		return &n, true
	}
	f.v.Add(name, "must be an integer")
	return nil, true
}

func toInt(raw any) (int64, bool) {
	switch x := raw.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, true
		}
		if fl, err := x.Float64(); err == nil && fl == math.Trunc(fl) && math.Abs(fl) < 1<<53 {
			return int64(fl), true
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

// bool returns a boolean; "true"/"false" strings are accepted.
func (f fields) bool(name string) (bool, bool) {
	raw, ok := f.obj[name]
	if !ok {
		return false, false
	}
	switch x := raw.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
	}
	f.v.Add(name, "must be true or false")
	return false, true
}

// ids returns a list of positive integer ids; null is an empty list.
func (f fields) ids(name string) ([]int64, bool) {
	raw, ok := f.obj[name]
	if !ok {
		return nil, false
	}
	if raw == nil {
		return []int64{}, true
	}
	list, ok := raw.([]any)
	if !ok {
		f.v.Add(name, "must be a list of ids")
		return nil, true
	}
	out := make([]int64, 0, len(list))
	for _, item := range list {
		n, ok := toInt(item)
		if !ok || n <= 0 {
			f.v.Add(name, "must be a list of ids")
			return nil, true
		}
		out = append(out, n)
	}
	return out, true
}

// time returns a date-time or nil (for null or ""); offset-less values are
// read in loc.
func (f fields) time(name string, loc *time.Location) (*time.Time, bool) {
	s, ok := f.str(name, false)
	if !ok || s == nil || strings.TrimSpace(*s) == "" {
		return nil, ok
	}
	t, good := parseTime(*s, loc)
	if !good {
		f.v.Add(name, "must be an ISO 8601 date-time")
		return nil, true
	}
	return &t, true
}
