package uhppote

import (
	"fmt"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
)

// bigSnapshot is fixture with n more people, each with one card, in one
// of three groups: at any time, on office hours, or on no board door.
func bigSnapshot(n int) *wire.Snapshot {
	s := fixture("Europe/London", []wire.Shift{{ID: 1, Windows: []domain.ShiftWindow{{Days: []int{1, 2, 3, 4, 5}, Start: "08:00", End: "18:30"}}}})
	s.Roles = append(s.Roles, wire.Role{ID: 2, GroupIDs: []int64{2}, ChannelIDs: []int64{3}})
	for i := range n {
		id := int64(100 + i)
		s.People = append(s.People, wire.Person{ID: id, FirstName: "P", LastName: fmt.Sprint(i), Enabled: i%17 != 0,
			GroupIDs: []int64{int64(1 + i%3)}})
		s.Credentials = append(s.Credentials, wire.Credential{PersonID: id, CredentialTypeID: 1, Value: fmt.Sprint(10_000_000 + i)})
	}
	return s
}

// BenchmarkCompile10k measures working out the board's plan for 10,000
// card holders, which every change costs.
func BenchmarkCompile10k(b *testing.B) {
	m := newModel(bigSnapshot(10_000), time.Now())
	now := time.Now()
	b.ResetTimer()
	for b.Loop() {
		_ = compile(m, Doors{3}, now)
	}
}

// BenchmarkRevocationRound10k measures the driver's side of one
// revocation among 10,000 holders without the board: applying the
// change, compiling, placing schedules, and finding the one card to
// delete.
func BenchmarkRevocationRound10k(b *testing.B) {
	snap := bigSnapshot(10_000)
	now := time.Now()
	m := newModel(snap, now)
	im := newImage(1)
	t := im.resolve(compile(m, Doors{3}, now))
	for n, c := range t.cards {
		im.Cards[n] = c
	}
	im.Schedules = t.schedules
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p := snap.People[1+i%10_000]
		m2 := m.apply(&wire.Changes{Seq: int64(i + 2), People: []wire.PersonState{{Person: p}}}, now)
		t := im.resolve(compile(m2, Doors{3}, now))
		if len(t.cards) == len(im.Cards) && p.Enabled && p.GroupIDs[0] != 3 {
			b.Fatal("the revoked card is still planned")
		}
	}
}

// BenchmarkImageSave10k measures saving the board image of 10,000 cards,
// which a round of changes does twice.
func BenchmarkImageSave10k(b *testing.B) {
	im := newImage(1)
	for i := range 10_000 {
		im.Cards[uint32(10_000_000+i)] = boardCard{From: firstDate, To: lastDate, Doors: [4]uint8{2}}
	}
	dir := b.TempDir()
	for b.Loop() {
		if err := im.save(dir); err != nil {
			b.Fatal(err)
		}
	}
}
