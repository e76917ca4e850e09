package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestConsoleQueries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, other := newAccount(t, s, "A"), newAccount(t, s, "B")
		names := [][3]string{{"Grace", "Hopper", "grace@navy.example"}, {"Ada", "Lovelace", "ada@engine.example"},
			{"Alan", "Turing", "alan.t@bletchley.example"}, {"Grace", "Kelly", "gk@monaco.example"}}
		var ids []int64
		for _, n := range names {
			p := &domain.Person{AccountID: a.ID, FirstName: n[0], LastName: n[1], Email: strp(n[2]), Enabled: true}
			if err := s.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		if err := s.CreatePerson(ctx, &domain.Person{AccountID: other.ID, FirstName: "Grace", LastName: "Other", Enabled: true}); err != nil {
			t.Fatal(err)
		}
		search := func(q string, after int64, limit int) []int64 {
			t.Helper()
			ps, err := s.SearchPeople(ctx, a.ID, q, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"", ids}, {"grace", []int64{ids[0], ids[3]}}, {"GRA", []int64{ids[0], ids[3]}}, {"love", []int64{ids[1]}},
			{"alan.t@", []int64{ids[2]}}, {"grace  kel", []int64{ids[3]}}, {"race", nil}, {"%", nil}, {"z", nil},
		} {
			if got := search(c.q, 0, 10); !equalIDs(got, c.want) {
				t.Errorf("search %q: %v, want %v", c.q, got, c.want)
			}
		}
		if got := search("", ids[1], 2); !equalIDs(got, ids[2:4]) {
			t.Errorf("page after %d: %v", ids[1], got)
		}
		if n, err := s.CountPeople(ctx, a.ID, store.PersonFilter{}); err != nil || n != 4 {
			t.Errorf("count: %d %v", n, err)
		}
		found, err := s.PeopleByEmail(ctx, a.ID, []string{"GRACE@navy.example", "nobody@example.com"})
		if err != nil || len(found) != 1 || found["grace@navy.example"].ID != ids[0] {
			t.Errorf("by email: %v %v", found, err)
		}

		// Events: newest first, paged by cursor across equal times.
		base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var evs []*domain.Event
		for i := range 7 {
			pid := ids[i%2]
			e := &domain.Event{AccountID: a.ID, EventCode: []int{10, 20, 31}[i%3], EventLabel: "e", PersonID: &pid,
				CreatedAt: base.Add(time.Duration(i/2) * time.Minute)} // pairs share a time
			if err := s.CreateEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
			evs = append(evs, e)
		}
		var seen []int64
		var cur *store.EventCursor
		for {
			page, err := s.EventLog(ctx, a.ID, store.LogFilter{Before: cur, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				seen = append(seen, e.ID)
			}
			last := page[len(page)-1]
			cur = &store.EventCursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		want := []int64{evs[6].ID, evs[5].ID, evs[4].ID, evs[3].ID, evs[2].ID, evs[1].ID, evs[0].ID}
		if !equalIDs(seen, want) {
			t.Errorf("paged log %v, want %v", seen, want)
		}
		mine, err := s.EventLog(ctx, a.ID, store.LogFilter{PersonID: ids[1], Codes: []int{20}, Limit: 10})
		if err != nil || len(mine) != 1 || mine[0].ID != evs[1].ID {
			t.Errorf("person and code filter: %v %v", mine, err)
		}
		counts, err := s.CountEventsByCode(ctx, a.ID, base.Add(time.Minute))
		if err != nil || counts[10] != 2 || counts[20] != 1 || counts[31] != 2 {
			t.Errorf("counts since: %v %v", counts, err)
		}
	})
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
