package uhppote

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
)

// Board door control modes, as the protocol numbers them.
const (
	modeNormallyOpen   uint8 = 1
	modeNormallyClosed uint8 = 2
	modeControlled     uint8 = 3
)

// Dates a card or profile carries when Lintel sets no limit.
const (
	firstDate = "2000-01-01"
	lastDate  = "2099-12-31"
)

// Doors binds a board's doors to Lintel channels: Doors[0] is the channel
// of door 1, and so on; 0 leaves a door unused.
type Doors [4]int64

// cardRow is one row of the board's card table as the driver wants it.
// Doors holds, for each board door, "" (no access), "*" (at any time) or
// the key of a schedule (a chain of time profiles).
type cardRow struct {
	Number   uint32    `json:"n"`
	From     string    `json:"f"` // YYYY-MM-DD on the board's clock
	To       string    `json:"t"`
	Doors    [4]string `json:"d"`
	PersonID int64     `json:"p"`
	TypeID   int64     `json:"c"` // the credential type the number is
}

// profileRow is one time profile of a schedule, without its id.
type profileRow struct {
	Weekdays [7]bool   `json:"w"` // by time.Weekday, 0 = Sunday
	Segments [3][2]int `json:"s"` // minutes since midnight, both ends inclusive
}

// plan is what the board should hold at one instant.
type plan struct {
	zone      *time.Location
	cards     map[uint32]cardRow
	schedules map[string][]profileRow // key -> the profiles of the chain
	modes     [4]uint8                // control mode per door; 0 for unused doors
	next      time.Time               // when the plan changes by itself (zero: never)
	issues    []string                // what cannot be loaded exactly, sorted
}

// compile works out what the board should hold at now for the mapped
// doors: one card row per card or fob number of each person who may open
// at least one door at some time, with the whole days of their validity
// and, per door, "*" or a schedule; the schedules as chains of time
// profiles; and each door's control mode. Everything the board cannot
// hold exactly is left out (never widened) and named in issues.
//
// What a holder contributes is kept in the model's cache until the
// holder changes or reaches their next edge (a validity limit inside a
// day, a reservation's start or end), so a change costs a walk over the
// holders, not a compile of each.
func compile(m *model, doors Doors, now time.Time) *plan {
	p := &plan{cards: make(map[uint32]cardRow, len(m.people)), schedules: map[string][]profileRow{}}
	c := &compiler{m: m, doors: doors, now: now, p: p, issues: map[string]bool{}, shiftOK: map[[2]int64]bool{}}
	if m.cache == nil || m.cache.doors != doors {
		m.cache = &planCache{doors: doors, people: map[*holder]*personPlan{}, schedules: map[string][]profileRow{}}
	}
	c.zone()
	c.modes()
	c.people()
	for _, r := range p.cards {
		for _, k := range r.Doors {
			if k != "" && k != "*" {
				p.schedules[k] = m.cache.schedules[k]
			}
		}
	}
	for s := range c.issues {
		p.issues = append(p.issues, s)
	}
	sort.Strings(p.issues)
	return p
}

// doorModes works out the doors' control modes alone, as compile does.
func doorModes(m *model, doors Doors, now time.Time) [4]uint8 {
	c := &compiler{m: m, doors: doors, now: now, p: &plan{}, issues: map[string]bool{}}
	c.zone()
	c.modes()
	return c.p.modes
}

type compiler struct {
	m       *model
	doors   Doors
	now     time.Time
	p       *plan
	pp      *personPlan // the holder being compiled, if any
	zoneNm  string
	issues  map[string]bool
	shiftOK map[[2]int64]bool // (shift, door index) -> the board can keep it exactly
}

// planCache keeps what each holder contributes to the plan, for the
// models that follow one snapshot (their roles, shifts and zones are the
// same), and the schedules worked out so far.
type planCache struct {
	doors     Doors
	people    map[*holder]*personPlan
	schedules map[string][]profileRow
}

// personPlan is what one holder contributes: a row per number they hold
// that the board can load (none when they may open nothing), counts of
// what cannot be loaded, their issues, and when it changes by itself.
type personPlan struct {
	rows               []cardRow
	held               []uint32 // every card or fob number they hold, loadable or not
	pins, mobiles, bad int
	issues             []string
	next               time.Time
}

func (c *compiler) issue(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if c.pp != nil {
		c.pp.issues = append(c.pp.issues, s)
		return
	}
	c.issues[s] = true
}

func (c *compiler) later(t time.Time) {
	next := &c.p.next
	if c.pp != nil {
		next = &c.pp.next
	}
	if t.After(c.now) && (next.IsZero() || t.Before(*next)) {
		*next = t
	}
}

