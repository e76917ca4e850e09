package access

import (
	"maps"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// PersonState is everything about one person that Apply replaces at once:
// the person (with GroupIDs and RoleIDs), every credential they hold, and
// their reservations and group reservations. Lists are complete, not
// changes: a credential missing from Credentials is removed.
type PersonState struct {
	Person            *domain.Person
	Credentials       []*domain.Credential
	Reservations      []*domain.Reservation
	GroupReservations []*domain.GroupReservation
}

// Delta is a batch of changes for Apply. Changes to roles, shifts, sites,
// credential types or the account are not deltas: rebuild the snapshot.
type Delta struct {
	People        []PersonState     // added or changed people, replaced whole
	RemovedPeople []int64           // deleted people (with their credentials)
	Channels      []*domain.Channel // added or changed doors (state included)
	At            time.Time         // when the change was made; becomes BuiltAt
}

// Apply returns a new snapshot with d applied; s is unchanged and stays
// valid. Removals are applied before additions, so a credential value that
// moves from one person to another in the same delta ends up with the
// new holder. A door on a site the snapshot has not seen gets the account's
// time zone until the next rebuild. The cost is proportional
// to the size of the delta (amortised; see the package documentation).
func (s *Snapshot) Apply(d Delta) *Snapshot {
	n := *s
	n.builtAt = d.At
	if len(d.People) > 0 || len(d.RemovedPeople) > 0 {
		var credDels []credKey
		var personDels []int64
		drop := func(id int64) {
			old, ok := s.people.get(id)
			if !ok {
				return
			}
			for _, k := range old.creds {
				// Only keys the person still holds: a value another
				// person took over stays theirs.
				if e, ok := s.creds.get(k); ok && e.personID == id {
					credDels = append(credDels, k)
				}
			}
			personDels = append(personDels, id)
		}
		for _, id := range d.RemovedPeople {
			drop(id)
		}
		credPuts := map[credKey]credEntry{}
		personPuts := map[int64]*person{}
		for _, st := range d.People {
			if st.Person == nil {
				continue
			}
			drop(st.Person.ID)
			p := newPerson(st.Person)
			for _, c := range st.Credentials {
				if c.Value == nil {
					continue
				}
				k := credKey{c.CredentialTypeID, *c.Value}
				e := newCredEntry(c)
				e.personID = p.id
				credPuts[k] = e
				p.creds = append(p.creds, k)
			}
			for _, r := range st.Reservations {
				p.res = append(p.res, newReservation(r))
			}
			for _, g := range st.GroupReservations {
				if g.DeactivatedAt == nil {
					p.groupRes = append(p.groupRes, newGroupReservation(g))
				}
			}
			personPuts[p.id] = p
		}
		n.creds = s.creds.with(credDels, credPuts)
		n.people = s.people.with(personDels, personPuts)
	}
	if len(d.Channels) > 0 {
		n.channels = maps.Clone(s.channels)
		for _, c := range d.Channels {
			n.channels[c.ID] = newChannel(c, s.channelZone(c))
		}
	}
	return &n
}

// channelZone finds a door's zone by the one rule, domain.DoorLocation:
// its site's, else the account's.
func (s *Snapshot) channelZone(c *domain.Channel) *time.Location {
	zone := ""
	if c.SiteID != nil {
		zone = s.siteZones[*c.SiteID]
	}
	return domain.DoorLocation(zone, s.loc)
}
