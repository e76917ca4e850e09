package uhppote

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/uhppote/emulator"
)

func ptr[T any](v T) *T { return &v }

// fixture is an account in zone with one door (id 3) and one person (id
// 9, card 4242) whose roles follow the given shifts.
func fixture(zone string, shifts []wire.Shift) *wire.Snapshot {
	s := &wire.Snapshot{AccountID: 1, Seq: 1, TimeZone: zone,
		Channels:        []wire.Channel{{ID: 3, Name: "Door", SiteID: ptr(int64(1)), Mode: "normal"}},
		Sites:           []wire.Site{{ID: 1, TimeZone: ptr(zone)}},
		Shifts:          shifts,
		CredentialTypes: []wire.CredentialType{{ID: 1, Slug: "card", Label: "Card", Kind: domain.KindCard}},
		People:          []wire.Person{{ID: 9, FirstName: "Ada", LastName: "Lovelace", Enabled: true, GroupIDs: []int64{1}}},
		Credentials:     []wire.Credential{{PersonID: 9, CredentialTypeID: 1, Value: "4242"}},
	}
	for i, sh := range shifts {
		s.Roles = append(s.Roles, wire.Role{ID: int64(i + 1), ShiftID: ptr(sh.ID), GroupIDs: []int64{1}, ChannelIDs: []int64{3}})
	}
	return s
}

// boardAllows reads a chain of profiles as a board does, at wall time w.
func boardAllows(chain []profileRow, w time.Time) bool {
	for _, p := range chain {
		ep := emulator.Profile{Weekdays: p.Weekdays, Segments: p.Segments,
			From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)}
		if ep.Allows(w) {
			return true
		}
	}
	return false
}

// randomClock returns HH:MM, now and then 24:00 or a malformed value.
func randomClock(r *rand.Rand) string {
	switch r.IntN(20) {
	case 0:
		return "24:00"
	case 1:
		return "25:00"
	}
	return fmt.Sprintf("%02d:%02d", r.IntN(24), r.IntN(12)*5)
}

// TestChainMatchesEngine compiles random shifts (overnight, 24:00,
// malformed and overlapping windows, several shifts at once) into board
// profiles and checks, for every minute of a week, that the board's
// reading of the profiles admits exactly when access.Evaluate does.
func TestChainMatchesEngine(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 311))
	week := time.Date(2025, 6, 8, 0, 0, 0, 0, time.UTC) // a Sunday
	for c := range 60 {
		var shifts []wire.Shift
		for s := range 1 + r.IntN(3) {
			sh := wire.Shift{ID: int64(s + 1)}
			for range 1 + r.IntN(4) {
				var days []int
				for d := range 7 {
					if r.IntN(3) == 0 {
						days = append(days, d)
					}
				}
				sh.Windows = append(sh.Windows, domain.ShiftWindow{Days: days, Start: randomClock(r), End: randomClock(r)})
			}
			shifts = append(shifts, sh)
		}
		snap := fixture("UTC", shifts)
		chain := chain(shifts)
		decide := access.Build(snap.Source(), week)
		for m := range 7 * 24 * 60 {
			at := week.Add(time.Duration(m) * time.Minute)
			want := access.Evaluate(decide, 3, 1, "4242", at).Admit
			if got := boardAllows(chain, at); got != want {
				t.Fatalf("case %d, %s: board %v, engine %v\nshifts %+v\nprofiles %+v", c, at.Format("Mon 15:04"), got, want, shifts, chain)
			}
		}
	}
}

// TestChainProfiles: weekdays with the same windows share profiles, more
// than three windows a day take a linked profile, and no segment is left
// at 00:00-00:00.
func TestChainProfiles(t *testing.T) {
	chain := chain([]wire.Shift{{ID: 1, Windows: []domain.ShiftWindow{
		{Days: []int{1, 2, 3, 4, 5}, Start: "08:00", End: "09:00"},
		{Days: []int{1, 2, 3, 4, 5}, Start: "10:00", End: "11:00"},
		{Days: []int{1, 2, 3, 4, 5}, Start: "12:00", End: "13:00"},
		{Days: []int{1, 2, 3, 4, 5}, Start: "14:00", End: "24:00"},
		{Days: []int{6}, Start: "09:00", End: "12:00"},
	}}})
	if len(chain) != 3 {
		t.Fatalf("want 2 weekday profiles and 1 Saturday profile, got %+v", chain)
	}
	if chain[0].Segments[2] != [2]int{12 * 60, 13*60 - 1} || chain[1].Segments[0] != [2]int{14 * 60, 24*60 - 1} {
		t.Errorf("weekday segments: %+v", chain[:2])
	}
	for _, p := range chain {
		for _, s := range p.Segments {
			if s == [2]int{0, 0} {
				t.Errorf("empty segment left in %+v", p)
			}
		}
	}
	if chain[2].Weekdays != [7]bool{6: true} || chain[2].Segments[1] != chain[2].Segments[0] {
		t.Errorf("Saturday profile: %+v", chain[2])
	}
}

