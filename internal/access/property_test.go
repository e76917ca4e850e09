package access

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// randomSource builds a random account: doors in two zones with random
// state, random weekly shifts (some over midnight), groups, roles, people
// with cards and PINs, reservations and group reservations, all around
// the March 2025 clock change.
func randomSource(r *rand.Rand) Source {
	base := time.Date(2025, 3, 27, 0, 0, 0, 0, time.UTC)
	randTime := func() time.Time { return base.Add(time.Duration(r.IntN(7*24*60)) * time.Minute) }
	clock := func() string { return fmt.Sprintf("%02d:%02d", r.IntN(24), r.IntN(4)*15) }
	src := Source{
		Account:         &domain.Account{ID: 1, TimeZone: "Europe/London"},
		Sites:           []*domain.Site{{ID: 1, TimeZone: ptr("Europe/London")}, {ID: 2, TimeZone: ptr("America/New_York")}},
		CredentialTypes: []*domain.CredentialType{{ID: tCard, Kind: domain.KindCard}, {ID: tPIN, Kind: domain.KindPIN}},
	}
	for id := int64(1); id <= 3; id++ {
		sh := &domain.Shift{ID: id}
		for range 1 + r.IntN(3) {
			days := []int{}
			for d := range 7 {
				if r.IntN(2) == 0 {
					days = append(days, d)
				}
			}
			sh.Windows = append(sh.Windows, domain.ShiftWindow{Days: days, Start: clock(), End: clock()})
		}
		src.Shifts = append(src.Shifts, sh)
	}
	for id := int64(1); id <= 6; id++ {
		c := &domain.Channel{ID: id, SiteID: ptr(1 + int64(r.IntN(2))), Mode: "normal", CardLockdown: r.IntN(8) == 0}
		if r.IntN(6) == 0 {
			c.Mode, c.RelockAt = "unlock", ptr(randTime())
		}
		if r.IntN(6) == 0 {
			c.AutoUnlockShiftID = ptr(1 + int64(r.IntN(3)))
		}
		src.Channels = append(src.Channels, c)
	}
	someIDs := func(n, max int) []int64 {
		out := []int64{}
		for range n {
			if id := int64(1 + r.IntN(max)); !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out
	}
	for id := int64(1); id <= 8; id++ {
		ro := &domain.Role{ID: id, GroupIDs: someIDs(1+r.IntN(2), 5), ChannelIDs: someIDs(1+r.IntN(3), 6)}
		if r.IntN(2) == 0 {
			ro.ShiftID = ptr(1 + int64(r.IntN(3)))
		}
		src.Roles = append(src.Roles, ro)
	}
	for id := int64(1); id <= 30; id++ {
		p := &domain.Person{ID: id, FirstName: "P", LastName: fmt.Sprint(id), Enabled: r.IntN(10) != 0, GroupIDs: someIDs(r.IntN(3), 5)}
		if r.IntN(5) == 0 {
			p.RoleIDs = someIDs(1, 8)
		}
		if r.IntN(6) == 0 {
			p.ValidFrom = ptr(randTime())
		}
		if r.IntN(6) == 0 {
			p.ValidTo = ptr(randTime())
		}
		src.People = append(src.People, p)
		src.Credentials = append(src.Credentials, &domain.Credential{PersonID: id, CredentialTypeID: tCard, Value: ptr(fmt.Sprint("c", id))})
		if r.IntN(2) == 0 {
			src.Credentials = append(src.Credentials, &domain.Credential{PersonID: id, CredentialTypeID: tPIN, Value: ptr(fmt.Sprint("p", id))})
		}
		if r.IntN(4) == 0 {
			start := randTime()
			src.Reservations = append(src.Reservations, &domain.Reservation{PersonID: id, StartTime: start, EndTime: start.Add(time.Duration(1+r.IntN(600)) * time.Minute), ChannelIDs: someIDs(2, 6)})
		}
		if r.IntN(4) == 0 {
			start := randTime()
			src.GroupReservations = append(src.GroupReservations, &domain.GroupReservation{PersonID: id, StartTime: start, EndTime: start.Add(time.Duration(1+r.IntN(3000)) * time.Minute), GroupIDs: someIDs(2, 5)})
		}
	}
	return src
}

// query is one presentation.
type query struct {
	channel, typ int64
	value        string
	at           time.Time
}

func randomQueries(r *rand.Rand, n int) []query {
	base := time.Date(2025, 3, 27, 0, 0, 0, 0, time.UTC)
	out := make([]query, n)
	for i := range out {
		typ, prefix := int64(tCard), "c"
		if r.IntN(3) == 0 {
			typ, prefix = tPIN, "p"
		}
		out[i] = query{channel: int64(1 + r.IntN(7)), typ: typ, value: fmt.Sprint(prefix, 1+r.IntN(32)),
			at: base.Add(time.Duration(r.IntN(7*24*3600)) * time.Second)}
	}
	return out
}

// cloneSource deep-copies what the properties mutate.
func cloneSource(src Source) Source {
	out := src
	out.People = nil
	for _, p := range src.People {
		c := *p
		c.GroupIDs, c.RoleIDs = slices.Clone(p.GroupIDs), slices.Clone(p.RoleIDs)
		out.People = append(out.People, &c)
	}
	out.Credentials = nil
	for _, c := range src.Credentials {
		cc := *c
		out.Credentials = append(out.Credentials, &cc)
	}
	out.Roles = slices.Clone(src.Roles)
	return out
}

const propertyRounds = 150

// checkMonotone asserts that every query admitted by the snapshot of
// smaller is also admitted by the snapshot of larger.
func checkMonotone(t *testing.T, what string, smaller, larger *Snapshot, qs []query) {
	t.Helper()
	for _, q := range qs {
		a := Evaluate(smaller, q.channel, q.typ, q.value, q.at)
		b := Evaluate(larger, q.channel, q.typ, q.value, q.at)
		if a.Admit && !b.Admit {
			t.Fatalf("%s: %+v admitted (%s) with less, denied (%s) with more", what, q, a.Reason, b.Reason)
		}
	}
}

func TestPropertyRemovingAGroupNeverGrants(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range propertyRounds {
		src := randomSource(r)
		before := Build(src, t0)
		after := cloneSource(src)
		p := after.People[r.IntN(len(after.People))]
		if len(p.GroupIDs) > 0 {
			p.GroupIDs = slices.Delete(p.GroupIDs, 0, 1)
		} else if len(after.Roles) > 0 {
			// Or take a group off a role.
			ro := *after.Roles[r.IntN(len(after.Roles))]
			ro.GroupIDs = ro.GroupIDs[:len(ro.GroupIDs)-1]
			after.Roles[slices.IndexFunc(after.Roles, func(x *domain.Role) bool { return x.ID == ro.ID })] = &ro
		}
		checkMonotone(t, fmt.Sprint("round ", round, " remove group"), Build(after, t0), before, randomQueries(r, 300))
	}
}

func TestPropertyDisablingNeverGrants(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range propertyRounds {
		src := randomSource(r)
		before := Build(src, t0)
		after := cloneSource(src)
		after.People[r.IntN(len(after.People))].Enabled = false
		c := after.Credentials[r.IntN(len(after.Credentials))]
		c.Status = ptr("revoked")
		checkMonotone(t, fmt.Sprint("round ", round, " disable"), Build(after, t0), before, randomQueries(r, 300))
	}
}

func TestPropertyAddingARoleNeverRevokes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := range propertyRounds {
		src := randomSource(r)
		before := Build(src, t0)
		after := cloneSource(src)
		ro := &domain.Role{ID: 99, GroupIDs: []int64{int64(1 + r.IntN(5))}, ChannelIDs: []int64{int64(1 + r.IntN(6)), int64(1 + r.IntN(6))}}
		if r.IntN(2) == 0 {
			ro.ShiftID = ptr(int64(1 + r.IntN(3)))
		}
		after.Roles = append(after.Roles, ro)
		if r.IntN(2) == 0 {
			// Or as a direct role of someone.
			p := after.People[r.IntN(len(after.People))]
			p.RoleIDs = append(p.RoleIDs, 99)
		}
		checkMonotone(t, fmt.Sprint("round ", round, " add role"), before, Build(after, t0), randomQueries(r, 300))
	}
}

func TestPropertyDecisionsAreDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for round := range propertyRounds / 3 {
		src := randomSource(r)
		a, b := Build(src, t0), Build(cloneSource(src), t0)
		admits := 0
		for _, q := range randomQueries(r, 500) {
			d1 := Evaluate(a, q.channel, q.typ, q.value, q.at)
			d2 := Evaluate(a, q.channel, q.typ, q.value, q.at)
			// Same instant in another zone and a copy of the value: equal inputs.
			d3 := Evaluate(b, q.channel, q.typ, string([]byte(q.value)), q.at.In(time.FixedZone("X", 5*3600)))
			if d1 != d2 || d1 != d3 || d1.Label() != d3.Label() {
				t.Fatalf("round %d %+v: %+v / %+v / %+v", round, q, d1, d2, d3)
			}
			if d1.Admit {
				admits++
			}
		}
		if round == 0 && admits == 0 {
			t.Fatal("the random accounts admit nobody: the properties would hold vacuously")
		}
	}
}

// A person is admitted remotely exactly when their card would be, at a
// door that is neither locked down nor unlocked (those states are about
// what is presented, and EvaluatePerson leaves them to the caller), and
// for the same reason.
func TestPropertyEvaluatePersonAgreesWithTheirCard(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for round := range propertyRounds {
		s := Build(randomSource(r), t0)
		for _, q := range randomQueries(r, 300) {
			if q.typ != tCard {
				continue
			}
			var pid int64
			fmt.Sscanf(q.value, "c%d", &pid)
			if ch := s.channels[q.channel]; ch != nil && (ch.cardLockdown || s.unlocked(ch, q.at, q.at.UnixMilli())) {
				continue
			}
			card := Evaluate(s, q.channel, q.typ, q.value, q.at)
			remote := EvaluatePerson(s, q.channel, pid, q.at)
			wantReason := card.Reason
			if wantReason == ReasonUnknownCredential {
				wantReason = ReasonUnknownPerson
			}
			if card.Admit != remote.Admit || wantReason != remote.Reason {
				t.Fatalf("round %d %+v: card %v %s, remote %v %s", round, q, card.Admit, card.Reason, remote.Admit, remote.Reason)
			}
			if remote.Admit && remote.Code != CodeAdmitApplication {
				t.Fatalf("remote admit code %d", remote.Code)
			}
		}
	}
}

func TestEvaluatePersonUnknownDoorAndPerson(t *testing.T) {
	s := Build(fixture(), t0)
	if d := EvaluatePerson(s, 999, 1, t0); d.Admit || d.Reason != ReasonUnknownChannel {
		t.Fatalf("unknown door: %+v", d)
	}
	if d := EvaluatePerson(s, chFront, 99999, t0); d.Admit || d.Reason != ReasonUnknownPerson || d.Label() != "Rejected: unknown person" {
		t.Fatalf("unknown person: %+v %q", d, d.Label())
	}
	if d := EvaluatePerson(nil, chFront, 1, t0); d.Admit || d.Reason != ReasonUnknownChannel {
		t.Fatalf("nil snapshot: %+v", d)
	}
	if n := testing.AllocsPerRun(100, func() { EvaluatePerson(s, chFront, 1, t0) }); n != 0 {
		t.Fatalf("EvaluatePerson allocates %v times", n)
	}
}
