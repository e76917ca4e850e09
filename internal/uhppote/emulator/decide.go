package emulator

import (
	"fmt"
	"time"
)

// Result is what the board did with a swipe or a button press.
type Result struct {
	Granted bool  // the board released the door
	Reason  uint8 // the board's reason code
	Index   uint32
	// Unlocked is whether the door can be opened now: released by this
	// swipe, or standing normally open.
	Unlocked bool
}

// Swipe presents card number card at reader door (1-based) and returns
// the board's own decision, stored as an event and pushed to the
// listener. The checks, in order: the card is in the table (else reason
// 0x12); today is within its dates and the door's permission is not 0
// (else 0x06); a permission 2-254 names a time profile whose chain allows
// now (else 0x0f; a profile that is not on the board allows, as real
// boards do); the door is not normally closed (else 0x0b). Errors: a door
// the board does not have.
func (b *Board) Swipe(card uint32, doorNo uint8) (Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if int(doorNo) < 1 || int(doorNo) > b.cfg.Doors {
		return Result{}, fmt.Errorf("emulator: board %d has no door %d", b.cfg.Serial, doorNo)
	}
	now := b.wall()
	granted, reason := b.check(card, doorNo, now)
	d := &b.doors[doorNo-1]
	if granted {
		d.unlockedUntil = now.Add(time.Duration(b.st.delay[doorNo-1]) * time.Second)
	}
	e := b.record(Event{Type: TypeSwipe, Granted: granted, Door: doorNo, Card: card, Reason: reason, At: now})
	return Result{Granted: granted, Reason: reason, Index: e.Index, Unlocked: b.unlocked(doorNo, now)}, nil
}

// check decides a swipe. Callers hold mu.
func (b *Board) check(number uint32, doorNo uint8, now time.Time) (bool, uint8) {
	i, ok := b.st.byNumber[number]
	if !ok {
		return false, ReasonNoPass
	}
	c := b.st.cards[i]
	today := day(now)
	perm := c.Doors[doorNo-1]
	if today.Before(c.From) || today.After(c.To) || perm == 0 || perm == 255 {
		return false, ReasonNoPrivilege
	}
	if perm >= 2 && !b.profileAllows(perm, now) {
		return false, ReasonInvalidTimezone
	}
	if b.st.control[doorNo-1] == NormallyClosed {
		return false, ReasonNormallyClosed
	}
	return true, ReasonSwipePass
}

// profileAllows follows the chain of linked profiles from id: any of them
// that allows now allows; a profile missing from the board allows.
// Callers hold mu.
func (b *Board) profileAllows(id uint8, now time.Time) bool {
	seen := map[uint8]bool{}
	for id >= 2 && id <= 254 && !seen[id] {
		seen[id] = true
		p, ok := b.st.profiles[id]
		if !ok {
			return true
		}
		if p.Allows(now) {
			return true
		}
		id = p.Linked
	}
	return false
}

// Allows checks one profile at now (the board's wall clock): dates
// inclusive, the weekday, then each of the three segments, both ends
// inclusive to the minute. A segment 00:00-00:00 matches the first minute
// of the day, as the vendor's simulator has it. Linked profiles are not
// followed.
func (p Profile) Allows(now time.Time) bool {
	today := day(now)
	if p.From.IsZero() || p.To.IsZero() || today.Before(p.From) || today.After(p.To) || !p.Weekdays[now.Weekday()] {
		return false
	}
	m := now.Hour()*60 + now.Minute()
	for _, s := range p.Segments {
		if s[0] <= m && m <= s[1] {
			return true
		}
	}
	return false
}

