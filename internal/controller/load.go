package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// loadSnapshot reads everything the access engine needs about one account,
// in one consistent read, as of now: reservations and group reservations
// that ended before now are left out; deactivated group reservations too.
// Errors: ENOTFOUND for an unknown account; otherwise the store's, wrapped.
func loadSnapshot(ctx context.Context, st *store.Store, accountID int64, now time.Time) (*Snapshot, error) {
	out := &Snapshot{AccountID: accountID, GeneratedAt: now.UTC()}
	err := st.ReadConsistent(ctx, func(tx *store.Store) error {
		acct, err := tx.GetAccount(ctx, accountID)
		if err != nil {
			return err
		}
		out.TimeZone = acct.TimeZone
		if err := loadReference(ctx, tx, accountID, out); err != nil {
			return err
		}
		return loadPeople(ctx, tx, accountID, now, out)
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
func loadReference(ctx context.Context, st *store.Store, accountID int64, out *Snapshot) error {
	sites, _, err := st.ListSites(ctx, accountID, store.Page{})
	if err != nil {
		return err
	}
	for _, x := range sites {
		out.Sites = append(out.Sites, WireSite{ID: x.ID, TimeZone: x.TimeZone})
	}
	shifts, err := st.ListShifts(ctx, accountID)
	if err != nil {
		return err
	}
	for _, x := range shifts {
		out.Shifts = append(out.Shifts, WireShift{ID: x.ID, TimeZone: x.TimeZone, Windows: x.Windows})
	}
	chans, _, err := st.ListChannels(ctx, accountID, nil, store.Page{})
	if err != nil {
		return err
	}
	for _, x := range chans {
		out.Channels = append(out.Channels, WireChannel{ID: x.ID, Name: x.Name, SiteID: x.SiteID, Mode: x.Mode,
			RelockAt: x.RelockAt, CardLockdown: x.CardLockdown, RexLockdown: x.RexLockdown, AuxLockdown: x.AuxLockdown,
			AutoUnlockShiftID: x.AutoUnlockShiftID})
	}
	types, _, err := st.ListCredentialTypes(ctx, accountID, store.Page{})
	if err != nil {
		return err
	}
	for _, x := range types {
		out.CredentialTypes = append(out.CredentialTypes, WireCredentialType{ID: x.ID, Slug: x.Slug, Label: x.Label, Kind: x.Kind})
	}
	roles, err := st.ListRoles(ctx, accountID)
	if err != nil {
		return err
	}
	for _, x := range roles {
		out.Roles = append(out.Roles, WireRole{ID: x.ID, ShiftID: x.ShiftID, GroupIDs: x.GroupIDs, ChannelIDs: x.ChannelIDs})
	}
	return nil
}

// loadPeople reads people with their memberships, credentials,
// reservations and group reservations.
func loadPeople(ctx context.Context, st *store.Store, accountID int64, now time.Time, out *Snapshot) error {
	index := map[int64]int{}
	if err := st.EachAccessPerson(ctx, accountID, func(p *domain.Person) error {
		index[p.ID] = len(out.People)
		out.People = append(out.People, WirePerson{ID: p.ID, FirstName: p.FirstName, LastName: p.LastName,
			Enabled: p.Enabled, ValidFrom: p.ValidFrom, ValidTo: p.ValidTo})
		return nil
	}); err != nil {
		return err
	}
	if err := st.EachPersonLink(ctx, accountID, func(pid, id int64, isRole bool) error {
		i, ok := index[pid]
		if !ok {
			return nil
		}
		if isRole {
			out.People[i].RoleIDs = append(out.People[i].RoleIDs, id)
		} else {
			out.People[i].GroupIDs = append(out.People[i].GroupIDs, id)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := st.EachAccessCredential(ctx, accountID, func(c *domain.Credential) error {
		out.Credentials = append(out.Credentials, WireCredential{PersonID: c.PersonID, CredentialTypeID: c.CredentialTypeID,
			Value: *c.Value, Status: c.Status, WalletType: c.WalletType})
		return nil
	}); err != nil {
		return err
	}
	if err := st.EachAccessReservation(ctx, accountID, now, func(r *domain.Reservation) error {
		out.Reservations = append(out.Reservations, WireReservation{PersonID: r.PersonID, StartTime: r.StartTime,
			EndTime: r.EndTime, ChannelIDs: r.ChannelIDs})
		return nil
	}); err != nil {
		return err
	}
	return st.EachAccessGroupReservation(ctx, accountID, now, func(g *domain.GroupReservation) error {
		if g.DeactivatedAt == nil {
			out.GroupReservations = append(out.GroupReservations, WireGroupReservation{PersonID: g.PersonID,
				StartTime: g.StartTime, EndTime: g.EndTime, GroupIDs: g.GroupIDs})
		}
		return nil
	})
}
