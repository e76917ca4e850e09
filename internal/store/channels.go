package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const channelCols = `id, account_id, site_id, name, mac_address, unit, model, model_long, serial_number, card_format, pin_format,
	status, mode, relock_at, mode_changed_at, card_lockdown, rex_lockdown, aux_lockdown, auto_unlock_shift_id,
	sync_status, last_sync_completed_at, created_at, updated_at`

func scanChannel(sc scanner) (*domain.Channel, error) {
	var (
		c                                  domain.Channel
		site, relock, changed, shift, sync sql.NullInt64
		model, serial, cardFmt, pinFmt     sql.NullString
		created, updated                   int64
	)
	if err := sc.Scan(&c.ID, &c.AccountID, &site, &c.Name, &c.MACAddress, &c.Unit, &model, &c.ModelLong, &serial, &cardFmt, &pinFmt,
		&c.Status, &c.Mode, &relock, &changed, &c.CardLockdown, &c.RexLockdown, &c.AuxLockdown, &shift,
		&c.SyncStatus, &sync, &created, &updated); err != nil {
		return nil, err
	}
	c.SiteID, c.AutoUnlockShiftID = int64Ptr(site), int64Ptr(shift)
	c.Model, c.SerialNumber, c.CardFormat, c.PINFormat = strPtr(model), strPtr(serial), strPtr(cardFmt), strPtr(pinFmt)
	c.RelockAt, c.ModeChangedAt, c.LastSyncCompletedAt = timePtr(relock), timePtr(changed), timePtr(sync)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

// CreateChannel inserts a door, assigning ID and defaulting status, mode
// and sync status. Errors: EINVALID for a blank name or a site or shift
// that is not the account's.
func (s *Store) CreateChannel(ctx context.Context, c *domain.Channel) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.createChannel(ctx, c); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, c.AccountID)
	})
}

// checkChannel checks the fields a door's creation and update share: the
// domain rule (Channel.Validate), and a site of the door's account. It
// returns the problems found; the error is the database's.
func (s *Store) checkChannel(ctx context.Context, c *domain.Channel) (domain.Validation, error) {
	v := domain.Validation{}
	if err := v.Merge(c.Validate()); err != nil {
		return v, err
	}
	if c.SiteID != nil {
		m, err := s.missingIDs(ctx, "sites", c.AccountID, []int64{*c.SiteID})
		if err != nil {
			return v, err
		}
		if len(m) > 0 {
			v.Add("site_id", "Not found for this account")
		}
	}
	return v, nil
}

// createChannel is CreateChannel without the journal row.
func (s *Store) createChannel(ctx context.Context, c *domain.Channel) error {
	if c.Mode == "" {
		c.Mode = domain.ModeNormal
	}
	v, err := s.checkChannel(ctx, c)
	if err != nil {
		return err
	}
	if c.AutoUnlockShiftID != nil {
		if m, err := s.missingIDs(ctx, "shifts", c.AccountID, []int64{*c.AutoUnlockShiftID}); err != nil {
			return err
		} else if len(m) > 0 {
			v.Add("auto_unlock_shift_id", "Not found for this account")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if c.Unit == 0 {
		c.Unit = 1
	}
	if c.Status == "" {
		c.Status = "offline"
	}
	if c.SyncStatus == "" {
		c.SyncStatus = "ok"
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	c.UpdatedAt = c.CreatedAt
	id, err := s.insert(ctx, `INSERT INTO channels (account_id, site_id, name, mac_address, unit, model, model_long, serial_number,
		card_format, pin_format, status, mode, relock_at, mode_changed_at, card_lockdown, rex_lockdown, aux_lockdown,
		auto_unlock_shift_id, sync_status, last_sync_completed_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.AccountID, nullInt(c.SiteID), c.Name, c.MACAddress, c.Unit, nullStr(c.Model), c.ModelLong, nullStr(c.SerialNumber),
		nullStr(c.CardFormat), nullStr(c.PINFormat), c.Status, c.Mode, msPtr(c.RelockAt), msPtr(c.ModeChangedAt),
		c.CardLockdown, c.RexLockdown, c.AuxLockdown, nullInt(c.AutoUnlockShiftID), c.SyncStatus, msPtr(c.LastSyncCompletedAt),
		ms(c.CreatedAt), ms(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create channel: %w", err)
	}
	c.ID = id
	return nil
}

// GetChannel returns a door of the account, or ENOTFOUND.
func (s *Store) GetChannel(ctx context.Context, accountID, id int64) (*domain.Channel, error) {
	c, err := scanChannel(s.queryRow(ctx, `SELECT `+channelCols+` FROM channels WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("channel")
	}
	if err != nil {
		return nil, fmt.Errorf("get channel %d: %w", id, err)
	}
	return c, nil
}

// ListChannels returns a page of the account's doors by id (only one site's
// when siteID is not nil), and how many match.
func (s *Store) ListChannels(ctx context.Context, accountID int64, siteID *int64, page Page) ([]*domain.Channel, int, error) {
	where := ` WHERE account_id = ?`
	args := []any{accountID}
	if siteID != nil {
		where += ` AND site_id = ?`
		args = append(args, *siteID)
	}
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM channels`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count channels: %w", err)
	}
	rows, err := s.query(ctx, `SELECT `+channelCols+` FROM channels`+where+` ORDER BY id`+page.sql(), page.bind(args...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list channels: %w", err)
	}
	defer rows.Close()
	out := []*domain.Channel{}
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// SaveChannelState writes a door's mode, relock time, lockdown flags,
// auto-unlock shift, connection status and updated_at. Errors: ENOTFOUND;
// EINVALID (auto_unlock_shift_id) for a shift that is not the account's.
func (s *Store) SaveChannelState(ctx context.Context, c *domain.Channel) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.saveChannelState(ctx, c); err != nil {
			return err
		}
		return tx.noteAccessChange(ctx, c.AccountID, 0, c.ID)
	})
}

// saveChannelState is SaveChannelState without the journal row.
func (s *Store) saveChannelState(ctx context.Context, c *domain.Channel) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.AutoUnlockShiftID != nil {
		if m, err := s.missingIDs(ctx, "shifts", c.AccountID, []int64{*c.AutoUnlockShiftID}); err != nil {
			return err
		} else if len(m) > 0 {
			return invalidIDs("shift_id", "shift", m)
		}
	}
	res, err := s.exec(ctx, `UPDATE channels SET mode = ?, relock_at = ?, mode_changed_at = ?, card_lockdown = ?, rex_lockdown = ?,
		aux_lockdown = ?, auto_unlock_shift_id = ?, status = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
		c.Mode, msPtr(c.RelockAt), msPtr(c.ModeChangedAt), c.CardLockdown, c.RexLockdown, c.AuxLockdown, nullInt(c.AutoUnlockShiftID),
		c.Status, ms(c.UpdatedAt), c.ID, c.AccountID)
	if err != nil {
		return fmt.Errorf("save channel %d state: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("channel")
	}
	return nil
}

// UpdateChannel writes a door's descriptive fields: site, name, MAC
// address, unit, model and formats. Mode, lockdown and status change only
// through SaveChannelState. Errors: EINVALID for a blank name or a foreign
// site; ENOTFOUND.
func (s *Store) UpdateChannel(ctx context.Context, c *domain.Channel) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.updateChannel(ctx, c); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, c.AccountID)
	})
}

