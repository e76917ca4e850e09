package access

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// bigSource is an account with nCreds credentials: half as many people,
// each with a card and a PIN and two of 20 groups; 50 roles (half with a
// shift) over 100 doors; one person in 20 has a reservation.
func bigSource(nCreds int) Source {
	r := rand.New(rand.NewPCG(42, 42))
	src := Source{
		Account:         &domain.Account{ID: 1, TimeZone: "Europe/London"},
		Sites:           []*domain.Site{{ID: 1, TimeZone: ptr("Europe/London")}, {ID: 2, TimeZone: ptr("America/New_York")}},
		CredentialTypes: []*domain.CredentialType{{ID: tCard, Kind: domain.KindCard}, {ID: tPIN, Kind: domain.KindPIN}},
		Shifts: []*domain.Shift{
			{ID: 1, Windows: []domain.ShiftWindow{{Days: []int{1, 2, 3, 4, 5}, Start: "08:00", End: "18:30"}}},
			{ID: 2, Windows: []domain.ShiftWindow{{Days: []int{1, 2, 3, 4, 5}, Start: "06:00", End: "23:00"}, {Days: []int{0, 6}, Start: "09:00", End: "18:00"}}},
		},
	}
	for id := int64(1); id <= 100; id++ {
		src.Channels = append(src.Channels, &domain.Channel{ID: id, SiteID: ptr(1 + id%2), Mode: "normal"})
	}
	for id := int64(1); id <= 50; id++ {
		ro := &domain.Role{ID: id, GroupIDs: []int64{1 + id%20, 1 + (id*7)%20}}
		for range 10 {
			ro.ChannelIDs = append(ro.ChannelIDs, int64(1+r.IntN(100)))
		}
		if id%2 == 0 {
			ro.ShiftID = ptr(1 + id%4/2)
		}
		src.Roles = append(src.Roles, ro)
	}
	people := nCreds / 2
	for id := int64(1); id <= int64(people); id++ {
		p := &domain.Person{ID: id, FirstName: "First", LastName: fmt.Sprint("Last", id), Enabled: id%50 != 0,
			GroupIDs: []int64{int64(1 + r.IntN(20)), int64(1 + r.IntN(20))}}
		src.People = append(src.People, p)
		src.Credentials = append(src.Credentials,
			&domain.Credential{PersonID: id, CredentialTypeID: tCard, Value: ptr(fmt.Sprintf("%010d", id*7919))},
			&domain.Credential{PersonID: id, CredentialTypeID: tPIN, Value: ptr(fmt.Sprintf("%08d", id))})
		if id%20 == 0 {
			src.Reservations = append(src.Reservations, &domain.Reservation{PersonID: id, StartTime: t0, EndTime: t0.Add(8 * time.Hour), ChannelIDs: []int64{1 + id%100}})
		}
	}
	return src
}

const benchCreds = 250_000

func BenchmarkEvaluate(b *testing.B) {
	src := bigSource(benchCreds)
	s := Build(src, t0)
	r := rand.New(rand.NewPCG(1, 1))
	qs := make([]query, 4096)
	for i := range qs {
		c := src.Credentials[r.IntN(len(src.Credentials))]
		if i%16 == 0 {
			c = &domain.Credential{CredentialTypeID: tCard, Value: ptr("unknown")}
		}
		qs[i] = query{channel: int64(1 + r.IntN(100)), typ: c.CredentialTypeID, value: *c.Value,
			at: t0.Add(time.Duration(r.IntN(7*24*3600)) * time.Second)}
	}
	admits := 0
	for i := range qs {
		if Evaluate(s, qs[i].channel, qs[i].typ, qs[i].value, qs[i].at).Admit {
			admits++
		}
	}
	if admits < len(qs)/10 {
		b.Fatalf("only %d of %d admitted: the benchmark would measure mostly rejects", admits, len(qs))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := &qs[i&4095]
		Evaluate(s, q.channel, q.typ, q.value, q.at)
	}
	b.StopTimer()
	// Latency distribution of single calls.
	lat := make([]time.Duration, 0, 50_000)
	for i := range cap(lat) {
		q := &qs[i&4095]
		start := time.Now()
		Evaluate(s, q.channel, q.typ, q.value, q.at)
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(admits)*100/float64(len(qs)), "%admit")
}

func BenchmarkBuildSnapshot(b *testing.B) {
	src := bigSource(benchCreds)
	b.ReportAllocs()
	var s *Snapshot
	for b.Loop() {
		s = Build(src, t0)
	}
	b.StopTimer()
	if s.Credentials() != benchCreds {
		b.Fatalf("built %d credentials", s.Credentials())
	}
	// Memory the snapshot keeps alive.
	var before, after runtime.MemStats
	s = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := Build(src, t0)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "retained-MB")
	runtime.KeepAlive(kept)
	runtime.KeepAlive(src)
}

func BenchmarkApplyOnePerson(b *testing.B) {
	src := bigSource(benchCreds)
	s := Build(src, t0)
	p := *src.People[10]
	st := PersonState{Person: &p, Credentials: []*domain.Credential{{PersonID: p.ID, CredentialTypeID: tCard, Value: ptr("new-card")}}}
	b.ReportAllocs()
	for b.Loop() {
		s = s.Apply(Delta{People: []PersonState{st}, At: t0})
	}
	if d := Evaluate(s, 1, tCard, "new-card", t0); d.PersonID != p.ID {
		b.Fatalf("%+v", d)
	}
}
