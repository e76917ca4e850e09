package access

import (
	"slices"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Source is everything Build needs, as domain values. People carry their
// GroupIDs and RoleIDs; roles their GroupIDs, ChannelIDs and ShiftID.
type Source struct {
	Account           *domain.Account
	Sites             []*domain.Site
	Shifts            []*domain.Shift
	Channels          []*domain.Channel
	CredentialTypes   []*domain.CredentialType
	Roles             []*domain.Role
	People            []*domain.Person
	Credentials       []*domain.Credential
	Reservations      []*domain.Reservation
	GroupReservations []*domain.GroupReservation
}

// Build returns the snapshot of src, stamped with builtAt. It never fails:
// rows that reference something missing simply grant nothing (a credential
// of an unknown person is an unknown credential, a role's unknown shift
// never matches, a zone that cannot be loaded falls back to the account's,
// and the account's to UTC).
func Build(src Source, builtAt time.Time) *Snapshot {
	b := NewBuilder(src.Account)
	for _, x := range src.Sites {
		b.AddSite(x)
	}
	for _, x := range src.Shifts {
		b.AddShift(x)
	}
	for _, x := range src.Channels {
		b.AddChannel(x)
	}
	for _, x := range src.CredentialTypes {
		b.AddCredentialType(x)
	}
	for _, x := range src.Roles {
		b.AddRole(x)
	}
	for _, x := range src.People {
		b.AddPerson(x)
	}
	for _, x := range src.Credentials {
		b.AddCredential(x)
	}
	for _, x := range src.Reservations {
		b.AddReservation(x)
	}
	for _, x := range src.GroupReservations {
		b.AddGroupReservation(x)
	}
	return b.Build(builtAt)
}

// Builder assembles a Snapshot row by row, in any order. It is not safe
// for concurrent use, and must not be used after Build.
type Builder struct {
	s        *Snapshot
	siteZone map[int64]string
	rawChans []*domain.Channel
	people   map[int64]*person
	creds    map[credKey]credEntry
	res      map[int64][]reservation
	groupRes map[int64][]groupReservation
}

// NewBuilder starts a snapshot of acct (nil means an account in UTC).
func NewBuilder(acct *domain.Account) *Builder {
	s := &Snapshot{loc: time.UTC, types: map[int64]kind{}, channels: map[int64]*channel{},
		shifts: map[int64]*schedule{}, roles: map[int64]*role{}, groupRoles: map[int64][]int64{}}
	if acct != nil {
		s.accountID, s.loc = acct.ID, acct.Location()
	}
	return &Builder{s: s, siteZone: map[int64]string{},
		people: map[int64]*person{}, creds: map[credKey]credEntry{},
		res: map[int64][]reservation{}, groupRes: map[int64][]groupReservation{}}
}

// AddSite records a site's time zone for its doors.
func (b *Builder) AddSite(x *domain.Site) {
	if x.TimeZone != nil {
		b.siteZone[x.ID] = *x.TimeZone
	}
}

// AddShift compiles a weekly shift.
func (b *Builder) AddShift(x *domain.Shift) { b.s.shifts[x.ID] = compileShift(x) }

// AddChannel records a door and its state (its zone is resolved at Build,
// once every site is known).
func (b *Builder) AddChannel(x *domain.Channel) { b.rawChans = append(b.rawChans, x) }

// AddCredentialType records the kind of a credential type.
func (b *Builder) AddCredentialType(x *domain.CredentialType) { b.s.types[x.ID] = kindOf(x.Kind) }

// AddRole records a role's doors and shift, and indexes it by group.
func (b *Builder) AddRole(x *domain.Role) {
	r := &role{id: x.ID, channels: sortedIDs(x.ChannelIDs)}
	if x.ShiftID != nil {
		r.shiftID = *x.ShiftID
	}
	b.s.roles[x.ID] = r
	for _, g := range x.GroupIDs {
		b.s.groupRoles[g] = append(b.s.groupRoles[g], x.ID)
	}
}

// AddPerson records a holder with their groups and direct roles.
func (b *Builder) AddPerson(x *domain.Person) {
	b.people[x.ID] = newPerson(x)
}

// AddCredential indexes a credential by (type, value). Credentials without
// a value (mobile passes not yet issued) cannot be presented and are left
// out.
func (b *Builder) AddCredential(x *domain.Credential) {
	if x.Value == nil {
		return
	}
	k := credKey{x.CredentialTypeID, *x.Value}
	b.creds[k] = newCredEntry(x)
}

// AddReservation records a person's reservation of some doors.
func (b *Builder) AddReservation(x *domain.Reservation) {
	b.res[x.PersonID] = append(b.res[x.PersonID], newReservation(x))
}

// AddGroupReservation records a temporary group membership. Deactivated
// ones are left out: they never grant anything again.
func (b *Builder) AddGroupReservation(x *domain.GroupReservation) {
	if x.DeactivatedAt != nil {
		return
	}
	b.groupRes[x.PersonID] = append(b.groupRes[x.PersonID], newGroupReservation(x))
}

// Build finishes the snapshot, stamped with builtAt.
func (b *Builder) Build(builtAt time.Time) *Snapshot {
	s := b.s
	s.builtAt = builtAt
	s.siteZones = b.siteZone
	for _, x := range b.rawChans {
		s.channels[x.ID] = newChannel(x, s.channelZone(x))
	}
	for g := range s.groupRoles {
		slices.Sort(s.groupRoles[g])
	}
	for k, c := range b.creds {
		if p := b.people[c.personID]; p != nil {
			p.creds = append(p.creds, k)
		}
	}
	for id, p := range b.people {
		p.res = b.res[id]
		p.groupRes = b.groupRes[id]
	}
	s.creds = layered[credKey, credEntry]{base: b.creds}
	s.people = layered[int64, *person]{base: b.people}
	b.s = nil
	return s
}

func newPerson(x *domain.Person) *person {
	p := &person{id: x.ID, name: x.FirstName + " " + x.LastName, enabled: x.Enabled, validFrom: forever, validTo: never,
		groups: slices.Clone(x.GroupIDs), roles: slices.Clone(x.RoleIDs)}
	if x.ValidFrom != nil {
		p.validFrom = x.ValidFrom.UnixMilli()
	}
	if x.ValidTo != nil {
		p.validTo = x.ValidTo.UnixMilli()
	}
	return p
}

// usableStatuses are the mobile credential states that open doors; a
// credential without a status (cards, fobs, PINs) is always usable.
func usable(status *string) bool {
	return status == nil || *status == "active" || *status == "added_to_wallet"
}

func newCredEntry(x *domain.Credential) credEntry {
	return credEntry{personID: x.PersonID, wallet: walletKind(kindMobile, x.WalletType), disabled: !usable(x.Status)}
}

func newReservation(x *domain.Reservation) reservation {
	return reservation{start: x.StartTime.UnixMilli(), end: x.EndTime.UnixMilli(), channels: sortedIDs(x.ChannelIDs)}
}

func newGroupReservation(x *domain.GroupReservation) groupReservation {
	return groupReservation{start: x.StartTime.UnixMilli(), end: x.EndTime.UnixMilli(), groups: slices.Clone(x.GroupIDs)}
}

func newChannel(x *domain.Channel, loc *time.Location) *channel {
	c := &channel{id: x.ID, name: x.Name, loc: loc, cardLockdown: x.CardLockdown, rexLockdown: x.RexLockdown,
		auxLockdown: x.AuxLockdown, unlock: x.Mode == "unlock", relockAt: never}
	if x.RelockAt != nil {
		c.relockAt = x.RelockAt.UnixMilli()
	}
	if x.AutoUnlockShiftID != nil {
		c.autoUnlockShift = *x.AutoUnlockShiftID
	}
	return c
}

func sortedIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// addLink adds a group membership (isRole false) or a direct role to a
// person already added; links of unknown people are ignored.
func (b *Builder) addLink(personID, id int64, isRole bool) {
	p := b.people[personID]
	if p == nil {
		return
	}
	if isRole {
		p.roles = append(p.roles, id)
	} else {
		p.groups = append(p.groups, id)
	}
}
