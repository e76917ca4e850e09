package access

import (
	"context"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// Load builds the snapshot of one account from the store, as of now.
// Errors: ENOTFOUND when the account does not exist; otherwise the
// store's, wrapped.
func Load(ctx context.Context, st *store.Store, accountID int64) (*Snapshot, error) {
	return LoadAt(ctx, st, accountID, time.Now())
}

// LoadAt is Load with the clock given: reservations and group reservations
// that ended before now are left out (they can never grant again), and
// the snapshot is stamped with now. Every table is read in one consistent
// read (store.ReadConsistent), so the snapshot never mixes two states of
// the database. Errors as for Load.
func LoadAt(ctx context.Context, st *store.Store, accountID int64, now time.Time) (*Snapshot, error) {
	var snap *Snapshot
	err := st.ReadConsistent(ctx, func(tx *store.Store) error {
		acct, err := tx.GetAccount(ctx, accountID)
		if err != nil {
			return err
		}
		b := NewBuilder(acct)
		if err := loadReference(ctx, tx, b, accountID); err != nil {
			return err
		}
		if err := tx.EachAccessPerson(ctx, accountID, nil, func(p *domain.Person) error {
			b.AddPerson(p)
			return nil
		}); err != nil {
			return err
		}
		if err := tx.EachPersonLink(ctx, accountID, nil, func(pid, id int64, isRole bool) error {
			b.addLink(pid, id, isRole)
			return nil
		}); err != nil {
			return err
		}
		if err := tx.EachAccessCredential(ctx, accountID, nil, func(c *domain.Credential) error {
			b.AddCredential(c)
			return nil
		}); err != nil {
			return err
		}
		if err := tx.EachAccessReservation(ctx, accountID, nil, now, func(r *domain.Reservation) error {
			b.AddReservation(r)
			return nil
		}); err != nil {
			return err
		}
		if err := tx.EachAccessGroupReservation(ctx, accountID, nil, now, func(g *domain.GroupReservation) error {
			b.AddGroupReservation(g)
			return nil
		}); err != nil {
			return err
		}
		snap = b.Build(now)
		return nil
	})
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, err
		}
		return nil, fmt.Errorf("load access snapshot of account %d: %w", accountID, err)
	}
	return snap, nil
}

// loadReference reads the small tables: sites, shifts, doors, credential
// types and roles.
func loadReference(ctx context.Context, st *store.Store, b *Builder, accountID int64) error {
	sites, _, err := st.ListSites(ctx, accountID, store.Page{})
	if err != nil {
		return err
	}
	for _, x := range sites {
		b.AddSite(x)
	}
	shifts, err := st.ListShifts(ctx, accountID)
	if err != nil {
		return err
	}
	for _, x := range shifts {
		b.AddShift(x)
	}
	chans, _, err := st.ListChannels(ctx, accountID, nil, store.Page{})
	if err != nil {
		return err
	}
	for _, x := range chans {
		b.AddChannel(x)
	}
	types, _, err := st.ListCredentialTypes(ctx, accountID, store.Page{})
	if err != nil {
		return err
	}
	for _, x := range types {
		b.AddCredentialType(x)
	}
	roles, err := st.ListRoles(ctx, accountID)
	if err != nil {
		return err
	}
	for _, x := range roles {
		b.AddRole(x)
	}
	return nil
}
