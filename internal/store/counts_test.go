package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// rawCount counts rows with COUNT(*), as the lists did before the counts.
func rawCount(t *testing.T, s *store.Store, query string, args ...any) int {
	t.Helper()
	if s.Dialect() == store.Postgres {
		n := 0
		query = mapQuestionMarks(query, func() string { n++; return fmt.Sprintf("$%d", n) })
	}
	var c int
	if err := s.DB().QueryRowContext(context.Background(), query, args...).Scan(&c); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return c
}

func mapQuestionMarks(q string, f func() string) string {
	var b strings.Builder
	for _, r := range q {
		if r == '?' {
			b.WriteString(f())
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkTotals compares every total the lists answer from the kept counts
// with COUNT(*) over the rows.
func checkTotals(t *testing.T, s *store.Store, accountID int64, now time.Time) {
	t.Helper()
	ctx := context.Background()
	_, total, err := s.ListPeople(ctx, accountID, store.PersonFilter{Page: store.Page{Limit: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if want := rawCount(t, s, `SELECT COUNT(*) FROM people WHERE account_id = ?`, accountID); total != want {
		t.Fatalf("people total %d, COUNT(*) %d", total, want)
	}
	if n, err := s.CountPeople(ctx, accountID, store.PersonFilter{}); err != nil || n != total {
		t.Fatalf("CountPeople %d %v, want %d", n, err, total)
	}
	_, total, err = s.ListCredentials(ctx, accountID, nil, store.Page{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := rawCount(t, s, `SELECT COUNT(*) FROM credentials WHERE account_id = ?`, accountID); total != want {
		t.Fatalf("credentials total %d, COUNT(*) %d", total, want)
	}
	access := []int{10, 11, 12, 20, 21, 24}
	for _, codes := range [][]int{nil, access, {20}, {99}} {
		// Starts at every hour and a few odd minutes over 40 days, so the
		// first day is taken whole and in part on either side of noon.
		for h := -2; h < 40*24; h += 5 {
			since := now.Add(-time.Duration(h)*time.Hour - time.Duration(h%7)*time.Minute - 13*time.Millisecond)
			_, total, err := s.ListEvents(ctx, accountID, store.EventFilter{Codes: codes, Since: since, Page: store.Page{Limit: 1}})
			if err != nil {
				t.Fatal(err)
			}
			q := `SELECT COUNT(*) FROM events WHERE account_id = ? AND created_at >= ?`
			args := []any{accountID, since.UnixMilli()}
			if len(codes) > 0 {
				q += ` AND event_code IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(codes)), ", ") + `)`
				for _, c := range codes {
					args = append(args, c)
				}
			}
			if want := rawCount(t, s, q, args...); total != want {
				t.Fatalf("events since %s codes %v: total %d, COUNT(*) %d", since, codes, total, want)
			}
		}
	}
}

func TestCountsMatchRows(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		acct, err := demo.Seed(ctx, s, demo.Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		other := newAccount(t, s, "Other")
		if err := demo.AddPeople(ctx, s, acct.ID, 300, now, nil); err != nil {
			t.Fatal(err)
		}
		checkTotals(t, s, acct.ID, now)
		checkTotals(t, s, other.ID, now)

		types, _, err := s.ListCredentialTypes(ctx, acct.ID, store.Page{})
		if err != nil || len(types) == 0 {
			t.Fatalf("credential types: %v %v", types, err)
		}
		var pin *domain.CredentialType
		for _, ty := range types {
			if ty.Slug == "pin" {
				pin = ty
			}
		}
		if pin == nil {
			t.Fatal("the demo has no PIN type")
		}
		people, _, err := s.ListPeople(ctx, acct.ID, store.PersonFilter{Page: store.Page{Limit: 400}})
		if err != nil {
			t.Fatal(err)
		}
		// Mixed writes: people one by one and deleted (with their
		// credentials), credentials added and removed, a refused bulk
		// insert, the other account's people.
		for i, p := range people[:60] {
			switch i % 3 {
			case 0:
				if err := s.DeletePerson(ctx, acct.ID, p.ID); err != nil {
					t.Fatal(err)
				}
			case 1:
				held, err := s.CredentialsOfPeople(ctx, acct.ID, []int64{p.ID})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range held {
					if _, err := s.DeleteCredential(ctx, acct.ID, p.ID, c.UID, now); err != nil {
						t.Fatal(err)
					}
				}
				c := &domain.Credential{AccountID: acct.ID, PersonID: p.ID, CredentialTypeID: pin.ID, Value: strp(fmt.Sprintf("%06d", 300000+i))}
				if err := s.CreateCredential(ctx, c); err != nil {
					t.Fatal(err)
				}
				if i%2 == 0 {
					if _, err := s.DeleteCredential(ctx, acct.ID, p.ID, c.UID, now); err != nil {
						t.Fatal(err)
					}
				}
			case 2:
				np := &domain.Person{AccountID: other.ID, FirstName: "O", LastName: fmt.Sprint(i), Enabled: true}
				if err := s.CreatePerson(ctx, np); err != nil {
					t.Fatal(err)
				}
				if i%4 == 0 {
					if err := s.DeletePerson(ctx, other.ID, np.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		dup := []store.BulkPerson{
			{Person: &domain.Person{FirstName: "A", LastName: "B", Email: strp("dup@example.com")}},
			{Person: &domain.Person{FirstName: "C", LastName: "D", Email: strp("DUP@example.com")}},
		}
		if err := s.BulkCreatePeople(ctx, acct.ID, dup); err == nil {
			t.Fatal("a batch with one email twice was accepted")
		}
		if err := s.CreatePerson(ctx, &domain.Person{AccountID: acct.ID, FirstName: "X", LastName: "Y", GroupIDs: []int64{1 << 40}}); err == nil {
			t.Fatal("a person in a missing group was accepted")
		}

		// Events: one by one, in bulk, from a controller (with a repeat
		// that is not stored again), over 45 days and a few in the future.
		rnd := rand.New(rand.NewPCG(1, 2))
		ev := func(acctID int64, at time.Time) *domain.Event {
			codes := []int{10, 11, 12, 20, 21, 24, 1, 2}
			return &domain.Event{AccountID: acctID, EventCode: codes[rnd.IntN(len(codes))], EventLabel: "x", CreatedAt: at}
		}
		for i := range 200 {
			if err := s.CreateEvent(ctx, ev(acct.ID, now.Add(-time.Duration(rnd.Int64N(int64(45*24*time.Hour)))))); err != nil {
				t.Fatal(err)
			}
			if i%10 == 0 {
				if err := s.CreateEvent(ctx, ev(other.ID, now.Add(time.Duration(i)*time.Minute))); err != nil {
					t.Fatal(err)
				}
			}
		}
		var bulk []*domain.Event
		for range 3000 {
			bulk = append(bulk, ev(acct.ID, now.Add(-time.Duration(rnd.Int64N(int64(45*24*time.Hour))))))
		}
		if err := s.BulkCreateEvents(ctx, bulk); err != nil {
			t.Fatal(err)
		}
		var ctrl []*domain.Event
		for i := range 50 {
			e := ev(acct.ID, now.Add(-time.Duration(i)*time.Hour))
			e.ClientEventID = strp(fmt.Sprint("c-", i%40))
			ctrl = append(ctrl, e)
		}
		res, err := s.StoreControllerEvents(ctx, ctrl)
		if err != nil {
			t.Fatal(err)
		}
		if !res[45].Duplicate || res[5].Duplicate {
			t.Fatalf("controller events: %+v", res)
		}
		// A refused event (its client id again) counts nothing.
		again := ev(acct.ID, now)
		again.ClientEventID = strp("c-3")
		if err := s.CreateEvent(ctx, again); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("repeated client id: %v", err)
		}

		// Concurrent writers (on PostgreSQL, on different count rows).
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Go(func() {
				for k := range 15 {
					p := &domain.Person{AccountID: acct.ID, FirstName: "W", LastName: fmt.Sprint(w, "-", k), Enabled: true}
					if err := s.CreatePerson(ctx, p); err != nil {
						errs <- err
						return
					}
					if k%3 == 0 {
						if err := s.DeletePerson(ctx, acct.ID, p.ID); err != nil {
							errs <- err
							return
						}
					}
					if err := s.CreateEvent(ctx, &domain.Event{AccountID: acct.ID, EventCode: 10, EventLabel: "w", CreatedAt: now}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		checkTotals(t, s, acct.ID, now)
		checkTotals(t, s, other.ID, now)
		checkDeepPages(t, s, acct.ID, now)
	})
}

// rawIDs runs a query returning ids.
func rawIDs(t *testing.T, s *store.Store, query string, args ...any) []int64 {
	t.Helper()
	if s.Dialect() == store.Postgres {
		n := 0
		query = mapQuestionMarks(query, func() string { n++; return fmt.Sprintf("$%d", n) })
	}
	rows, err := s.DB().QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// checkDeepPages compares deep pages of events (found through the day
// counts) with the same pages taken by OFFSET.
func checkDeepPages(t *testing.T, s *store.Store, accountID int64, now time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, codes := range [][]int{nil, {10, 11, 12, 20, 21, 24}} {
		for _, asc := range []bool{false, true} {
			// Starts 12 hours of the day apart: one in each half of its
			// day, whatever the hour now, so that the first day is
			// counted both ways (whole less the events before the start,
			// and from the start on).
			for _, back := range []time.Duration{30*24*time.Hour + 7*time.Hour, 40*24*time.Hour + 19*time.Hour} {
				since := now.Add(-back)
				q := `SELECT id FROM events WHERE account_id = ? AND created_at >= ?`
				args := []any{accountID, since.UnixMilli()}
				if len(codes) > 0 {
					q += ` AND event_code IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(codes)), ", ") + `)`
					for _, c := range codes {
						args = append(args, c)
					}
				}
				if asc {
					q += ` ORDER BY created_at, id`
				} else {
					q += ` ORDER BY created_at DESC, id DESC`
				}
				all := rawIDs(t, s, q, args...)
				for _, off := range []int{0, 999, 1000, 1234, 1777, 2050, len(all) - 150, len(all) - 100, len(all) - 1, len(all)} {
					if off < 0 {
						continue
					}
					got, total, err := s.ListEvents(ctx, accountID, store.EventFilter{Codes: codes, Since: since, Ascending: asc,
						Page: store.Page{Limit: 100, Offset: off}})
					if err != nil {
						t.Fatal(err)
					}
					want := all[min(off, len(all)):min(off+100, len(all))]
					if total != len(all) || len(got) != len(want) {
						t.Fatalf("codes %v asc %v offset %d: %d events of %d, want %d of %d", codes, asc, off, len(got), total, len(want), len(all))
					}
					for i := range got {
						if got[i].ID != want[i] {
							t.Fatalf("codes %v asc %v offset %d: event %d is %d, want %d", codes, asc, off, i, got[i].ID, want[i])
						}
					}
				}
			}
		}
	}
}

// Deep pages of people (offset 1,000 and beyond) are found through the
// people counted per block of ids; they must be exactly the pages OFFSET
// gives, with the ids of two accounts interleaved, after single and bulk
// inserts and deletes. The block counts themselves must match the rows
// whoever wrote them, plain SQL included.
func TestDeepPeoplePagesMatchOffset(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := newAccount(t, s, "Deep A"), newAccount(t, s, "Deep B")
		bulk := func(acct int64, n int, tag string) {
			t.Helper()
			people := make([]store.BulkPerson, n)
			for i := range people {
				people[i].Person = &domain.Person{AccountID: acct, FirstName: tag, LastName: fmt.Sprint(i), Enabled: true}
			}
			if err := s.BulkCreatePeople(ctx, acct, people); err != nil {
				t.Fatal(err)
			}
		}
		one := func(acct int64, i int) int64 {
			t.Helper()
			p := &domain.Person{AccountID: acct, FirstName: "One", LastName: fmt.Sprint(i), Enabled: true}
			if err := s.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}
		bulk(a.ID, 1500, "A1")
		var mine []int64
		for i := range 700 { // ids of the two accounts interleaved
			if id := one([]int64{a.ID, b.ID}[i%2], i); i%2 == 0 {
				mine = append(mine, id)
			}
		}
		bulk(b.ID, 1300, "B1")
		bulk(a.ID, 1200, "A2")
		for i, id := range mine {
			if i%7 == 0 {
				if err := s.DeletePerson(ctx, a.ID, id); err != nil {
					t.Fatal(err)
				}
			}
		}

		checkBlocks := func(when string) {
			t.Helper()
			kept := rawIDs(t, s, `SELECT COUNT(*) FROM (SELECT account_id, block FROM people_blocks GROUP BY account_id, block HAVING SUM(n) <> 0) x`)
			rows := rawIDs(t, s, `SELECT COUNT(*) FROM (SELECT account_id, id / 1024 AS block, COUNT(*) AS n FROM people GROUP BY account_id, id / 1024) x`)
			same := rawIDs(t, s, `SELECT COUNT(*) FROM (SELECT account_id, id / 1024 AS block, COUNT(*) AS n FROM people GROUP BY account_id, id / 1024) r
				JOIN (SELECT account_id, block, SUM(n) AS n FROM people_blocks GROUP BY account_id, block) k
				ON k.account_id = r.account_id AND k.block = r.block AND k.n = r.n`)
			if kept[0] != rows[0] || same[0] != rows[0] {
				t.Fatalf("%s: %d blocks kept, %d blocks of rows, %d equal", when, kept[0], rows[0], same[0])
			}
		}
		checkBlocks("after inserts and deletes")

		for _, acct := range []int64{a.ID, b.ID} {
			all := rawIDs(t, s, `SELECT id FROM people WHERE account_id = ? ORDER BY id`, acct)
			for _, off := range []int{0, 999, 1000, 1023, 1024, 1100, 1500, 2047, 2048, 2500, len(all) - 150, len(all) - 100, len(all) - 1, len(all)} {
				if off < 0 {
					continue
				}
				got, total, err := s.ListPeople(ctx, acct, store.PersonFilter{Page: store.Page{Limit: 100, Offset: off}})
				if err != nil {
					t.Fatal(err)
				}
				want := all[min(off, len(all)):min(off+100, len(all))]
				if total != len(all) || len(got) != len(want) {
					t.Fatalf("account %d offset %d: %d people of %d, want %d of %d", acct, off, len(got), total, len(want), len(all))
				}
				for i := range got {
					if got[i].ID != want[i] {
						t.Fatalf("account %d offset %d: person %d is %d, want %d", acct, off, i, got[i].ID, want[i])
					}
				}
			}
		}

		// Plain SQL: a person moved to the other account, then deleted.
		q := func(query string, args ...any) {
			t.Helper()
			if s.Dialect() == store.Postgres {
				n := 0
				query = mapQuestionMarks(query, func() string { n++; return fmt.Sprintf("$%d", n) })
			}
			if _, err := s.DB().ExecContext(ctx, query, args...); err != nil {
				t.Fatal(err)
			}
		}
		q(`UPDATE people SET account_id = ? WHERE id = ?`, b.ID, mine[1])
		checkBlocks("after a move")
		q(`DELETE FROM people WHERE id = ?`, mine[1])
		checkBlocks("after a plain delete")
	})
}