// TestValidityOnTheBoard: whole days of validity go on the card; a limit
// inside a day makes the plan change at that instant; nothing is wider
// than Lintel's rule.
func TestValidityOnTheBoard(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/London")
	snap := fixture("Europe/London", nil)
	snap.Roles = []wire.Role{{ID: 1, GroupIDs: []int64{1}, ChannelIDs: []int64{3}}}
	now := time.Date(2025, 6, 10, 10, 0, 0, 0, loc)
	doors := Doors{3}
	card := func(from, to *time.Time, at time.Time) (cardRow, time.Time, bool) {
		s := *snap
		s.People = []wire.Person{{ID: 9, FirstName: "Ada", Enabled: true, GroupIDs: []int64{1}, ValidFrom: from, ValidTo: to}}
		p := compile(newModel(&s, at), doors, at)
		c, ok := p.cards[4242]
		return c, p.next, ok
	}
	ends := time.Date(2025, 6, 10, 15, 0, 0, 0, loc)
	c, next, ok := card(nil, &ends, now)
	if !ok || c.To != "2025-06-10" || !next.Equal(ends.Add(time.Millisecond)) || c.Doors[0] != "*" {
		t.Errorf("ends today at 15:00, at 10:00: %+v next %v", c, next)
	}
	if _, _, ok := card(nil, &ends, ends.Add(time.Second)); ok {
		t.Error("card still on the board after valid_to")
	}
	tomorrow := ends.AddDate(0, 0, 1)
	c, next, _ = card(nil, &tomorrow, now)
	if c.To != "2025-06-10" || !next.Equal(time.Date(2025, 6, 11, 0, 0, 0, 0, loc)) {
		t.Errorf("ends tomorrow at 15:00: %+v next %v", c, next)
	}
	starts := time.Date(2025, 6, 11, 12, 0, 0, 0, loc)
	c, next, _ = card(&starts, nil, now)
	if c.From != "2025-06-12" || c.To != lastDate || !next.Equal(starts) {
		t.Errorf("starts tomorrow at 12:00: %+v next %v", c, next)
	}
	midnight := time.Date(2025, 6, 11, 0, 0, 0, 0, loc)
	if c, _, _ := card(&midnight, nil, now); c.From != "2025-06-11" {
		t.Errorf("starts at midnight: %+v", c)
	}
}

// TestIssuesReported: what a board cannot hold is named, not widened.
func TestIssuesReported(t *testing.T) {
	snap := fixture("Europe/London", []wire.Shift{{ID: 1, TimeZone: ptr("America/New_York"),
		Windows: []domain.ShiftWindow{{Days: []int{1}, Start: "09:00", End: "17:00"}}}})
	snap.CredentialTypes = append(snap.CredentialTypes, wire.CredentialType{ID: 2, Slug: "pin", Kind: domain.KindPIN},
		wire.CredentialType{ID: 3, Slug: "fob", Kind: domain.KindFob})
	snap.Credentials = append(snap.Credentials, wire.Credential{PersonID: 9, CredentialTypeID: 2, Value: "1234"},
		wire.Credential{PersonID: 9, CredentialTypeID: 1, Value: "98765432109"})
	snap.People = append(snap.People, wire.Person{ID: 10, Enabled: true, RoleIDs: []int64{2}})
	snap.Roles = append(snap.Roles, wire.Role{ID: 2, ChannelIDs: []int64{3}})
	snap.Credentials = append(snap.Credentials, wire.Credential{PersonID: 10, CredentialTypeID: 3, Value: "555"},
		wire.Credential{PersonID: 10, CredentialTypeID: 1, Value: "555"})
	snap.Channels[0].RexLockdown = true
	p := compile(newModel(snap, time.Now()), Doors{3}, time.Now())
	all := strings.Join(p.issues, "\n")
	for _, want := range []string{"America/New_York", "PIN credential", "not numbers the board can hold", "card number 555", "REX lockdown"} {
		if !strings.Contains(all, want) {
			t.Errorf("issues lack %q:\n%s", want, all)
		}
	}
	if _, ok := p.cards[4242]; ok {
		t.Error("a card whose only shift is in another zone was loaded")
	}
	if _, ok := p.cards[555]; ok {
		t.Error("a number held twice was loaded")
	}
	if p.modes[0] != modeNormallyClosed {
		t.Errorf("REX lockdown: mode %d, want normally closed", p.modes[0])
	}
}

// TestImageJournal: rounds of card writes since the image was saved are
// replayed at load and marked to be written again.
func TestImageJournal(t *testing.T) {
	dir := t.TempDir()
	im := newImage(7)
	im.Cards[1] = boardCard{From: firstDate, To: lastDate, Doors: [4]uint8{1}}
	im.Cards[2] = im.Cards[1]
	im.Loaded = true
	if err := im.save(dir); err != nil {
		t.Fatal(err)
	}
	if err := im.record(dir, journalEntry{Dels: []uint32{1}, Puts: map[uint32]boardCard{3: {From: firstDate, To: lastDate}}}); err != nil {
		t.Fatal(err)
	}
	got, err := loadImage(dir, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Cards[1]; ok || len(got.Cards) != 2 || !got.Loaded || fmt.Sprint(got.Pending) != "[1 3]" {
		t.Fatalf("replayed image: %+v", got)
	}
	if err := got.save(dir); err != nil {
		t.Fatal(err)
	}
	again, _ := loadImage(dir, 7)
	if len(again.Pending) != 0 || len(again.Cards) != 2 {
		t.Fatalf("after a save the journal is empty: %+v", again)
	}
}
