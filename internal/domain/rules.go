package domain

import (
	"strings"
	"time"
)

// The rules every write obeys, whoever makes it (the API, the CLI, the
// demo, the simulator). They are pure: they look only at the values given.
// The store calls them before it writes, so nothing can store what the API
// would refuse; the API calls them too, to answer with every problem of a
// request at once. Each Validate returns nil or an EINVALID *Error whose
// fields name what to change.

// MaxNameLength is the longest name of a door, site, group, role or shift.
const MaxNameLength = 255

// AutoPIN, given as the value of a PIN credential, asks for a random PIN
// that no one on the account holds yet. It is a request, never a value:
// CheckValue refuses it, the API replaces it before storing.
const AutoPIN = "******"

// checkName adds the messages about a required name to v.
func checkName(v *Validation, field, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		v.Add(field, "can't be blank")
	case len(name) > MaxNameLength:
		v.Add(field, "is too long (maximum is 255 characters)")
	}
}

// CheckValue validates a credential value for the type and returns it as
// it is stored, or a message saying what is wrong with it. PINs are 4 to 8
// digits (leading zeros kept); card and fob numbers are 1 to 32 letters or
// digits, surrounding spaces removed; mobile credential values are codes
// Lintel generates, 1 to 128 letters, digits, '-' or '_'.
func (t *CredentialType) CheckValue(s string) (string, string) {
	switch t.Kind {
	case KindPIN:
		if len(s) < 4 || len(s) > 8 || !allDigits(s) {
			return "", "must be between 4 and 8 digits in length"
		}
		return s, ""
	case KindMobile:
		if s == "" || len(s) > 128 || !token(s) {
			return "", "must be 1 to 128 letters, digits, '-' or '_'"
		}
		return s, ""
	default:
		s = strings.TrimSpace(s)
		if s == "" {
			return "", "can't be blank"
		}
		if len(s) > 32 || !alnum(s) {
			return "", "must be 1 to 32 letters or digits"
		}
		return s, ""
	}
}