// updateChannel is UpdateChannel without the journal row.
func (s *Store) updateChannel(ctx context.Context, c *domain.Channel) error {
	v, err := s.checkChannel(ctx, c)
	if err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = time.Now().UTC()
	}
	res, err := s.exec(ctx, `UPDATE channels SET site_id = ?, name = ?, mac_address = ?, unit = ?, model = ?, model_long = ?, serial_number = ?,
		card_format = ?, pin_format = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
		nullInt(c.SiteID), c.Name, c.MACAddress, c.Unit, nullStr(c.Model), c.ModelLong, nullStr(c.SerialNumber), nullStr(c.CardFormat),
		nullStr(c.PINFormat), ms(c.UpdatedAt), c.ID, c.AccountID)
	if err != nil {
		return fmt.Errorf("update channel %d: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("channel")
	}
	return nil
}

// DeleteChannel removes a door of the account with its role and
// reservation links and its queued commands; events keep the door's name.
// Errors: ENOTFOUND.
func (s *Store) DeleteChannel(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.deleteChannel(ctx, accountID, id); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, accountID)
	})
}

// deleteChannel is DeleteChannel without the journal row.
func (s *Store) deleteChannel(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		for _, q := range []string{
			`DELETE FROM role_channels WHERE account_id = ? AND channel_id = ?`,
			`DELETE FROM reservation_channels WHERE account_id = ? AND channel_id = ?`,
			`DELETE FROM channel_commands WHERE account_id = ? AND channel_id = ?`,
		} {
			if _, err := tx.exec(ctx, q, accountID, id); err != nil {
				return fmt.Errorf("delete channel %d links: %w", id, err)
			}
		}
		return tx.deleteRow(ctx, "channels", "channel", accountID, id)
	})
}

// DoorsLocation returns the time zone wall-clock times at the listed doors
// of the account are read in: the doors' zone (domain.DoorLocation) when
// they all share one, else the account's. No doors means the account's.
// Errors: ENOTFOUND for an unknown account; otherwise the database's.
func (s *Store) DoorsLocation(ctx context.Context, accountID int64, ids []int64) (*time.Location, error) {
	acct, err := s.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	zones := map[int64]string{}
	if ids = uniqueIDs(ids); len(ids) > 0 {
		rows, err := s.query(ctx, `SELECT c.id, st.time_zone FROM channels c JOIN sites st ON st.id = c.site_id
			WHERE c.account_id = ? AND st.time_zone IS NOT NULL AND c.id IN (`+placeholders(len(ids))+`)`, idArgs(ids, accountID)...)
		if err != nil {
			return nil, fmt.Errorf("door time zones: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var tz string
			if err := rows.Scan(&id, &tz); err != nil {
				return nil, err
			}
			zones[id] = tz
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var loc *time.Location
	for _, id := range ids {
		door := domain.DoorLocation(zones[id], acct.Location())
		if loc != nil && door.String() != loc.String() {
			return acct.Location(), nil
		}
		loc = door
	}
	if loc == nil {
		return acct.Location(), nil
	}
	return loc, nil
}
