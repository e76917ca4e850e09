package access

import (
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const daySeconds = 24 * 60 * 60

// span is part of one local day, in seconds since local midnight: from is
// inclusive, to exclusive.
type span struct{ from, to int32 }

// schedule is a compiled weekly shift. Windows are wall-clock times: on a
// day when clocks go forward the skipped times never match, and on a day
// when they go back the repeated times match twice. That is what "open
// 09:00-17:00" means to the people using the door.
type schedule struct {
	loc  *time.Location // the shift's own zone; nil means the door's
	days [7][]span      // by local weekday, 0 = Sunday
}

// parseClock reads "HH:MM" (00:00 to 24:00) as seconds since midnight.
func parseClock(s string) (int32, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	d := func(c byte) (int32, bool) { return int32(c - '0'), c >= '0' && c <= '9' }
	h1, ok1 := d(s[0])
	h2, ok2 := d(s[1])
	m1, ok3 := d(s[3])
	m2, ok4 := d(s[4])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return 0, false
	}
	h, m := h1*10+h2, m1*10+m2
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*3600 + m*60, true
}

// compileShift turns a shift into a schedule. A window whose end is before
// its start runs over midnight into the next day (the store does not
// create such windows today; the engine accepts them). Malformed windows,
// days outside 0-6, and windows whose start equals their end are skipped:
// they never grant anything. A time zone that cannot be loaded falls back
// to the door's.
func compileShift(sh *domain.Shift) *schedule {
	s := &schedule{}
	if sh.TimeZone != nil {
		if loc, ok := domain.LoadLocation(*sh.TimeZone); ok {
			s.loc = loc
		}
	}
	for _, w := range sh.Windows {
		from, ok1 := parseClock(w.Start)
		to, ok2 := parseClock(w.End)
		if !ok1 || !ok2 || from == to || from == daySeconds {
			continue
		}
		for _, d := range w.Days {
			if d < 0 || d > 6 {
				continue
			}
			if from < to {
				s.days[d] = append(s.days[d], span{from, to})
				continue
			}
			s.days[d] = append(s.days[d], span{from, daySeconds})
			if to > 0 {
				next := (d + 1) % 7
				s.days[next] = append(s.days[next], span{0, to})
			}
		}
	}
	return s
}

// activeAt reports whether at falls in one of the windows, read on the
// wall clock of the shift's zone, or doorLoc when the shift names none.
func (s *schedule) activeAt(at time.Time, doorLoc *time.Location) bool {
	loc := s.loc
	if loc == nil {
		loc = doorLoc
	}
	t := at.In(loc)
	h, m, sec := t.Clock()
	x := int32(h*3600 + m*60 + sec)
	for _, sp := range s.days[t.Weekday()] {
		if x >= sp.from && x < sp.to {
			return true
		}
	}
	return false
}
