package controller

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// loadSnapshot reads everything the access engine needs about one account,
// in one consistent read, as of now, with the journal position it is
// current as of (Seq): reservations and group reservations that ended
// before now are left out; deactivated group reservations too.
// Errors: ENOTFOUND for an unknown account; otherwise the store's, wrapped.
func loadSnapshot(ctx context.Context, st *store.Store, accountID int64, now time.Time) (*wire.Snapshot, error) {
	out := &wire.Snapshot{AccountID: accountID, GeneratedAt: now.UTC()}
	err := st.ReadConsistent(ctx, accountID, func(tx *store.Store) error {
		acct, err := tx.GetAccount(ctx, accountID)
		if err != nil {
			return err
		}
		out.TimeZone = acct.TimeZone
		if out.Seq, err = tx.AccessSeq(ctx, accountID); err != nil {
			return err
		}
		if err := loadReference(ctx, tx, accountID, out); err != nil {
			return err
		}
		people, err := loadPeople(ctx, tx, accountID, nil, now)
		if err != nil {
			return err
		}
		out.People = make([]wire.Person, 0, len(people))
		for _, p := range people {
			out.People = append(out.People, p.Person)
			out.Credentials = append(out.Credentials, p.Credentials...)
			out.Reservations = append(out.Reservations, p.Reservations...)
			out.GroupReservations = append(out.GroupReservations, p.GroupReservations...)
		}
		return nil
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, err
		}
		return nil, fmt.Errorf("load controller snapshot of account %d: %w", accountID, err)
	}
	return out, nil
}

// loadReference reads the small tables: sites, shifts, doors, credential
// types and roles.
func loadReference(ctx context.Context, st *store.Store, accountID int64, out *wire.Snapshot) error {
	sites, _, err := st.ListSites(ctx, accountID, store.Page{})
	if err != nil {
		return err
	}
	for _, x := range sites {
		out.Sites = append(out.Sites, wire.Site{ID: x.ID, TimeZone: x.TimeZone})
	}
	shifts, err := st.ListShifts(ctx, accountID)
	if err != nil {
		return err
	}
	for _, x := range shifts {
		out.Shifts = append(out.Shifts, wire.Shift{ID: x.ID, TimeZone: x.TimeZone, Windows: x.Windows})
	}
	chans, _, err := st.ListChannels(ctx, accountID, nil, store.Page{})
	if err != nil {
		return err
	}
	for _, x := range chans {
		out.Channels = append(out.Channels, wireChannel(x))
	}
	types, _, err := st.ListCredentialTypes(ctx, accountID, store.Page{})
	if err != nil {
		return err
	}
	for _, x := range types {
		out.CredentialTypes = append(out.CredentialTypes, wire.CredentialType{ID: x.ID, Slug: x.Slug, Label: x.Label, Kind: x.Kind})
	}
	roles, err := st.ListRoles(ctx, accountID)
	if err != nil {
		return err
	}
	for _, x := range roles {
		out.Roles = append(out.Roles, wire.Role{ID: x.ID, ShiftID: x.ShiftID, GroupIDs: x.GroupIDs, ChannelIDs: x.ChannelIDs})
	}
	return nil
}

// wireChannel is a door as controllers see it.
func wireChannel(x *domain.Channel) wire.Channel {
	return wire.Channel{ID: x.ID, Name: x.Name, SiteID: x.SiteID, Mode: x.Mode,
		RelockAt: x.RelockAt, CardLockdown: x.CardLockdown, RexLockdown: x.RexLockdown, AuxLockdown: x.AuxLockdown,
		AutoUnlockShiftID: x.AutoUnlockShiftID}
}

// loadPeople reads people (every one, or only those listed when only is
// not nil), by id, each with their memberships, credentials, reservations
// and group reservations as of now.
func loadPeople(ctx context.Context, st *store.Store, accountID int64, only []int64, now time.Time) ([]wire.PersonState, error) {
	var out []wire.PersonState
	index := map[int64]int{}
	if err := st.EachAccessPerson(ctx, accountID, only, func(p *domain.Person) error {
		index[p.ID] = len(out)
		out = append(out, wire.PersonState{Person: wire.Person{ID: p.ID, FirstName: p.FirstName, LastName: p.LastName,
			Enabled: p.Enabled, ValidFrom: p.ValidFrom, ValidTo: p.ValidTo}})
		return nil
	}); err != nil {
		return nil, err
	}
	holder := func(pid int64) *wire.PersonState {
		if i, ok := index[pid]; ok {
			return &out[i]
		}
		return nil
	}
	if err := st.EachPersonLink(ctx, accountID, only, func(pid, id int64, isRole bool) error {
		p := holder(pid)
		switch {
		case p == nil:
		case isRole:
			p.Person.RoleIDs = append(p.Person.RoleIDs, id)
		default:
			p.Person.GroupIDs = append(p.Person.GroupIDs, id)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := st.EachAccessCredential(ctx, accountID, only, func(c *domain.Credential) error {
		if p := holder(c.PersonID); p != nil {
			p.Credentials = append(p.Credentials, wire.Credential{PersonID: c.PersonID, CredentialTypeID: c.CredentialTypeID,
				Value: *c.Value, Status: c.Status, WalletType: c.WalletType})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := st.EachAccessReservation(ctx, accountID, only, now, func(r *domain.Reservation) error {
		if p := holder(r.PersonID); p != nil {
			p.Reservations = append(p.Reservations, wire.Reservation{PersonID: r.PersonID, StartTime: r.StartTime,
				EndTime: r.EndTime, ChannelIDs: r.ChannelIDs})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	err := st.EachAccessGroupReservation(ctx, accountID, only, now, func(g *domain.GroupReservation) error {
		if p := holder(g.PersonID); p != nil && g.DeactivatedAt == nil {
			p.GroupReservations = append(p.GroupReservations, wire.GroupReservation{PersonID: g.PersonID,
				StartTime: g.StartTime, EndTime: g.EndTime, GroupIDs: g.GroupIDs})
		}
		return nil
	})
	return out, err
}

// loadChange reads the current state of the listed people and doors: the
// people still there, the ids of those gone, and the doors still there (a
// door that is gone was journaled as an account-wide change).
func loadChange(ctx context.Context, st *store.Store, accountID int64, people, channels []int64, now time.Time) (*change, error) {
	c := &change{people: map[int64]*wire.PersonState{}, channels: map[int64]*wire.Channel{}}
	if len(people) > 0 {
		states, err := loadPeople(ctx, st, accountID, people, now)
		if err != nil {
			return nil, err
		}
		for i := range states {
			c.people[states[i].Person.ID] = &states[i]
		}
		for _, id := range people {
			if _, ok := c.people[id]; !ok {
				c.people[id] = nil // deleted
			}
		}
	}
	for _, id := range channels {
		ch, err := st.GetChannel(ctx, accountID, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		w := wireChannel(ch)
		c.channels[id] = &w
	}
	return c, nil
}

// uniqueSorted returns ids sorted without repeats.
func uniqueSorted(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// LoadAccess builds the access engine's snapshot of one account from the
// store, as of now, through the same snapshot controllers download: the
// server and the doors decide from one reading of the database.
// Errors as for loadSnapshot.
func LoadAccess(ctx context.Context, st *store.Store, accountID int64, now time.Time) (*access.Snapshot, error) {
	snap, err := loadSnapshot(ctx, st, accountID, now)
	if err != nil {
		return nil, err
	}
	return access.Build(snap.Source(), now), nil
}
