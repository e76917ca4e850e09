package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// RecordDoorStates keeps what a controller reported about its doors'
// hardware at at. Doors without a heartbeat row yet (the heartbeat is
// recorded first) are skipped. Errors: the database's, wrapped.
func (s *Store) RecordDoorStates(ctx context.Context, states []domain.DoorState, at time.Time) error {
	if len(states) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Store) error {
		for _, d := range states {
			if _, err := tx.exec(ctx, `UPDATE channel_heartbeats SET door_open = ?, door_locked = ?, door_state_at = ? WHERE channel_id = ?`,
				nullBoolArg(d.Open), nullBoolArg(d.Locked), ms(at), d.ChannelID); err != nil {
				return fmt.Errorf("door %d state: %w", d.ChannelID, err)
			}
		}
		return nil
	})
}

// DoorStates returns the last reported hardware state of the account's
// doors whose controller reported one, by door id. Errors: the
// database's, wrapped.
func (s *Store) DoorStates(ctx context.Context, accountID int64) (map[int64]domain.DoorState, error) {
	rows, err := s.query(ctx, `SELECT h.channel_id, h.door_open, h.door_locked, h.door_state_at FROM channel_heartbeats h
		JOIN channels c ON c.id = h.channel_id WHERE c.account_id = ? AND h.door_state_at IS NOT NULL`, accountID)
	if err != nil {
		return nil, fmt.Errorf("door states: %w", err)
	}
	defer rows.Close()
	out := map[int64]domain.DoorState{}
	for rows.Next() {
		var (
			d            domain.DoorState
			open, locked sql.NullBool
			at           int64
		)
		if err := rows.Scan(&d.ChannelID, &open, &locked, &at); err != nil {
			return nil, fmt.Errorf("door states: %w", err)
		}
		if open.Valid {
			d.Open = &open.Bool
		}
		if locked.Valid {
			d.Locked = &locked.Bool
		}
		t := fromMS(at)
		d.ReportedAt = &t
		out[d.ChannelID] = d
	}
	return out, rows.Err()
}

func nullBoolArg(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}
