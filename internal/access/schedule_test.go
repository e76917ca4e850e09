package access

import (
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

// minutesActive counts the minutes in [from, to) at which sh is active.
func minutesActive(sh *schedule, loc *time.Location, from, to time.Time) int {
	n := 0
	for at := from; at.Before(to); at = at.Add(time.Minute) {
		if sh.activeAt(at, loc) {
			n++
		}
	}
	return n
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestShiftsAcrossDaylightSavingChanges(t *testing.T) {
	london, newYork := mustZone(t, "Europe/London"), mustZone(t, "America/New_York")
	win := func(days []int, start, end string) *schedule {
		return compileShift(&domain.Shift{Windows: []domain.ShiftWindow{{Days: days, Start: start, End: end}}})
	}
	sunday, saturday := []int{0}, []int{6}
	cases := []struct {
		name     string
		sh       *schedule
		loc      *time.Location
		from, to time.Time
		minutes  int
	}{
		// Europe/London: clocks go forward at 01:00 GMT on 30 March 2025 and back at 01:00 GMT on 26 October.
		{"London spring: 09-17 is 8 hours of BST", win(sunday, "09:00", "17:00"), london, utc(2025, 3, 30, 0, 0), utc(2025, 3, 31, 0, 0), 8 * 60},
		{"London spring: the skipped hour never matches", win(sunday, "01:00", "02:00"), london, utc(2025, 3, 30, 0, 0), utc(2025, 3, 31, 0, 0), 0},
		{"London spring: 01:30-03:00 is one real hour", win(sunday, "01:30", "03:00"), london, utc(2025, 3, 30, 0, 0), utc(2025, 3, 31, 0, 0), 60},
		{"London spring: overnight window is 7 real hours", win(saturday, "22:00", "06:00"), london, utc(2025, 3, 29, 0, 0), utc(2025, 3, 31, 0, 0), 7 * 60},
		{"London autumn: the repeated hour matches twice", win(sunday, "01:00", "02:00"), london, utc(2025, 10, 26, 0, 0), utc(2025, 10, 27, 0, 0), 120},
		{"London autumn: overnight window is 9 real hours", win(saturday, "22:00", "06:00"), london, utc(2025, 10, 25, 0, 0), utc(2025, 10, 27, 0, 0), 9 * 60},
		// America/New_York: forward at 07:00 UTC on 9 March 2025, back at 06:00 UTC on 2 November.
		{"New York spring: the skipped hour never matches", win(sunday, "02:00", "03:00"), newYork, utc(2025, 3, 9, 0, 0), utc(2025, 3, 10, 0, 0), 0},
		{"New York spring: 01:00-04:00 is two real hours", win(sunday, "01:00", "04:00"), newYork, utc(2025, 3, 9, 0, 0), utc(2025, 3, 10, 0, 0), 120},
		{"New York autumn: the repeated hour matches twice", win(sunday, "01:00", "02:00"), newYork, utc(2025, 11, 2, 0, 0), utc(2025, 11, 3, 0, 0), 120},
		{"New York autumn: 00:00-24:00 is 25 hours", win(sunday, "00:00", "24:00"), newYork, utc(2025, 11, 2, 0, 0), utc(2025, 11, 4, 0, 0), 25 * 60},
		{"New York spring: 00:00-24:00 is 23 hours", win(sunday, "00:00", "24:00"), newYork, utc(2025, 3, 9, 0, 0), utc(2025, 3, 11, 0, 0), 23 * 60},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := minutesActive(c.sh, c.loc, c.from, c.to); got != c.minutes {
				t.Fatalf("active %d minutes, want %d", got, c.minutes)
			}
		})
	}

	// Exact edges: 09:00 local is 08:00 UTC in BST and 09:00 UTC in GMT.
	nine := win(sunday, "09:00", "17:00")
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{utc(2025, 3, 30, 7, 59), false}, {utc(2025, 3, 30, 8, 0), true}, {utc(2025, 3, 30, 15, 59), true}, {utc(2025, 3, 30, 16, 0), false},
		{utc(2025, 10, 26, 8, 59), false}, {utc(2025, 10, 26, 9, 0), true}, {utc(2025, 10, 26, 16, 59), true}, {utc(2025, 10, 26, 17, 0), false},
		{utc(2025, 3, 30, 8, 0).Add(-time.Nanosecond), false},
	} {
		if got := nine.activeAt(c.at, london); got != c.want {
			t.Errorf("%s: active %v, want %v", c.at, got, c.want)
		}
	}
	// The weekday is the local one: Monday 00:30 in London is Sunday 23:30 UTC in summer.
	monday := win([]int{1}, "00:00", "01:00")
	if !monday.activeAt(utc(2025, 6, 15, 23, 30), london) || monday.activeAt(utc(2025, 6, 15, 23, 30), time.UTC) {
		t.Error("weekday not taken from the local date")
	}
}