// zone picks the board's time zone: the zone of its first mapped door.
// Doors in other zones are reported: their shifts are not loaded.
func (c *compiler) zone() {
	for _, id := range c.doors {
		if id == 0 {
			continue
		}
		name := c.m.zoneName(id)
		if c.zoneNm == "" {
			c.zoneNm = name
		} else if name != c.zoneNm {
			c.issue("door %d is in time zone %s but the board's clock keeps %s: its shifts are not loaded", id, name, c.zoneNm)
		}
	}
	loc, err := time.LoadLocation(c.zoneNm)
	if err != nil || c.zoneNm == "" {
		loc = time.UTC
	}
	c.p.zone = loc
}

// modes sets each mapped door's control mode from its channel's state:
// card or REX lockdown normally closed, unlocked (unlock mode before its
// relock time, or inside its auto-unlock shift) normally open, otherwise
// controlled.
func (c *compiler) modes() {
	for i, id := range c.doors {
		if id == 0 {
			continue
		}
		ch, ok := c.m.channels[id]
		if !ok {
			c.issue("door %d is mapped to board door %d but is not one of this controller's doors", id, i+1)
			c.p.modes[i] = modeNormallyClosed
			continue
		}
		switch {
		case ch.CardLockdown:
			c.p.modes[i] = modeNormallyClosed
			if !ch.RexLockdown {
				c.issue("door %d: in card lockdown the board also ignores the exit button", id)
			}
		case ch.RexLockdown:
			c.p.modes[i] = modeNormallyClosed
			c.issue("door %d: the board cannot lock the exit button alone; REX lockdown refuses cards too", id)
		case c.m.decide.Unlocked(id, c.now):
			c.p.modes[i] = modeNormallyOpen
		default:
			c.p.modes[i] = modeControlled
		}
		if ch.AuxLockdown {
			c.issue("door %d: the board has no auxiliary input; AUX lockdown has nothing to lock", id)
		}
		if ch.Mode == "unlock" && ch.RelockAt != nil {
			c.later(*ch.RelockAt)
		}
		if ch.AutoUnlockShiftID != nil {
			c.later(c.now.Truncate(time.Minute).Add(time.Minute))
		}
	}
}

// people adds the card rows, from the cache where it still holds.
func (c *compiler) people() {
	held := make(map[uint32]int, len(c.m.people)) // credentials holding each number, loadable or not
	var pins, mobiles, bad int
	cache := c.m.cache
	fresh := make(map[*holder]*personPlan, len(c.m.people))
	for _, h := range c.m.people {
		pp := cache.people[h]
		if pp == nil || (!pp.next.IsZero() && !c.now.Before(pp.next)) {
			pp = c.holder(h)
		}
		fresh[h] = pp
		for _, s := range pp.issues {
			c.issues[s] = true
		}
		c.later(pp.next)
		pins, mobiles, bad = pins+pp.pins, mobiles+pp.mobiles, bad+pp.bad
		for _, n := range pp.held {
			held[n]++
		}
		for _, r := range pp.rows {
			c.p.cards[r.Number] = r
		}
	}
	cache.people = fresh
	for n, k := range held {
		if k > 1 {
			if _, ok := c.p.cards[n]; ok {
				delete(c.p.cards, n)
				c.issue("card number %d is held by %d credentials (card and fob types share the reader): none is loaded", n, k)
			}
		}
	}
	if pins > 0 {
		c.issue("%d PIN credential(s) are not loaded: the board keeps PINs only as a second factor of a card", pins)
	}
	if mobiles > 0 {
		c.issue("%d mobile credential(s) are not loaded: the board reads Wiegand cards only", mobiles)
	}
	if bad > 0 {
		c.issue("%d card or fob value(s) are not numbers the board can hold (1 to 4294967294, as the reader reports them): not loaded", bad)
	}
}

// holder works out what h contributes to the plan.
func (c *compiler) holder(h *holder) *personPlan {
	pp := &personPlan{}
	c.pp = pp
	defer func() { c.pp = nil }()
	row, may := c.person(h)
	for _, cr := range h.creds {
		kind := c.m.kinds[cr.CredentialTypeID]
		switch {
		case kind == domain.KindPIN:
			pp.pins++
			continue
		case kind == domain.KindMobile:
			pp.mobiles++
			continue
		case cr.Status != nil && *cr.Status != "active" && *cr.Status != "added_to_wallet":
			continue
		}
		n, ok := cardNumber(cr.Value)
		if !ok {
			pp.bad++
			continue
		}
		pp.held = append(pp.held, n)
		if may {
			r := row
			r.Number, r.TypeID = n, cr.CredentialTypeID
			pp.rows = append(pp.rows, r)
		}
	}
	return pp
}

// cardNumber reads a credential value as a board card number.
func cardNumber(v string) (uint32, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil || n == 0 || n == math.MaxUint32 || n == 0x00ffffff {
		return 0, false
	}
	return uint32(n), true
}

