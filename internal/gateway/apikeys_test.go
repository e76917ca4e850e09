package gateway

import (
	"context"
	"encoding/base64"
	"net/http"
	"slices"
	"testing"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestAPIKeyBasicAuth(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, Limits{Disabled: true})
		k, raw, err := CreateAPIKey(ctx, st, NewAPIKey{AccountID: e.a.ID, UserID: e.ua.ID, Name: "nexudus sync",
			Scopes: domain.NewScopeSet("account.person", "account.sync")}, e.clock.now)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) != apiKeyLen || k.Digest != Digest(raw) || k.Prefix != raw[:len(APIKeyPrefix)+displayLen] {
			t.Fatalf("minted %q, stored %+v", raw, k)
		}

		// curl -u KEY:x, any password, URL-safe base64 and no padding too.
		for _, auth := range []string{
			basic(raw, "x"), basic(raw, "X"), basic(raw, ""),
			"basic " + base64.RawURLEncoding.EncodeToString([]byte(raw+":x")),
		} {
			w := e.call("/api/3/people", "Authorization", auth)
			if w.Code != http.StatusOK {
				t.Fatalf("%q: %d %s", auth, w.Code, w.Body.String())
			}
			m := body(t, w)
			if m["via_api_key"] != true || m["account_id"] != float64(e.a.ID) || m["user_id"] != float64(e.ua.ID) {
				t.Fatalf("principal %v", m)
			}
			if s, _ := m["scopes"].([]any); len(s) != 2 {
				t.Fatalf("scopes %v", m["scopes"])
			}
			// The account's versions come with the key, as with a token.
			var want []any
			for _, l := range []store.List{store.ListPeople, store.ListEvents, store.ListSettings} {
				v, err := st.ListVersion(ctx, e.a.ID, l)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, float64(v))
			}
			if got, _ := m["versions"].([]any); !slices.Equal(got, want) || want[2] == float64(0) {
				t.Fatalf("versions read with the key %v, want %v (settings above 0)", m["versions"], want)
			}
		}
		if n := e.bearers.Load(); n != 0 {
			t.Fatalf("bearer authenticator called %d times for API keys", n)
		}

		// The last use is recorded at the next flush.
		if err := e.gw.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ := st.GetAPIKeyByDigest(ctx, k.Digest)
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(e.clock.now()) {
			t.Fatalf("last used %v", got.LastUsedAt)
		}

		// Wrong keys, garbage and keys in the query string are refused by
		// the API with 401.
		// The last character changed to a different one (not always "A":
		// a random key may already end in it).
		tampered := raw[:len(raw)-1] + map[bool]string{true: "B", false: "A"}[raw[len(raw)-1] == 'A']
		for _, c := range []struct{ path, auth, wire string }{
			{"/api/3/people", basic("lk_"+raw[3:10], "x"), "invalid_token"},
			{"/api/3/people", basic(tampered, "x"), "invalid_token"},
			{"/api/3/people", "Basic !!!not-base64", "invalid_token"},
			{"/api/3/people?api_key=" + raw, "", "invalid_request"},
			{"/api/3/people?api_key=" + raw, tokA, "invalid_request"},
		} {
			var w = e.call(c.path, "Authorization", c.auth)
			wantError(t, w, http.StatusUnauthorized, c.wire)
		}

		// Revoked keys stop working at once.
		if err := st.RevokeAPIKey(ctx, e.a.ID, k.ID, e.clock.now()); err != nil {
			t.Fatal(err)
		}
		wantError(t, e.call("/api/3/people", "Authorization", basic(raw, "x")), http.StatusUnauthorized, "invalid_token")

		// Authenticate works outside the middleware too.
		r, _ := http.NewRequest(http.MethodGet, "/api/3/people", nil)
		r.Header.Set("Authorization", tokB)
		if p, err := e.gw.Authenticate(r); err != nil || p.AccountID != e.b.ID {
			t.Fatalf("direct authenticate: %+v %v", p, err)
		}
	})
}

func TestCreateAPIKeyValidates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, Limits{})
		scopes := domain.NewScopeSet("account.person")
		for _, in := range []NewAPIKey{
			{AccountID: e.a.ID, UserID: e.ua.ID, Name: "", Scopes: scopes},
			{AccountID: e.a.ID, UserID: e.ua.ID, Name: "x"},
			{AccountID: e.a.ID, UserID: e.ua.ID, Name: "x", Scopes: domain.NewScopeSet("account.everything")},
		} {
			if _, _, err := CreateAPIKey(ctx, st, in, nil); domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("%+v: %v", in, err)
			}
		}
		if _, _, err := CreateAPIKey(ctx, st, NewAPIKey{AccountID: e.a.ID, UserID: e.ub.ID, Name: "x", Scopes: scopes}, nil); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("user of another account: %v", err)
		}
	})
}
