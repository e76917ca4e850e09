package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/api"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// BenchmarkListEvents pages through 100,000 events of the last 60 days on
// SQLite through the handler: the default filters (admits and rejects of
// the last 90 days, newest first, 50 a page) and a last_name filter.
func BenchmarkListEvents(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b, storetest.Backend{Name: "sqlite", DSN: filepath.Join(b.TempDir(), "events.db")})
	acct := &domain.Account{Name: "Bench", TimeZone: "Europe/London"}
	if err := st.CreateAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
	const events = 100000
	lastNames := []string{"Doe", "Smith", "Okafor", "Nakamura", "Garcia", "Novak", "Haddad", "Silva", "Kowalski", "Larsen"}
	err := st.InTx(ctx, func(tx *store.Store) error {
		for i := range events {
			ch, person := int64(i%12+1), int64(i%500+1)
			first, last := fmt.Sprintf("P%d", i%500), lastNames[i%len(lastNames)]
			name := first + " " + last
			codes := []int{10, 11, 20, 1, 30}
			e := &domain.Event{AccountID: acct.ID, EventCode: codes[i%len(codes)], EventLabel: name + " admitted using card",
				ChannelID: &ch, ChannelName: ptr(fmt.Sprintf("Door %d", ch)), PersonID: &person, PersonName: &name,
				PersonFirstName: &first, PersonLastName: &last, CredentialsNumber: ptr(fmt.Sprintf("%010d", person)),
				CreatedAt: now.Add(-time.Duration(i) * 52 * time.Second)}
			if err := tx.CreateEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	principal := &domain.Principal{AccountID: acct.ID, Scopes: domain.NewScopeSet("account.event.access.readonly")}
	a := api.New(api.Config{Store: st, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
		Auth: func(*http.Request) (*domain.Principal, error) { return principal, nil }})
	mux := http.NewServeMux()
	a.Register(mux)
	for _, bc := range []struct{ name, query string }{
		{"default", ""},
		{"last_name", "&last_name=okafor"},
		{"channel", "&channels=3,4"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req := httptest.NewRequest("GET", fmt.Sprintf("/api/3/events?page=%d%s", i%20+1, bc.query), nil)
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				if rec.Code != 200 || rec.Header().Get("Total") == "0" {
					b.Fatalf("status %d total %s: %.200s", rec.Code, rec.Header().Get("Total"), rec.Body)
				}
				i++
			}
		})
	}
}