// person works out the row (dates and door permissions) every card of h
// gets, or false when h may open none of the board's doors today or later.
func (c *compiler) person(h *holder) (cardRow, bool) {
	p := h.person
	if !p.Enabled {
		return cardRow{}, false
	}
	row := cardRow{PersonID: p.ID, From: firstDate, To: lastDate}
	if p.ValidTo != nil {
		to := *p.ValidTo
		if c.now.After(to) {
			return cardRow{}, false
		}
		end := to.In(c.p.zone)
		dayStart := startOfDay(end)
		switch {
		case !to.Before(dayStart.AddDate(0, 0, 1).Add(-time.Millisecond)):
			row.To = end.Format(time.DateOnly) // ends with the day
		case !c.now.Before(dayStart):
			// On its last day: the board keeps the whole day, the driver
			// removes the card at valid_to.
			row.To = end.Format(time.DateOnly)
			c.later(to.Add(time.Millisecond))
		default:
			row.To = dayStart.AddDate(0, 0, -1).Format(time.DateOnly)
			c.later(dayStart)
		}
	}
	if p.ValidFrom != nil {
		from := p.ValidFrom.In(c.p.zone)
		switch {
		case !c.now.Before(*p.ValidFrom), from.Equal(startOfDay(from)):
			row.From = from.Format(time.DateOnly)
		default:
			row.From = startOfDay(from).AddDate(0, 0, 1).Format(time.DateOnly)
			c.later(*p.ValidFrom)
		}
	}
	if row.To < row.From {
		return cardRow{}, false
	}
	any := false
	for i, id := range c.doors {
		if id == 0 {
			continue
		}
		if key := c.grant(h, i, id); key != "" {
			row.Doors[i], any = key, true
		}
	}
	return row, any
}

// grant returns what lets h through board door i (channel id) now: "*"
// at any time, a schedule key, or "" for nothing. Reservations and group
// reservations count while active; their starts and ends are when the
// plan changes.
func (c *compiler) grant(h *holder, i int, id int64) string {
	always := false
	shifts := map[int64]bool{}
	addRole := func(rid int64) {
		r, ok := c.m.roles[rid]
		if !ok || !slices.Contains(r.ChannelIDs, id) {
			return
		}
		if r.ShiftID == nil {
			always = true
			return
		}
		if c.shiftExact(*r.ShiftID, i, id) {
			shifts[*r.ShiftID] = true
		}
	}
	for _, rid := range h.person.RoleIDs {
		addRole(rid)
	}
	for _, g := range h.person.GroupIDs {
		for _, rid := range c.m.groupRoles[g] {
			addRole(rid)
		}
	}
	for _, gr := range h.groupRes {
		if c.active(gr.StartTime, gr.EndTime) {
			for _, g := range gr.GroupIDs {
				for _, rid := range c.m.groupRoles[g] {
					addRole(rid)
				}
			}
		}
	}
	for _, r := range h.res {
		if slices.Contains(r.ChannelIDs, id) && c.active(r.StartTime, r.EndTime) {
			always = true
		}
	}
	if always {
		return "*"
	}
	if len(shifts) == 0 {
		return ""
	}
	ids := make([]int64, 0, len(shifts))
	for s := range shifts {
		ids = append(ids, s)
	}
	slices.Sort(ids)
	key := scheduleKey(ids)
	scheds := c.m.cache.schedules
	if _, ok := scheds[key]; !ok {
		list := make([]wire.Shift, 0, len(ids))
		for _, s := range ids {
			list = append(list, c.m.shifts[s])
		}
		scheds[key] = chain(list)
	}
	if len(scheds[key]) == 0 {
		return "" // shifts without a window never open
	}
	return key
}

// active reports whether [start, end) holds now, noting its next edge.
func (c *compiler) active(start, end time.Time) bool {
	c.later(start)
	c.later(end)
	return !c.now.Before(start) && c.now.Before(end)
}

// shiftExact reports whether shift s, read at board door i (channel id),
// can be kept by the board: it must be read in the board's zone. A
// missing shift never opens (as in the engine).
func (c *compiler) shiftExact(s int64, i int, id int64) bool {
	sh, ok := c.m.shifts[s]
	zone := c.m.zoneName(id)
	if ok && sh.TimeZone != nil && *sh.TimeZone != "" {
		zone = *sh.TimeZone
	}
	k := [2]int64{s, int64(i)}
	exact, seen := c.shiftOK[k]
	if !seen {
		exact = ok && zone == c.zoneNm
		c.shiftOK[k] = exact
	}
	if ok && !exact {
		c.issue("shift %d is read in time zone %s at door %d but the board's clock keeps %s: not loaded there", s, zone, id, c.zoneNm)
	}
	return exact
}

func scheduleKey(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "s" + strings.Join(parts, ",")
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
