package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestAuditCommitsWithTheWrite: a write made with an actor and its audit
// row commit together, and roll back together.
func TestAuditCommitsWithTheWrite(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		bg := context.Background()
		acct := &domain.Account{Name: "A", TimeZone: "UTC"}
		if err := s.CreateAccount(bg, acct); err != nil {
			t.Fatal(err)
		}
		actor := store.Actor{AccountID: acct.ID, Kind: store.ActorOperator, ID: 7, UserID: 7, Display: "ops@a.example", IP: "192.0.2.1", UserAgent: "test"}
		ctx := store.WithActor(bg, actor)

		// No actor, no row.
		if err := s.CreateSite(bg, &domain.Site{AccountID: acct.ID, Name: "Quiet"}); err != nil {
			t.Fatal(err)
		}
		if _, n, _ := s.ListAuditEvents(bg, acct.ID, store.AuditFilter{}); n != 0 {
			t.Fatalf("a write without an actor was audited: %d", n)
		}

		// An implicit operation: the table, the action and the new row's id.
		site := &domain.Site{AccountID: acct.ID, Name: "HQ"}
		if err := s.CreateSite(ctx, site); err != nil {
			t.Fatal(err)
		}
		evs, n, err := s.ListAuditEvents(bg, acct.ID, store.AuditFilter{})
		if err != nil || n != 1 {
			t.Fatalf("after create: %d %v", n, err)
		}
		e := evs[0]
		if e.Resource != "sites" || e.Action != "create" || e.ResourceID != strconv.FormatInt(site.ID, 10) || e.ActorKind != store.ActorOperator ||
			e.ActorID != 7 || e.ActorDisplay != "ops@a.example" || e.IP != "192.0.2.1" || e.UserAgent != "test" {
			t.Errorf("implicit audit row %+v", e)
		}

		// An explicit operation, with a secret among its fields; recorded
		// once however many transactions follow.
		octx := store.WithOperation(ctx, store.Operation{Resource: "people", ResourceID: "42", Action: "update",
			Changes: map[string]any{"first_name": "Ada", "password": "hunter2", "credentials": []any{map[string]any{"value": "1234"}},
				"image_base64": strings.Repeat("iVBO", 50_000), "notes": strings.Repeat("é", 3000)}})
		site.Name = "HQ 2"
		if err := s.UpdateSite(octx, site); err != nil {
			t.Fatal(err)
		}
		site.Name = "HQ 3"
		if err := s.UpdateSite(octx, site); err != nil {
			t.Fatal(err)
		}
		evs, n, _ = s.ListAuditEvents(bg, acct.ID, store.AuditFilter{Resource: "people"})
		if n != 1 {
			t.Fatalf("explicit operation recorded %d times", n)
		}
		e = evs[0]
		if e.ResourceID != "42" || e.Action != "update" || e.Changes["first_name"] != "Ada" || e.Changes["password"] != store.Redacted {
			t.Errorf("explicit audit row %+v", e)
		}
		if cr := e.Changes["credentials"].([]any)[0].(map[string]any); cr["value"] != store.Redacted {
			t.Errorf("nested secret kept: %v", cr)
		}
		// A photo keeps only its length; long text its start and length.
		if got := e.Changes["image_base64"]; got != "[200000 characters]" {
			t.Errorf("photo in the audit log: %.80v", got)
		}
		if notes, _ := e.Changes["notes"].(string); len(notes) > 1100 || !strings.HasSuffix(notes, "[3000 characters]") || !utf8.ValidString(notes) {
			t.Errorf("long text in the audit log: %d bytes, ends %q", len(notes), notes[max(0, len(notes)-30):])
		}

		// A failed transaction leaves neither the write nor its row.
		boom := errors.New("boom")
		_, before, _ := s.ListSites(bg, acct.ID, store.Page{})
		err = s.InTx(ctx, func(tx *store.Store) error {
			if err := tx.CreateSite(ctx, &domain.Site{AccountID: acct.ID, Name: "Doomed"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		_, after, _ := s.ListSites(bg, acct.ID, store.Page{})
		if after != before {
			t.Errorf("the site was kept: %d -> %d", before, after)
		}
		if _, n, _ := s.ListAuditEvents(bg, acct.ID, store.AuditFilter{}); n != 2 {
			t.Errorf("rows after rollback: %d, want 2", n)
		}

		// A write that fails in the database leaves no row either.
		if err := s.UpdateSite(ctx, &domain.Site{ID: 99999, AccountID: acct.ID, Name: "Ghost"}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("ghost update: %v", err)
		}
		if _, n, _ := s.ListAuditEvents(bg, acct.ID, store.AuditFilter{}); n != 2 {
			t.Errorf("rows after a failed write: %d, want 2", n)
		}

		// Filters, paging and the export iterator.
		if _, n, _ := s.ListAuditEvents(bg, acct.ID, store.AuditFilter{ActorKind: store.ActorOperator, ActorID: 8}); n != 0 {
			t.Errorf("actor filter matched %d", n)
		}
		if _, n, _ := s.ListAuditEvents(bg, acct.ID, store.AuditFilter{UserID: 7, Since: time.Now().Add(-time.Hour), Until: time.Now().Add(time.Hour)}); n != 2 {
			t.Errorf("user/time filter matched %d", n)
		}
		if _, n, _ := s.ListAuditEvents(bg, acct.ID, store.AuditFilter{Until: time.Now().Add(-time.Hour)}); n != 0 {
			t.Errorf("until filter matched %d", n)
		}
		page, n, _ := s.ListAuditEvents(bg, acct.ID, store.AuditFilter{Page: store.Page{Limit: 1, Offset: 1}})
		if n != 2 || len(page) != 1 || page[0].Resource != "sites" || page[0].Action != "create" {
			t.Errorf("second page: %d %+v", n, page)
		}
		var ids []int64
		for e, err := range s.AuditEvents(bg, acct.ID, store.AuditFilter{}) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		if len(ids) != 2 || ids[0] > ids[1] {
			t.Errorf("export order %v", ids)
		}
		if _, n, _ := s.ListAuditEvents(bg, acct.ID+1, store.AuditFilter{}); n != 0 {
			t.Errorf("another account sees %d rows", n)
		}
		if got, err := s.GetAuditEvent(bg, acct.ID, ids[0]); err != nil || got.ID != ids[0] {
			t.Errorf("get: %v", err)
		}
		if _, err := s.GetAuditEvent(bg, acct.ID+1, ids[0]); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("get from another account: %v", err)
		}
	})
}

// TestAuditExportBatches: the export iterator crosses batch boundaries and
// stops when the caller breaks.
func TestAuditExportBatches(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		bg := context.Background()
		acct := &domain.Account{Name: "A", TimeZone: "UTC"}
		if err := s.CreateAccount(bg, acct); err != nil {
			t.Fatal(err)
		}
		ctx := store.WithActor(bg, store.Actor{AccountID: acct.ID, Kind: store.ActorCLI, Display: "cli"})
		const n = 1203
		err := s.InTx(bg, func(tx *store.Store) error {
			for i := 0; i < n; i++ {
				// Each operation gets its own row.
				octx := store.WithOperation(ctx, store.Operation{Resource: "sites", Action: "create"})
				if err := tx.CreateSite(octx, &domain.Site{AccountID: acct.ID, Name: "S"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		count, last := 0, int64(0)
		for e, err := range s.AuditEvents(bg, acct.ID, store.AuditFilter{Resource: "sites"}) {
			if err != nil {
				t.Fatal(err)
			}
			if e.ID <= last {
				t.Fatalf("out of order: %d after %d", e.ID, last)
			}
			last = e.ID
			count++
		}
		if count != n {
			t.Errorf("exported %d, want %d", count, n)
		}
		count = 0
		for range s.AuditEvents(bg, acct.ID, store.AuditFilter{}) {
			count++
			if count == 10 {
				break
			}
		}
		if count != 10 {
			t.Errorf("break: %d", count)
		}
	})
}
