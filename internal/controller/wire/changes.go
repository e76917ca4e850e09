package wire

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
)

// PersonState is one person as a change carries them: the person with
// their memberships and everything they hold, complete. A credential,
// reservation or group reservation missing from the lists is gone.
type PersonState struct {
	Person            Person             `json:"person"`
	Credentials       []Credential       `json:"credentials"`
	Reservations      []Reservation      `json:"reservations"`
	GroupReservations []GroupReservation `json:"group_reservations"`
}

// ForChannels returns the person state with reservations reduced to the
// given doors (ascending), as a controller of those doors receives it.
func (p PersonState) ForChannels(doors []int64) PersonState {
	p.Reservations = reservationsFor(p.Reservations, doors)
	return p
}

// Changes is the body of GET /controller/v1/changes.
type Changes struct {
	Seq int64 `json:"seq"` // the sequence the controller is at once it applies this answer
	// Resync is true when the changes cannot be sent as a delta (something
	// account-wide changed, or the controller is too far behind): download
	// the snapshot again.
	Resync bool `json:"resync"`
	// Commands is true when a command may be waiting: call GET commands.
	Commands bool `json:"commands"`
	// People changed or added since after, each replaced whole.
	People []PersonState `json:"people,omitempty"`
	// RemovedPeople were deleted since after, with all they held.
	RemovedPeople []int64 `json:"removed_people,omitempty"`
	// Channels are the controller's doors whose state changed since after.
	Channels []Channel `json:"channels,omitempty"`
}

// Delta turns the changes into the access engine's delta, to apply to the
// compiled snapshot of the account with access.Snapshot.Apply.
func (c *Changes) Delta(accountID int64, at time.Time) access.Delta {
	d := access.Delta{RemovedPeople: c.RemovedPeople, At: at}
	for _, p := range c.People {
		st := access.PersonState{Person: p.Person.domain(accountID)}
		for _, x := range p.Credentials {
			st.Credentials = append(st.Credentials, x.domain(accountID))
		}
		for _, x := range p.Reservations {
			st.Reservations = append(st.Reservations, x.domain(accountID))
		}
		for _, x := range p.GroupReservations {
			st.GroupReservations = append(st.GroupReservations, x.domain(accountID))
		}
		d.People = append(d.People, st)
	}
	for _, x := range c.Channels {
		d.Channels = append(d.Channels, x.domain(accountID))
	}
	return d
}

// Merge returns one answer with the effect of applying list in order: each
// person's and door's latest state, and the people removed since. It is
// how several saved changes are folded into a snapshot with one copy.
func Merge(list []*Changes) *Changes {
	if len(list) == 0 {
		return &Changes{}
	}
	people := map[int64]*PersonState{} // nil: removed
	chans := map[int64]Channel{}
	for _, c := range list {
		for _, id := range c.RemovedPeople {
			people[id] = nil
		}
		for i := range c.People {
			people[c.People[i].Person.ID] = &c.People[i]
		}
		for _, ch := range c.Channels {
			chans[ch.ID] = ch
		}
	}
	out := &Changes{Seq: list[len(list)-1].Seq}
	for _, id := range slices.Sorted(maps.Keys(people)) {
		if p := people[id]; p != nil {
			out.People = append(out.People, *p)
		} else {
			out.RemovedPeople = append(out.RemovedPeople, id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(chans)) {
		out.Channels = append(out.Channels, chans[id])
	}
	return out
}

// Apply returns a copy of the snapshot with the changes applied and Seq
// set to theirs; s is unchanged. Its cost is proportional to the size of
// the snapshot: controllers apply changes to their compiled snapshot at
// once and to this form only when they save it.
func (s *Snapshot) Apply(c *Changes) *Snapshot {
	n := *s
	n.Seq = c.Seq
	gone := map[int64]bool{}
	for _, id := range c.RemovedPeople {
		gone[id] = true
	}
	for _, p := range c.People {
		gone[p.Person.ID] = true
	}
	n.People = slices.DeleteFunc(slices.Clone(s.People), func(p Person) bool { return gone[p.ID] })
	n.Credentials = slices.DeleteFunc(slices.Clone(s.Credentials), func(x Credential) bool { return gone[x.PersonID] })
	n.Reservations = slices.DeleteFunc(slices.Clone(s.Reservations), func(x Reservation) bool { return gone[x.PersonID] })
	n.GroupReservations = slices.DeleteFunc(slices.Clone(s.GroupReservations), func(x GroupReservation) bool { return gone[x.PersonID] })
	// A credential value that moved to a changed person leaves its old
	// holder, as in access.Snapshot.Apply.
	taken := map[credKey]bool{}
	for _, p := range c.People {
		n.People = append(n.People, p.Person)
		for _, x := range p.Credentials {
			taken[credKey{x.CredentialTypeID, x.Value}] = true
		}
	}
	n.Credentials = slices.DeleteFunc(n.Credentials, func(x Credential) bool { return taken[credKey{x.CredentialTypeID, x.Value}] })
	for _, p := range c.People {
		n.Credentials = append(n.Credentials, p.Credentials...)
		n.Reservations = append(n.Reservations, p.Reservations...)
		n.GroupReservations = append(n.GroupReservations, p.GroupReservations...)
	}
	// By person, as the server lists them, so the result does not depend on
	// how changes were grouped.
	slices.SortFunc(n.People, func(a, b Person) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortStableFunc(n.Credentials, func(a, b Credential) int { return cmp.Compare(a.PersonID, b.PersonID) })
	slices.SortStableFunc(n.Reservations, func(a, b Reservation) int { return cmp.Compare(a.PersonID, b.PersonID) })
	slices.SortStableFunc(n.GroupReservations, func(a, b GroupReservation) int { return cmp.Compare(a.PersonID, b.PersonID) })
	if len(c.Channels) > 0 {
		n.Channels = slices.Clone(s.Channels)
		for _, ch := range c.Channels {
			if i := slices.IndexFunc(n.Channels, func(x Channel) bool { return x.ID == ch.ID }); i >= 0 {
				n.Channels[i] = ch
			}
		}
	}
	return &n
}

type credKey struct {
	typeID int64
	value  string
}

// DefaultPollTimeout is the longest a GET /controller/v1/changes waits for
// a change before it answers with none; controllers should wait a little
// longer than this for the answer.
const DefaultPollTimeout = 25 * time.Second