// PressButton presses door's exit button: the door is released unless it
// is normally closed (reason 0x1f, forced lock). The press is stored as
// an event whatever the board records as special events. Errors: a door
// the board does not have.
func (b *Board) PressButton(doorNo uint8) (Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if int(doorNo) < 1 || int(doorNo) > b.cfg.Doors {
		return Result{}, fmt.Errorf("emulator: board %d has no door %d", b.cfg.Serial, doorNo)
	}
	now := b.wall()
	if b.st.control[doorNo-1] == NormallyClosed {
		e := b.record(Event{Type: TypeAlarm, Door: doorNo, Reason: ReasonButtonLocked, At: now})
		return Result{Reason: ReasonButtonLocked, Index: e.Index, Unlocked: b.unlocked(doorNo, now)}, nil
	}
	b.doors[doorNo-1].unlockedUntil = now.Add(time.Duration(b.st.delay[doorNo-1]) * time.Second)
	e := b.record(Event{Type: TypeDoor, Granted: true, Door: doorNo, Reason: ReasonPushButton, At: now})
	return Result{Granted: true, Reason: ReasonPushButton, Index: e.Index, Unlocked: true}, nil
}

// OpenDoorContact reports that door was opened: a door event when it was
// released (or stands open), a forced-open alarm when it was locked.
// Errors: a door the board does not have.
func (b *Board) OpenDoorContact(doorNo uint8) (Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if int(doorNo) < 1 || int(doorNo) > b.cfg.Doors {
		return Event{}, fmt.Errorf("emulator: board %d has no door %d", b.cfg.Serial, doorNo)
	}
	now := b.wall()
	b.doors[doorNo-1].open = true
	if !b.unlocked(doorNo, now) {
		return b.record(Event{Type: TypeAlarm, Door: doorNo, Reason: ReasonForcedOpen, At: now}), nil
	}
	return b.record(Event{Type: TypeDoor, Granted: true, Door: doorNo, Reason: ReasonDoorOpen, At: now}), nil
}

// CloseDoorContact reports that door was closed. Errors: a door the board
// does not have.
func (b *Board) CloseDoorContact(doorNo uint8) (Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if int(doorNo) < 1 || int(doorNo) > b.cfg.Doors {
		return Event{}, fmt.Errorf("emulator: board %d has no door %d", b.cfg.Serial, doorNo)
	}
	b.doors[doorNo-1].open = false
	return b.record(Event{Type: TypeDoor, Granted: true, Door: doorNo, Reason: ReasonDoorClosed}), nil
}

// HoldOpenTooLong raises the board's door-open-too-long alarm for door.
// Errors: a door the board does not have.
func (b *Board) HoldOpenTooLong(doorNo uint8) (Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if int(doorNo) < 1 || int(doorNo) > b.cfg.Doors {
		return Event{}, fmt.Errorf("emulator: board %d has no door %d", b.cfg.Serial, doorNo)
	}
	return b.record(Event{Type: TypeAlarm, Door: doorNo, Reason: ReasonOpenTooLong}), nil
}

// unlocked reports whether door is released now: normally open, or its
// relay energised by a swipe, a button or a remote open. Callers hold mu.
func (b *Board) unlocked(doorNo uint8, now time.Time) bool {
	switch b.st.control[doorNo-1] {
	case NormallyOpen:
		return true
	case NormallyClosed:
		return false
	}
	return now.Before(b.doors[doorNo-1].unlockedUntil)
}

// Unlocked reports whether door is released now (see Result.Unlocked).
func (b *Board) Unlocked(doorNo uint8) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if int(doorNo) < 1 || int(doorNo) > b.cfg.Doors {
		return false
	}
	return b.unlocked(doorNo, b.wall())
}

// Mode returns door's control mode (NormallyOpen, NormallyClosed or
// Controlled); 0 for a door the board does not have.
func (b *Board) Mode(doorNo uint8) uint8 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if int(doorNo) < 1 || int(doorNo) > b.cfg.Doors {
		return 0
	}
	return b.st.control[doorNo-1]
}

// Card returns the card table's row for number, if any.
func (b *Board) Card(number uint32) (Card, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i, ok := b.st.byNumber[number]
	if !ok {
		return Card{}, false
	}
	return *b.st.cards[i], true
}

// CardCount returns how many cards the table holds.
func (b *Board) CardCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st.live
}

// Profile returns time profile id, if the board has it.
func (b *Board) Profile(id uint8) (Profile, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.st.profiles[id]
	return p, ok
}

// Events returns a copy of the event store, oldest first.
func (b *Board) Events() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Event(nil), b.st.events...)
}

// day returns the date of t (midnight, in t's location).
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
