package domain

import (
	"sync"
	"time"
)

// zones caches loaded time zones by name; a nil value is a name that does
// not load.
var zones sync.Map // string -> *time.Location

// LoadLocation returns the IANA time zone with the name and whether it
// loads. The empty name is no zone (time.LoadLocation would read it as
// UTC). Each zone is read from the zone database once per process.
func LoadLocation(name string) (*time.Location, bool) {
	if name == "" {
		return nil, false
	}
	if v, ok := zones.Load(name); ok {
		loc := v.(*time.Location)
		return loc, loc != nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	zones.Store(name, loc)
	return loc, loc != nil
}

// DoorLocation is the one rule for the time zone of a door: its site's
// zone (siteZone, empty when the door has no site or the site none) when
// that zone loads, else the account's (account, see Account.Location).
// Every wall-clock time at a door is read in it: shifts that name no zone
// of their own, auto-unlock shifts, and the local day of a reservation.
// The access engine, the API and the controllers all decide with it.
func DoorLocation(siteZone string, account *time.Location) *time.Location {
	if loc, ok := LoadLocation(siteZone); ok {
		return loc
	}
	return account
}
