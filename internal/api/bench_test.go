package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/lintel-dev/lintel/internal/api"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// BenchmarkListPeople pages through 10,000 people (each in a group, with a
// card and a PIN) on SQLite through the handler, 50 people a page.
func BenchmarkListPeople(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b, storetest.Backend{Name: "sqlite", DSN: filepath.Join(b.TempDir(), "bench.db")})
	acct := &domain.Account{Name: "Bench", TimeZone: "Europe/London"}
	if err := st.CreateAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	g := &domain.Group{AccountID: acct.ID, Name: "Members"}
	card := &domain.CredentialType{AccountID: acct.ID, Label: "Card", Kind: domain.KindCard}
	pin := &domain.CredentialType{AccountID: acct.ID, Label: "PIN", Kind: domain.KindPIN}
	if err := st.CreateGroup(ctx, g); err != nil {
		b.Fatal(err)
	}
	for _, t := range []*domain.CredentialType{card, pin} {
		if err := st.CreateCredentialType(ctx, t); err != nil {
			b.Fatal(err)
		}
	}
	const people = 10000
	err := st.InTx(ctx, func(tx *store.Store) error {
		for i := range people {
			email := fmt.Sprintf("person%d@example.com", i)
			p := &domain.Person{AccountID: acct.ID, FirstName: "Person", LastName: fmt.Sprint(i), Email: &email, Enabled: true, GroupIDs: []int64{g.ID}}
			if err := tx.CreatePerson(ctx, p); err != nil {
				return err
			}
			for _, c := range []*domain.Credential{
				{CredentialTypeID: card.ID, Value: ptr(fmt.Sprintf("%010d", i))},
				{CredentialTypeID: pin.ID, Value: ptr(fmt.Sprintf("%06d", i))},
			} {
				c.AccountID, c.PersonID = acct.ID, p.ID
				if err := tx.CreateCredential(ctx, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	principal := &domain.Principal{AccountID: acct.ID, Scopes: domain.NewScopeSet("account.person.readonly")}
	a := api.New(api.Config{Store: st, Log: slog.New(slog.DiscardHandler), Auth: func(*http.Request) (*domain.Principal, error) { return principal, nil }})
	mux := http.NewServeMux()
	a.Register(mux)
	pages := people / 50
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		req := httptest.NewRequest("GET", fmt.Sprintf("/api/3/people?page=%d", i%pages+1), nil)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Total") != "10000" {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		i++
	}
}

func ptr(s string) *string { return &s }