func TestShiftZoneOverridesDoorZone(t *testing.T) {
	tokyo := compileShift(&domain.Shift{TimeZone: ptr("Asia/Tokyo"), Windows: []domain.ShiftWindow{{Days: []int{3}, Start: "09:00", End: "10:00"}}})
	bogus := compileShift(&domain.Shift{TimeZone: ptr("Not/AZone"), Windows: []domain.ShiftWindow{{Days: []int{3}, Start: "09:00", End: "10:00"}}})
	london := mustZone(t, "Europe/London")
	// Wednesday 09:30 in Tokyo is 00:30 UTC.
	if !tokyo.activeAt(utc(2025, 6, 11, 0, 30), london) {
		t.Error("shift zone ignored")
	}
	// A zone that cannot be loaded falls back to the door's.
	if !bogus.activeAt(utc(2025, 6, 11, 8, 30), london) || bogus.activeAt(utc(2025, 6, 11, 9, 30), london) {
		t.Error("bad shift zone did not fall back to the door's")
	}
}

func TestMalformedWindowsNeverMatch(t *testing.T) {
	for _, w := range []domain.ShiftWindow{
		{Days: []int{3}, Start: "9:00", End: "17:00"},
		{Days: []int{3}, Start: "09:00", End: "25:00"},
		{Days: []int{3}, Start: "09:60", End: "10:00"},
		{Days: []int{3}, Start: "24:00", End: "10:00"},
		{Days: []int{3}, Start: "10:00", End: "10:00"},
		{Days: []int{7, -1}, Start: "00:00", End: "24:00"},
		{Days: []int{3}, Start: "ab:cd", End: "10:00"},
	} {
		sh := compileShift(&domain.Shift{Windows: []domain.ShiftWindow{w}})
		if n := minutesActive(sh, time.UTC, utc(2025, 6, 8, 0, 0), utc(2025, 6, 15, 0, 0)); n != 0 {
			t.Errorf("window %+v active %d minutes", w, n)
		}
	}
	if got, ok := parseClock("24:00"); !ok || got != daySeconds {
		t.Errorf("24:00 -> %d %v", got, ok)
	}
}

func TestDoorZoneFallsBackToAccount(t *testing.T) {
	src := fixture()
	src.Account.TimeZone = "America/New_York"
	// A door with no site and one on a site without a zone use the account's zone.
	src.Sites = append(src.Sites, &domain.Site{ID: 3})
	src.Channels = append(src.Channels, &domain.Channel{ID: 50, Mode: "normal"}, &domain.Channel{ID: 51, SiteID: ptr[int64](3), Mode: "normal"})
	src.Roles = append(src.Roles, &domain.Role{ID: 300, GroupIDs: []int64{gMembers}, ChannelIDs: []int64{50, 51}, ShiftID: ptr[int64](shOffice)})
	s := Build(src, t0)
	for _, ch := range []int64{50, 51} {
		// t0 is 08:00 in New York: closed; an hour later: open.
		if d := Evaluate(s, ch, tCard, "2001", t0); d.Admit {
			t.Errorf("door %d open at 08:00 New York", ch)
		}
		if d := Evaluate(s, ch, tCard, "2001", t0.Add(time.Hour)); !d.Admit {
			t.Errorf("door %d closed at 09:00 New York: %s", ch, d.Reason)
		}
	}
}
