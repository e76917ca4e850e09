package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// benchStore opens a migrated SQLite store (PostgreSQL too when
// configured, as a second sub-benchmark level would be noisy: SQLite only).
func benchStore(b *testing.B) *store.Store {
	return storetest.Open(b, storetest.Backends(b)[0])
}

// BenchmarkMiddleware measures what the gateway adds to one API request:
// "direct" is the fake API alone, the others go through Middleware.
func BenchmarkMiddleware(b *testing.B) {
	st := benchStore(b)
	e := newEnv(b, st, Limits{PerCredential: 1e9, PerCredentialBurst: 1e9, PerAccount: 1e9, PerAccountBurst: 1e9})
	sub, _ := e.subKey(e.a.ID)
	_, apiKey, err := CreateAPIKey(context.Background(), st, NewAPIKey{AccountID: e.a.ID, UserID: e.ua.ID, Name: "bench",
		Scopes: domain.NewScopeSet("account.person")}, nil)
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name    string
		h       http.Handler
		headers []string
	}{
		{"direct", e.api, []string{"Authorization", tokA}},
		{"bearer", e.h, []string{"Authorization", tokA}},
		{"bearer+subscription_key", e.h, []string{"Authorization", tokA, SubscriptionHeader, sub}},
		{"api_key", e.h, []string{"Authorization", basic(apiKey, "x")}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/api/3/people", nil)
			for i := 0; i+1 < len(c.headers); i += 2 {
				r.Header.Set(c.headers[i], c.headers[i+1])
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d %s", w.Code, w.Body.String())
				}
			}
		})
	}
}

// BenchmarkUsageCounting compares counting a subscription-key request in
// memory (what the middleware does) with one UPDATE per request.
func BenchmarkUsageCounting(b *testing.B) {
	st := benchStore(b)
	e := newEnv(b, st, Limits{})
	_, k := e.subKey(e.a.ID)
	now := time.Now()
	b.Run("in_memory", func(b *testing.B) {
		for b.Loop() {
			e.gw.usage.subscription(k.ID, now)
		}
	})
	b.Run("update_per_request", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			if err := st.AddSubscriptionUsage(ctx, []store.SubscriptionUsage{{KeyID: k.ID, Requests: 1, LastUsed: now}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
