package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestCredentialLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		_, types, _ := e.ids()
		p := expect[obj](t, c.do("POST", "/api/3/people", `{"first_name":"Kay","last_name":"Pin"}`), 201)
		q := expect[obj](t, c.do("POST", "/api/3/people", `{"first_name":"Lee","last_name":"Pin"}`), 201)
		base := fmt.Sprintf("/api/3/people/%d/credentials", num(t, p["id"]))
		other := fmt.Sprintf("/api/3/people/%d/credentials", num(t, q["id"]))

		// PIN format: 4 to 8 digits, leading zeros kept.
		for _, bad := range []string{`"123"`, `"12AB"`, `"1234 "`, `""`, `"123456789"`, `12.5`, `true`} {
			b := errorBody(t, c.do("POST", base, fmt.Sprintf(`{"person_credential":{"credential_type_id":%d,"value":%s}}`, types["PIN"], bad)), 422, "validation_failed")
			if b["errors"].(obj)["value"] == nil {
				t.Errorf("PIN %s: %v", bad, b)
			}
		}
		pin := expect[obj](t, c.do("POST", base, fmt.Sprintf(`{"person_credential":{"credential_type_id":%d,"value":"0042"}}`, types["PIN"])), 201)
		if pin["value"] != "0042" || pin["label"] != "PIN" {
			t.Fatalf("pin %v", pin)
		}
		// A second PIN for the same person: 409 with the existing credential.
		dup := expect[obj](t, c.do("POST", base, fmt.Sprintf(`{"person_credential":{"credential_type_id":%d,"value":"9999"}}`, types["PIN"])), 409)
		if dup["id"] != pin["id"] || dup["value"] != "0042" {
			t.Fatalf("409 body %v", dup)
		}
		// The same value for someone else: 422 on value.
		b := errorBody(t, c.do("POST", other, fmt.Sprintf(`{"person_credential":{"credential_type_id":%d,"value":"0042"}}`, types["PIN"])), 422, "validation_failed")
		if fmt.Sprint(b["errors"]) != "map[value:[value is already in use on your account]]" {
			t.Fatalf("value in use: %v", b)
		}
		// The same value on another type is fine (uniqueness is per type).
		expect[obj](t, c.do("POST", other, fmt.Sprintf(`{"person_credential":{"credential_type_id":%d,"value":"0042"}}`, types["Key fob"])), 201)
		// Unknown type, missing type, unwrapped legacy body.
		b = errorBody(t, c.do("POST", base, `{"person_credential":{"credential_type_id":999999,"value":"1"}}`), 422, "validation_failed")
		if b["errors"].(obj)["credential_type_id"] == nil {
			t.Fatalf("unknown type: %v", b)
		}
		errorBody(t, c.do("POST", base, `{"person_credential":{}}`), 422, "validation_failed")
		card := expect[obj](t, c.do("POST", base, fmt.Sprintf(`{"credential_type_id":%d,"value":12345678}`, types["Card"])), 201)
		if card["value"] != "12345678" {
			t.Fatalf("unwrapped numeric card %v", card)
		}

		// Get, list, update (201, "******" regenerates), delete (text/plain).
		cpath := fmt.Sprintf("%s/%s", base, pin["id"])
		expect[obj](t, c.do("GET", cpath, ""), 200)
		rec := c.do("GET", base, "")
		if l := expect[list](t, rec, 200); len(l) != 2 || rec.Header().Get("Total") != "2" {
			t.Fatalf("list %v", l)
		}
		if all := expect[list](t, c.do("GET", "/api/3/credentials?per_page=3", ""), 200); len(all) != 3 {
			t.Fatalf("all credentials %d", len(all))
		}
		u := expect[obj](t, c.do("PUT", cpath, `{"person_credential":{"value":"******"}}`), 201)
		if u["value"] == "0042" || len(u["value"].(string)) < 4 {
			t.Fatalf("regenerated %v", u)
		}
		errorBody(t, c.do("PUT", cpath, `{"person_credential":{"value":"12"}}`), 422, "validation_failed")
		errorBody(t, c.do("PUT", cpath, `{"person_credential":{}}`), 422, "validation_failed")
		rec = c.do("DELETE", cpath, "")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("delete %d %v", rec.Code, rec.Header())
		}
		errorBody(t, c.do("GET", cpath, ""), 404, "not_found")
		errorBody(t, c.do("DELETE", cpath, ""), 404, "not_found")

		// Mobile: no value, invited, with a one-time link to hand over (no
		// email here); deleting revokes it (202), deleting a revoked one
		// removes it (200).
		m := expect[obj](t, c.do("POST", base, fmt.Sprintf(`{"person_credential":{"credential_type_id":%d}}`, types["Mobile"])), 201)
		if m["status"] != "invited" || m["value"] != nil || m["invitation_emailed"] != false || m["invitation_expires_at"] == nil {
			t.Fatalf("mobile %v", m)
		}
		if u, _ := m["url"].(string); !strings.HasPrefix(u, "http://lintel.test/mobile/activate?token=") {
			t.Fatalf("mobile url %v", m["url"])
		}
		mpath := fmt.Sprintf("%s/%s", base, m["id"])
		if rec := c.do("DELETE", mpath, ""); rec.Code != 202 {
			t.Fatalf("mobile delete %d", rec.Code)
		}
		if g := expect[obj](t, c.do("GET", mpath, ""), 200); g["status"] != "revoked" || g["url"] != nil {
			t.Fatalf("revoked mobile %v", g)
		}
		if rec := c.do("DELETE", mpath, ""); rec.Code != 200 {
			t.Fatalf("delete revoked mobile %d", rec.Code)
		}
		errorBody(t, c.do("GET", mpath, ""), 404, "not_found")
	})
}
