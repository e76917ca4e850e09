package uhppote

import (
	"slices"

	"github.com/lintel-dev/lintel/internal/controller/wire"
)

const dayMinutes = 24 * 60

// span is part of a day in minutes since midnight: from inclusive, to
// exclusive.
type span struct{ from, to int }

// chain turns the union of some shifts into time profiles for the board.
// Each weekday's windows are merged; weekdays with the same windows share
// profiles; a profile holds three segments, so a day with more windows
// takes several profiles with the same weekdays, linked in a chain (the
// board allows when any profile of the chain allows). A window [from, to)
// becomes the segment from to to-1 minute, since the board compares whole
// minutes and includes both ends. A profile with fewer than three windows
// repeats one, so no segment is left at 00:00-00:00 (which a board may
// read as the first minute of the day). The windows are read as the
// engine reads them: a window whose end is before its start runs into the
// next day; malformed windows and empty ones are skipped.
func chain(shifts []wire.Shift) []profileRow {
	var days [7][]span
	for _, sh := range shifts {
		for _, w := range sh.Windows {
			from, ok1 := clock(w.Start)
			to, ok2 := clock(w.End)
			if !ok1 || !ok2 || from == to || from == dayMinutes {
				continue
			}
			for _, d := range w.Days {
				if d < 0 || d > 6 {
					continue
				}
				if from < to {
					days[d] = append(days[d], span{from, to})
					continue
				}
				days[d] = append(days[d], span{from, dayMinutes})
				if to > 0 {
					days[(d+1)%7] = append(days[(d+1)%7], span{0, to})
				}
			}
		}
	}
	for d := range days {
		days[d] = merge(days[d])
	}
	var out []profileRow
	done := [7]bool{}
	for d := range days {
		if done[d] || len(days[d]) == 0 {
			continue
		}
		var mask [7]bool
		for e := d; e < 7; e++ {
			if !done[e] && slices.Equal(days[e], days[d]) {
				mask[e], done[e] = true, true
			}
		}
		spans := days[d]
		for len(spans) > 0 {
			n := min(3, len(spans))
			p := profileRow{Weekdays: mask}
			for i := range p.Segments {
				s := spans[min(i, n-1)]
				p.Segments[i] = [2]int{s.from, s.to - 1}
			}
			out = append(out, p)
			spans = spans[n:]
		}
	}
	return out
}

// merge sorts spans and joins those that overlap or touch.
func merge(list []span) []span {
	if len(list) == 0 {
		return nil
	}
	slices.SortFunc(list, func(a, b span) int { return a.from - b.from })
	out := []span{list[0]}
	for _, s := range list[1:] {
		last := &out[len(out)-1]
		if s.from <= last.to {
			last.to = max(last.to, s.to)
			continue
		}
		out = append(out, s)
	}
	return out
}

// clock reads "HH:MM" (00:00 to 24:00) as minutes since midnight.
func clock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}
