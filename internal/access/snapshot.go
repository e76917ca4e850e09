package access

import (
	"math"
	"time"
)

// Times inside a snapshot are Unix milliseconds, like the store keeps them.
const (
	never   = math.MaxInt64 // "no end"
	forever = math.MinInt64 // "no start"
)

// Snapshot is one account's access data, shaped for Evaluate. It is
// immutable: build one with Build or Load, derive one with Apply. Every
// method is safe for concurrent use.
type Snapshot struct {
	accountID int64
	loc       *time.Location // the account's zone
	builtAt   time.Time

	types      map[int64]kind     // credential type id -> kind
	channels   map[int64]*channel // door state
	shifts     map[int64]*schedule
	roles      map[int64]*role
	groupRoles map[int64][]int64 // group id -> role ids, ascending
	siteZones  map[int64]string  // site id -> its time zone's name

	creds  layered[credKey, credEntry]
	people layered[int64, *person]
}

// credKey finds a credential: values are unique per (account, type).
type credKey struct {
	typeID int64
	value  string
}

// credEntry is what a presented credential resolves to.
type credEntry struct {
	personID int64
	wallet   kind // kindApple or kindGoogle for wallet passes, else kindMobile
	disabled bool
}

// person is a holder with everything that can grant them a door.
type person struct {
	id        int64
	name      string
	enabled   bool
	validFrom int64 // forever when unset
	validTo   int64 // never when unset; inclusive
	groups    []int64
	roles     []int64 // direct roles
	res       []reservation
	groupRes  []groupReservation
	creds     []credKey // the person's indexed credentials (for Apply)
}

// reservation lets a person through some doors in [start, end).
type reservation struct {
	start, end int64
	channels   []int64 // ascending
}

// groupReservation makes a person a member of groups in [start, end),
// unless deactivated.
type groupReservation struct {
	start, end int64
	groups     []int64
}

// role lets its groups through its doors, during its shift when it has one.
type role struct {
	id       int64
	shiftID  int64   // 0 = around the clock
	channels []int64 // ascending
}

// channel is a door and its state.
type channel struct {
	id              int64
	name            string
	loc             *time.Location // the site's zone, else the account's
	cardLockdown    bool
	rexLockdown     bool
	auxLockdown     bool
	unlock          bool  // mode "unlock"
	relockAt        int64 // never when unlocked until told otherwise
	autoUnlockShift int64 // 0 = none
}

// AccountID returns the account the snapshot describes.
func (s *Snapshot) AccountID() int64 { return s.accountID }

// BuiltAt returns when the snapshot (or the delta that made it) was built.
func (s *Snapshot) BuiltAt() time.Time { return s.builtAt }

// Location returns the account's time zone.
func (s *Snapshot) Location() *time.Location { return s.loc }

// Credentials returns how many credentials can be presented.
func (s *Snapshot) Credentials() int { return s.creds.size() }

// People returns how many people the snapshot holds.
func (s *Snapshot) People() int { return s.people.size() }

// HasChannel reports whether the door is in the snapshot.
func (s *Snapshot) HasChannel(id int64) bool {
	_, ok := s.channels[id]
	return ok
}

// contains reports whether the ascending ids hold id.
func contains(ids []int64, id int64) bool {
	lo, hi := 0, len(ids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch {
		case ids[m] == id:
			return true
		case ids[m] < id:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}