// Validate checks a credential type: a label, a slug that is not the name
// of a person field (IsReservedSlug: values are flattened onto people by
// slug) and a known kind. Whether the slug is free is the store's to say.
func (t *CredentialType) Validate() error {
	v := Validation{}
	checkName(&v, "label", t.Label)
	if t.Slug == "" || IsReservedSlug(t.Slug) {
		v.Add("slug", "is reserved or empty")
	}
	switch t.Kind {
	case KindCard, KindFob, KindPIN, KindMobile:
	default:
		v.Add("kind", "must be card, fob, pin or mobile")
	}
	return v.Err()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func token(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Door modes.
const (
	ModeNormal = "normal" // locked; credentials decide
	ModeUnlock = "unlock" // unlocked until relock_at, or until returned to normal
)

// Validate checks a door: a name, a known mode, and a relock time only in
// unlock mode. Whether its site and shifts exist is the store's to say.
func (c *Channel) Validate() error {
	v := Validation{}
	checkName(&v, "name", c.Name)
	switch c.Mode {
	case ModeNormal, ModeUnlock:
	default:
		v.Add("mode", "must be normal or unlock")
	}
	if c.RelockAt != nil && c.Mode != ModeUnlock {
		v.Add("relock_at", "can only be set in unlock mode")
	}
	return v.Err()
}

// Effective applies what the clock has already decided: a door in unlock
// mode whose relock time has passed is back in normal mode, changed at its
// relock time. No background job is needed to relock. It changes c and
// returns it.
func (c *Channel) Effective(now time.Time) *Channel {
	if c.Mode == ModeUnlock && c.RelockAt != nil && !now.Before(*c.RelockAt) {
		at := *c.RelockAt
		c.Mode, c.RelockAt, c.ModeChangedAt = ModeNormal, nil, &at
	}
	return c
}

// Lockdown sets the door's lockdown flags. It reports false, changing
// nothing, when every flag would be off: that is no lockdown.
func (c *Channel) Lockdown(card, rex, aux bool) bool {
	if !card && !rex && !aux {
		return false
	}
	c.CardLockdown, c.RexLockdown, c.AuxLockdown = card, rex, aux
	return true
}

// LiftLockdown turns every lockdown flag off.
func (c *Channel) LiftLockdown() {
	c.CardLockdown, c.RexLockdown, c.AuxLockdown = false, false, false
}

// Unlock puts the door in unlock mode from now until relock (nil: until
// it is returned to normal). Errors: EINVALID (relock_at) for a relock
// time that is not after now; the door is then unchanged.
func (c *Channel) Unlock(now time.Time, relock *time.Time) error {
	if relock != nil && !relock.After(now) {
		v := Validation{}
		v.Add("relock_at", "must be in the future")
		return v.Err()
	}
	c.Mode, c.ModeChangedAt, c.RelockAt = ModeUnlock, &now, nil
	if relock != nil {
		t := relock.UTC().Truncate(time.Millisecond)
		c.RelockAt = &t
	}
	return nil
}

// Normal returns the door to normal mode; a door already there is
// unchanged.
func (c *Channel) Normal(now time.Time) {
	if c.Mode != ModeNormal {
		c.Mode, c.RelockAt, c.ModeChangedAt = ModeNormal, nil, &now
	}
}

// Validate checks a site: a name and, when given, a time zone that loads.
func (s *Site) Validate() error {
	v := Validation{}
	checkName(&v, "name", s.Name)
	if s.TimeZone != nil {
		if _, ok := LoadLocation(*s.TimeZone); !ok {
			v.Add("time_zone", "is not a known time zone")
		}
	}
	return v.Err()
}

// Validate checks a group: a name.
func (g *Group) Validate() error {
	v := Validation{}
	checkName(&v, "name", g.Name)
	return v.Err()
}

// Validate checks a role: a name. Whether its groups, doors and shift
// exist is the store's to say.
func (r *Role) Validate() error {
	v := Validation{}
	checkName(&v, "name", r.Name)
	return v.Err()
}

// Validate checks a shift: a name, windows with days 0 (Sunday) to 6 and
// "HH:MM" times from 00:00 to 24:00 with the start before the end, and,
// when given, a time zone that loads.
func (sh *Shift) Validate() error {
	v := Validation{}
	checkName(&v, "name", sh.Name)
	for _, w := range sh.Windows {
		for _, d := range w.Days {
			if d < 0 || d > 6 {
				v.Add("windows", "days must be 0 (Sunday) to 6 (Saturday)")
				break
			}
		}
		if !validClock(w.Start) || !validClock(w.End) || w.Start >= w.End {
			v.Add("windows", "start and end must be HH:MM with start before end")
		}
	}
	if sh.TimeZone != nil {
		if _, ok := LoadLocation(*sh.TimeZone); !ok {
			v.Add("time_zone", "is not a known time zone")
		}
	}
	return v.Err()
}

// validClock reports whether s is "HH:MM" between 00:00 and 24:00.
func validClock(s string) bool {
	if s == "24:00" {
		return true
	}
	t, err := time.Parse("15:04", s)
	return err == nil && t.Format("15:04") == s
}

// ReservationWindow returns why start..end is not a valid reservation of
// doors whose zone is loc (DoorLocation), or "". It must last at least a
// minute and end no later than the midnight that ends start's local day;
// it may last up to 24 hours, or the whole local day when that day is
// longer (the day clocks go back).
func ReservationWindow(start, end time.Time, loc *time.Location) string {
	d := end.Sub(start)
	s := start.In(loc)
	dayStart := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc)
	midnight := time.Date(s.Year(), s.Month(), s.Day()+1, 0, 0, 0, 0, loc)
	switch {
	case !end.After(start):
		return "must be after the start time"
	case d < time.Minute:
		return "must be between 1 minute and 24 hours after the start time"
	case end.After(midnight) && d > max(24*time.Hour, midnight.Sub(dayStart)):
		return "must be between 1 minute and 24 hours after the start time"
	case end.After(midnight):
		return "must be on the same day as the start time"
	}
	return ""
}

// Validate checks a reservation of doors whose zone is loc: at least one
// door, and a window ReservationWindow accepts.
func (r *Reservation) Validate(loc *time.Location) error {
	v := Validation{}
	if len(r.ChannelIDs) == 0 {
		v.Add("channel_ids", "must list at least one channel")
	}
	if msg := ReservationWindow(r.StartTime, r.EndTime, loc); msg != "" {
		v.Add("end_time", msg)
	}
	return v.Err()
}

// Validate checks a group reservation: at least one group, and an end
// after the start.
func (g *GroupReservation) Validate() error {
	v := Validation{}
	if len(g.GroupIDs) == 0 {
		v.Add("group_ids", "must list at least one group")
	}
	if !g.EndTime.After(g.StartTime) {
		v.Add("end_time", "must be after the start time")
	}
	return v.Err()
}
