package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Controller is an enrolled door controller: a device that decides locally
// for some doors and talks to the server with a device secret, of which
// only the SHA-256 digest is kept.
type Controller struct {
	ID           int64
	AccountID    int64
	Name         string
	MACAddress   *string // when set, every door of the account with this MAC is covered
	SecretDigest string  // hex SHA-256 of the device secret
	CreatedAt    time.Time
	LastSeenAt   *time.Time
	RevokedAt    *time.Time
}

const controllerCols = `id, account_id, name, mac_address, secret_digest, created_at, last_seen_at, revoked_at`

func scanController(sc scanner) (*Controller, error) {
	var (
		c             Controller
		mac           sql.NullString
		created       int64
		seen, revoked sql.NullInt64
	)
	if err := sc.Scan(&c.ID, &c.AccountID, &c.Name, &mac, &c.SecretDigest, &created, &seen, &revoked); err != nil {
		return nil, err
	}
	c.MACAddress, c.CreatedAt, c.LastSeenAt, c.RevokedAt = strPtr(mac), fromMS(created), timePtr(seen), timePtr(revoked)
	return &c, nil
}

// CreateController enrols a controller for the given doors (and, with a
// MAC address, every door of the account that has it), assigning ID.
// Errors: EINVALID when it would cover no door, or a door is not the
// account's; ECONFLICT when the secret digest is already in use.
func (s *Store) CreateController(ctx context.Context, c *Controller, channelIDs []int64) error {
	channelIDs = uniqueIDs(channelIDs)
	v := domain.Validation{}
	if len(channelIDs) == 0 && (c.MACAddress == nil || *c.MACAddress == "") {
		v.Add("channel_id", "a controller needs a door or a MAC address")
	}
	if len(channelIDs) > 0 {
		missing, err := s.MissingChannels(ctx, c.AccountID, channelIDs)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			v.Add("channel_id", fmt.Sprintf("Not found for this account: %v", missing))
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	return s.InTx(ctx, func(tx *Store) error {
		id, err := tx.insert(ctx, `INSERT INTO controllers (account_id, name, mac_address, secret_digest, created_at)
			VALUES (?, ?, ?, ?, ?)`, c.AccountID, c.Name, nullStr(c.MACAddress), c.SecretDigest, ms(c.CreatedAt))
		if isUniqueViolation(err) {
			return domain.Errorf(domain.ECONFLICT, "that controller secret is already in use")
		}
		if err != nil {
			return fmt.Errorf("create controller: %w", err)
		}
		for _, ch := range channelIDs {
			if _, err := tx.exec(ctx, `INSERT INTO controller_channels (controller_id, channel_id) VALUES (?, ?)`, id, ch); err != nil {
				return fmt.Errorf("create controller door %d: %w", ch, err)
			}
		}
		c.ID = id
		return nil
	})
}

// ControllerBySecretDigest returns the controller whose secret has the
// digest. Errors: ENOTFOUND when none has it or it was revoked.
func (s *Store) ControllerBySecretDigest(ctx context.Context, digest string) (*Controller, error) {
	c, err := scanController(s.queryRow(ctx, `SELECT `+controllerCols+` FROM controllers WHERE secret_digest = ? AND revoked_at IS NULL`, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("controller")
	}
	if err != nil {
		return nil, fmt.Errorf("find controller: %w", err)
	}
	return c, nil
}

// ListControllers returns the account's controllers, revoked ones
// included, by id.
func (s *Store) ListControllers(ctx context.Context, accountID int64) ([]*Controller, error) {
	rows, err := s.query(ctx, `SELECT `+controllerCols+` FROM controllers WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list controllers: %w", err)
	}
	defer rows.Close()
	out := []*Controller{}
	for rows.Next() {
		c, err := scanController(rows)
		if err != nil {
			return nil, fmt.Errorf("list controllers: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeController refuses the controller's secret from now on. Errors:
// ENOTFOUND unless a controller of the account that is not yet revoked
// has the id.
func (s *Store) RevokeController(ctx context.Context, accountID, id int64, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		res, err := tx.exec(ctx, `UPDATE controllers SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL`, ms(at), id, accountID)
		if err != nil {
			return fmt.Errorf("revoke controller %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("controller")
		}
		// A revoked controller no longer holds back mobile revocations.
		_, err = tx.FinishMobileRevocations(ctx, accountID, at)
		return err
	})
}

// ControllerChannels returns the ids of the doors a controller covers,
// ascending: the doors it was enrolled for and, when it has a MAC address,
// every door of its account with that MAC.
func (s *Store) ControllerChannels(ctx context.Context, c *Controller) ([]int64, error) {
	mac := ""
	if c.MACAddress != nil {
		mac = *c.MACAddress
	}
	rows, err := s.query(ctx, `SELECT id FROM channels WHERE account_id = ? AND (
			id IN (SELECT channel_id FROM controller_channels WHERE controller_id = ?)
			OR (? <> '' AND mac_address = ?))
		ORDER BY id`, c.AccountID, c.ID, mac, mac)
	if err != nil {
		return nil, fmt.Errorf("controller %d doors: %w", c.ID, err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("controller %d doors: %w", c.ID, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RecordHeartbeat notes that the controller is alive for its doors at at:
// the controller's last_seen_at and each door's heartbeat are set, and
// doors that were offline become online (a door waiting for an encryption
// key keeps that status). It returns how many doors came online.
func (s *Store) RecordHeartbeat(ctx context.Context, controllerID int64, channelIDs []int64, at time.Time) (int, error) {
	came := 0
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `UPDATE controllers SET last_seen_at = ? WHERE id = ?`, ms(at), controllerID); err != nil {
			return fmt.Errorf("controller heartbeat: %w", err)
		}
		for _, ch := range channelIDs {
			if _, err := tx.exec(ctx, `INSERT INTO channel_heartbeats (channel_id, controller_id, last_seen_at) VALUES (?, ?, ?)
				ON CONFLICT (channel_id) DO UPDATE SET controller_id = excluded.controller_id, last_seen_at = excluded.last_seen_at`,
				ch, controllerID, ms(at)); err != nil {
				return fmt.Errorf("door %d heartbeat: %w", ch, err)
			}
		}
		if len(channelIDs) == 0 {
			return nil
		}
		rows, err := tx.query(ctx, `UPDATE channels SET status = 'online' WHERE status = 'offline' AND id IN (`+placeholders(len(channelIDs))+`)
			RETURNING account_id`, idArgs(channelIDs)...)
		if err != nil {
			return fmt.Errorf("doors online: %w", err)
		}
		accounts, err := scanIDs(rows)
		if err != nil {
			return fmt.Errorf("doors online: %w", err)
		}
		came = len(accounts)
		return tx.announceEach(ctx, accounts, ChangeDoorStatus)
	})
	return came, err
}

// ChannelHeartbeat returns when a controller last sent a heartbeat for the
// door, through any server, and false when none ever did.
func (s *Store) ChannelHeartbeat(ctx context.Context, channelID int64) (time.Time, bool, error) {
	var at int64
	err := s.queryRow(ctx, `SELECT last_seen_at FROM channel_heartbeats WHERE channel_id = ?`, channelID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("door %d heartbeat: %w", channelID, err)
	}
	return fromMS(at), true, nil
}

// MarkSilentChannelsOffline sets every online door whose last heartbeat is
// older than cutoff to offline, and returns how many it changed. Doors that
// never had a controller are left alone.
func (s *Store) MarkSilentChannelsOffline(ctx context.Context, cutoff time.Time) (int, error) {
	var n int
	err := s.InTx(ctx, func(tx *Store) error {
		rows, err := tx.query(ctx, `UPDATE channels SET status = 'offline' WHERE status = 'online'
			AND id IN (SELECT channel_id FROM channel_heartbeats WHERE last_seen_at < ?) RETURNING account_id`, ms(cutoff))
		if err != nil {
			return fmt.Errorf("mark silent doors offline: %w", err)
		}
		accounts, err := scanIDs(rows)
		if err != nil {
			return fmt.Errorf("mark silent doors offline: %w", err)
		}
		n = len(accounts)
		return tx.announceEach(ctx, accounts, ChangeDoorStatus)
	})
	return n, err
}

// ControllerEventResult is what happened to one uploaded event.
type ControllerEventResult struct {
	EventID   int64
	Duplicate bool // an event with the same client id was already stored
}

// StoreControllerEvents appends events that carry a ClientEventID, in one
// transaction, and returns one result per event in order. An event whose
// client id the account already has is not stored again: its result names
// the event stored first, with Duplicate set. Errors: EINVALID when an
// event has no client id; otherwise the store's (nothing is stored).
func (s *Store) StoreControllerEvents(ctx context.Context, events []*domain.Event) ([]ControllerEventResult, error) {
	out := make([]ControllerEventResult, len(events))
	for _, e := range events {
		if e.ClientEventID == nil || *e.ClientEventID == "" {
			return nil, domain.Errorf(domain.EINVALID, "every controller event needs a client event id")
		}
	}
	err := s.InTx(ctx, func(tx *Store) error {
		// One statement for the whole batch: parsing it per event cost as
		// much as the insert.
		ctx := tx.live(ctx) // the statement below runs here, not through exec
		insert, err := tx.prepareInTx(ctx, `INSERT INTO events (account_id, event_code, event_label, channel_id, channel_name, person_id, person_name,
				person_first_name, person_last_name, credentials_number, client_event_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (account_id, client_event_id) DO NOTHING RETURNING id`)
		if err != nil {
			return fmt.Errorf("store controller events: %w", err)
		}
		defer insert.Close()
		for i, e := range events {
			if e.UpdatedAt.IsZero() {
				e.UpdatedAt = e.CreatedAt
			}
			var id int64
			err := insert.QueryRowContext(ctx,
				e.AccountID, e.EventCode, e.EventLabel, nullInt(e.ChannelID), nullStr(e.ChannelName), nullInt(e.PersonID), nullStr(e.PersonName),
				nullStr(e.PersonFirstName), nullStr(e.PersonLastName), nullStr(e.CredentialsNumber), nullStr(e.ClientEventID),
				ms(e.CreatedAt), ms(e.UpdatedAt)).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				if err := tx.queryRow(ctx, `SELECT id FROM events WHERE account_id = ? AND client_event_id = ?`,
					e.AccountID, *e.ClientEventID).Scan(&id); err != nil {
					return fmt.Errorf("find event %q: %w", *e.ClientEventID, err)
				}
				out[i] = ControllerEventResult{EventID: id, Duplicate: true}
				continue
			}
			if err != nil {
				return fmt.Errorf("store controller event: %w", err)
			}
			e.ID = id
			out[i] = ControllerEventResult{EventID: id}
			if err := tx.countEvents(e); err != nil {
				return err
			}
			if err := tx.announce(ctx, e.AccountID, ChangeEvents); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PendingControllerCommands returns the commands of the doors that no
// controller has reported on yet, oldest first, and marks queued ones
// delivered at now. Expired commands are left out, and so are admissions
// created before admitNotBefore (opening a door late would be wrong).
func (s *Store) PendingControllerCommands(ctx context.Context, channelIDs []int64, admitNotBefore, now time.Time) ([]*domain.ChannelCommand, error) {
	if len(channelIDs) == 0 {
		return []*domain.ChannelCommand{}, nil
	}
	var out []*domain.ChannelCommand
	err := s.InTx(ctx, func(tx *Store) error {
		args := idArgs(channelIDs)
		args = append(args, domain.CommandQueued, domain.CommandDelivered, ms(admitNotBefore))
		rows, err := tx.query(ctx, `SELECT `+channelCommandCols+` FROM channel_commands c
			WHERE channel_id IN (`+placeholders(len(channelIDs))+`) AND status IN (?, ?)
			AND NOT EXISTS (SELECT 1 FROM controller_command_results r WHERE r.command_id = c.id)
			AND (admission_request_id IS NULL OR created_at >= ?)
			ORDER BY id`, args...)
		if err != nil {
			return fmt.Errorf("pending commands: %w", err)
		}
		out = []*domain.ChannelCommand{}
		for rows.Next() {
			c, err := scanChannelCommand(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("pending commands: %w", err)
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("pending commands: %w", err)
		}
		claimed := out[:0]
		for _, c := range out {
			if c.Status != domain.CommandQueued {
				claimed = append(claimed, c)
				continue
			}
			// Claimed unless the API expired it in the meantime (its door
			// seemed offline: it must not open the door). The API may also
			// have marked it delivered since it was read; then it is still
			// this controller's to run.
			res, err := tx.exec(ctx, `UPDATE channel_commands SET status = ?, delivered_at = COALESCE(delivered_at, ?) WHERE id = ? AND status IN (?, ?)`,
				domain.CommandDelivered, ms(now), c.ID, domain.CommandQueued, domain.CommandDelivered)
			if err != nil {
				return fmt.Errorf("deliver command %d: %w", c.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				continue
			}
			c.Status, c.DeliveredAt = domain.CommandDelivered, &now
			claimed = append(claimed, c)
		}
		out = claimed
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetChannelCommand returns a command of one of the doors, or ENOTFOUND.
func (s *Store) GetChannelCommand(ctx context.Context, id int64, channelIDs []int64) (*domain.ChannelCommand, error) {
	if len(channelIDs) == 0 {
		return nil, domain.NotFound("command")
	}
	c, err := scanChannelCommand(s.queryRow(ctx, `SELECT `+channelCommandCols+` FROM channel_commands
		WHERE id = ? AND channel_id IN (`+placeholders(len(channelIDs))+`)`, idArgs(channelIDs, id)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("command")
	}
	if err != nil {
		return nil, fmt.Errorf("get command %d: %w", id, err)
	}
	return c, nil
}

// RecordCommandResult stores what a controller reports about a command.
// Errors: ECONFLICT when the command already has a result.
func (s *Store) RecordCommandResult(ctx context.Context, controllerID, commandID int64, outcome, detail string, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO controller_command_results (command_id, controller_id, outcome, detail, reported_at) VALUES (?, ?, ?, ?, ?)`,
		commandID, controllerID, outcome, detail, ms(at))
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "command %d already has a result", commandID)
	}
	if err != nil {
		return fmt.Errorf("record command %d result: %w", commandID, err)
	}
	return nil
}

// ChannelAccount returns the account a door belongs to. Errors: ENOTFOUND.
func (s *Store) ChannelAccount(ctx context.Context, channelID int64) (int64, error) {
	var id int64
	err := s.queryRow(ctx, `SELECT account_id FROM channels WHERE id = ?`, channelID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, domain.NotFound("channel")
	}
	if err != nil {
		return 0, fmt.Errorf("find door %d: %w", channelID, err)
	}
	return id, nil
}
