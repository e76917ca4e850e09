package uhppote

import (
	"slices"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller/wire"
)

// model is the access list the driver compiles for the board: the wire
// snapshot indexed for compiling, kept current with each change, and the
// same list compiled for access.Evaluate (to name the board's decisions).
type model struct {
	accountID  int64
	accountTZ  string
	kinds      map[int64]string // credential type id -> kind
	shifts     map[int64]wire.Shift
	roles      map[int64]wire.Role
	groupRoles map[int64][]int64 // group id -> role ids
	channels   map[int64]wire.Channel
	siteZones  map[int64]string
	people     map[int64]*holder
	decide     *access.Snapshot
	seq        int64

	cache *planCache // shared by the models that follow one snapshot; used under the driver's round lock

	ownersOnce sync.Once
	owners     map[string]credOwner // card and fob values -> holder, built on first use
}

// credOwner is who holds a card or fob value, as which credential type.
type credOwner struct{ personID, typeID int64 }

// holder is one person with everything they hold.
type holder struct {
	person   wire.Person
	creds    []wire.Credential
	res      []wire.Reservation
	groupRes []wire.GroupReservation
}

// newModel indexes a snapshot.
func newModel(s *wire.Snapshot, now time.Time) *model {
	m := &model{accountID: s.AccountID, accountTZ: s.TimeZone, kinds: map[int64]string{}, shifts: map[int64]wire.Shift{},
		roles: map[int64]wire.Role{}, groupRoles: map[int64][]int64{}, channels: map[int64]wire.Channel{},
		siteZones: map[int64]string{}, people: make(map[int64]*holder, len(s.People)), seq: s.Seq}
	for _, t := range s.CredentialTypes {
		m.kinds[t.ID] = t.Kind
	}
	for _, x := range s.Shifts {
		m.shifts[x.ID] = x
	}
	for _, r := range s.Roles {
		m.roles[r.ID] = r
		for _, g := range r.GroupIDs {
			m.groupRoles[g] = append(m.groupRoles[g], r.ID)
		}
	}
	for _, c := range s.Channels {
		m.channels[c.ID] = c
	}
	for _, x := range s.Sites {
		if x.TimeZone != nil {
			m.siteZones[x.ID] = *x.TimeZone
		}
	}
	for _, p := range s.People {
		m.people[p.ID] = &holder{person: p}
	}
	for _, c := range s.Credentials {
		if h := m.people[c.PersonID]; h != nil {
			h.creds = append(h.creds, c)
		}
	}
	for _, r := range s.Reservations {
		if h := m.people[r.PersonID]; h != nil {
			h.res = append(h.res, r)
		}
	}
	for _, g := range s.GroupReservations {
		if h := m.people[g.PersonID]; h != nil {
			h.groupRes = append(h.groupRes, g)
		}
	}
	m.decide = access.Build(s.Source(), now)
	return m
}

// apply returns the model with changes c applied; m is not changed (the
// people map is copied, the people themselves are shared).
func (m *model) apply(c *wire.Changes, now time.Time) *model {
	n := model{accountID: m.accountID, accountTZ: m.accountTZ, kinds: m.kinds, shifts: m.shifts, roles: m.roles,
		groupRoles: m.groupRoles, channels: m.channels, siteZones: m.siteZones, decide: m.decide, cache: m.cache}
	n.seq = c.Seq
	n.people = make(map[int64]*holder, len(m.people)+len(c.People))
	for id, h := range m.people {
		n.people[id] = h
	}
	for _, id := range c.RemovedPeople {
		delete(n.people, id)
	}
	taken := map[credKey]bool{}
	for _, p := range c.People {
		for _, x := range p.Credentials {
			taken[credKey{x.CredentialTypeID, x.Value}] = true
		}
	}
	if len(taken) > 0 {
		// A credential value now held by a changed person is no longer
		// anyone else's, as in access.Snapshot.Apply.
		for id, h := range n.people {
			if slices.ContainsFunc(h.creds, func(x wire.Credential) bool { return taken[credKey{x.CredentialTypeID, x.Value}] }) {
				q := *h
				q.creds = slices.DeleteFunc(slices.Clone(h.creds), func(x wire.Credential) bool {
					return taken[credKey{x.CredentialTypeID, x.Value}]
				})
				n.people[id] = &q
			}
		}
	}
	for _, p := range c.People {
		n.people[p.Person.ID] = &holder{person: p.Person, creds: p.Credentials, res: p.Reservations, groupRes: p.GroupReservations}
	}
	if len(c.Channels) > 0 {
		n.channels = make(map[int64]wire.Channel, len(m.channels))
		for id, ch := range m.channels {
			n.channels[id] = ch
		}
		for _, ch := range c.Channels {
			n.channels[ch.ID] = ch
		}
	}
	n.decide = m.decide.Apply(c.Delta(m.accountID, now))
	return &n
}

type credKey struct {
	typeID int64
	value  string
}

// zoneName is the zone a door's shifts are read in when they name none:
// its site's, else the account's.
func (m *model) zoneName(channelID int64) string {
	if ch, ok := m.channels[channelID]; ok && ch.SiteID != nil {
		if z, ok := m.siteZones[*ch.SiteID]; ok && z != "" {
			return z
		}
	}
	return m.accountTZ
}
