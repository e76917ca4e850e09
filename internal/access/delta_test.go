package access

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// stateOf collects what Apply needs about one person of src.
func stateOf(src Source, p *domain.Person) PersonState {
	st := PersonState{Person: p}
	for _, c := range src.Credentials {
		if c.PersonID == p.ID {
			st.Credentials = append(st.Credentials, c)
		}
	}
	for _, r := range src.Reservations {
		if r.PersonID == p.ID {
			st.Reservations = append(st.Reservations, r)
		}
	}
	for _, g := range src.GroupReservations {
		if g.PersonID == p.ID {
			st.GroupReservations = append(st.GroupReservations, g)
		}
	}
	return st
}

// TestApplyMatchesRebuild changes random people and doors, applies the
// change as a delta, and checks every decision equals that of a snapshot
// rebuilt from the changed source.
func TestApplyMatchesRebuild(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for round := range 60 {
		src := randomSource(r)
		snap := Build(src, t0)
		for step := range 5 {
			next := cloneSource(src)
			var d Delta
			d.At = t0.Add(time.Duration(step) * time.Minute)
			// Change a person: groups, enabled, and a new card value.
			p := next.People[r.IntN(len(next.People))]
			p.Enabled = r.IntN(2) == 0
			p.GroupIDs = []int64{int64(1 + r.IntN(5))}
			for _, c := range next.Credentials {
				if c.PersonID == p.ID && c.CredentialTypeID == tCard {
					c.Value = ptr(fmt.Sprint("n", round, "-", step))
				}
			}
			d.People = append(d.People, stateOf(next, p))
			// Remove another person.
			gone := next.People[r.IntN(len(next.People))]
			if gone.ID != p.ID {
				d.RemovedPeople = append(d.RemovedPeople, gone.ID)
				next = without(next, gone.ID)
			}
			// Put a door into lockdown or unlock it.
			ch := *next.Channels[r.IntN(len(next.Channels))]
			ch.CardLockdown = !ch.CardLockdown
			for i := range next.Channels {
				if next.Channels[i].ID == ch.ID {
					next.Channels[i] = &ch
				}
			}
			d.Channels = append(d.Channels, &ch)

			applied := snap.Apply(d)
			rebuilt := Build(next, d.At)
			for _, q := range append(randomQueries(r, 300), query{chFront % 6, tCard, fmt.Sprint("n", round, "-", step), t0}) {
				a := Evaluate(applied, q.channel, q.typ, q.value, q.at)
				b := Evaluate(rebuilt, q.channel, q.typ, q.value, q.at)
				if a != b {
					t.Fatalf("round %d step %d %+v: applied %+v, rebuilt %+v", round, step, q, a, b)
				}
			}
			if applied.People() != rebuilt.People() || applied.Credentials() != rebuilt.Credentials() || !applied.BuiltAt().Equal(d.At) {
				t.Fatalf("counts: applied %d/%d rebuilt %d/%d", applied.People(), applied.Credentials(), rebuilt.People(), rebuilt.Credentials())
			}
			src, snap = next, applied
		}
	}
}

func without(src Source, personID int64) Source {
	out := src
	out.People, out.Credentials, out.Reservations, out.GroupReservations = nil, nil, nil, nil
	for _, p := range src.People {
		if p.ID != personID {
			out.People = append(out.People, p)
		}
	}
	for _, c := range src.Credentials {
		if c.PersonID != personID {
			out.Credentials = append(out.Credentials, c)
		}
	}
	for _, x := range src.Reservations {
		if x.PersonID != personID {
			out.Reservations = append(out.Reservations, x)
		}
	}
	for _, x := range src.GroupReservations {
		if x.PersonID != personID {
			out.GroupReservations = append(out.GroupReservations, x)
		}
	}
	return out
}

func TestApplyLeavesTheOldSnapshotAlone(t *testing.T) {
	old := fixtureSnapshot()
	d := Delta{At: t0, RemovedPeople: []int64{1}, Channels: []*domain.Channel{{ID: chFront, SiteID: ptr[int64](1), Mode: "normal", CardLockdown: true}}}
	n := old.Apply(d)
	if got := Evaluate(old, chFront, tCard, "1001", t0); !got.Admit {
		t.Fatalf("old snapshot changed: %+v", got)
	}
	if got := Evaluate(n, chServer, tCard, "1001", t0); got.Reason != ReasonUnknownCredential {
		t.Fatalf("removed person still known: %+v", got)
	}
	if got := Evaluate(n, chFront, tCard, "2001", t0); got.Reason != ReasonLockdown {
		t.Fatalf("lockdown not applied: %+v", got)
	}
	// A card that moved to someone else stays theirs when the old holder changes later.
	moved := old.Apply(Delta{People: []PersonState{{Person: &domain.Person{ID: 11, FirstName: "No", LastName: "Body", Enabled: true, GroupIDs: []int64{gStaff}},
		Credentials: []*domain.Credential{{PersonID: 11, CredentialTypeID: tCard, Value: ptr("2001")}}}}})
	moved = moved.Apply(Delta{People: []PersonState{{Person: &domain.Person{ID: 2, FirstName: "Max", LastName: "Member", Enabled: true}}}})
	if got := Evaluate(moved, chServer, tCard, "2001", t0); !got.Admit || got.PersonID != 11 {
		t.Fatalf("moved card: %+v", got)
	}
}

func TestLayeredCompacts(t *testing.T) {
	base := map[int]int{}
	for i := range 2000 {
		base[i] = i
	}
	l := layered[int, int]{base: base}
	for i := range 3000 {
		l = l.with([]int{i}, map[int]int{10000 + i: i})
		if i < 500 && l.over == nil { // two overlay keys per step
			t.Fatalf("compacted too early at %d", i)
		}
	}
	if len(l.over) > 1024 {
		t.Fatalf("overlay never merged: %d", len(l.over))
	}
	if l.size() != 3000 { // all 2000 base keys deleted, 3000 added
		t.Fatalf("size %d", l.size())
	}
	if _, ok := l.get(5); ok {
		t.Fatal("deleted key present")
	}
	if v, ok := l.get(12999); !ok || v != 2999 {
		t.Fatal("added key missing")
	}
	if len(base) != 2000 || base[5] != 5 {
		t.Fatal("the shared base was modified")
	}
}
