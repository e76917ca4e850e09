package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const channelCommandCols = `id, account_id, channel_id, kind, payload, status, admission_request_id, created_at, delivered_at`

func scanChannelCommand(sc scanner) (*domain.ChannelCommand, error) {
	var (
		c                    domain.ChannelCommand
		admission, delivered sql.NullInt64
		created              int64
	)
	if err := sc.Scan(&c.ID, &c.AccountID, &c.ChannelID, &c.Kind, &c.Payload, &c.Status, &admission, &created, &delivered); err != nil {
		return nil, err
	}
	c.AdmissionRequestID, c.DeliveredAt = int64Ptr(admission), timePtr(delivered)
	c.CreatedAt = fromMS(created)
	return &c, nil
}

// CreateChannelCommand queues a command, assigning ID (status defaults to
// queued, payload to {}).
func (s *Store) CreateChannelCommand(ctx context.Context, c *domain.ChannelCommand) error {
	if c.Status == "" {
		c.Status = domain.CommandQueued
	}
	if c.Payload == "" {
		c.Payload = "{}"
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	id, err := s.insert(ctx, `INSERT INTO channel_commands (account_id, channel_id, kind, payload, status, admission_request_id, created_at, delivered_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.AccountID, c.ChannelID, c.Kind, c.Payload, c.Status, nullInt(c.AdmissionRequestID),
		ms(c.CreatedAt), msPtr(c.DeliveredAt))
	if err != nil {
		return fmt.Errorf("create channel command: %w", err)
	}
	c.ID = id
	return s.announce(ctx, c.AccountID, ChangeCommands)
}

// SetChannelCommandStatus records a command's new status (and, when
// delivered, the time). Errors: ENOTFOUND.
func (s *Store) SetChannelCommandStatus(ctx context.Context, id int64, status string, at time.Time) error {
	var delivered any
	if status == domain.CommandDelivered {
		delivered = ms(at)
	}
	res, err := s.exec(ctx, `UPDATE channel_commands SET status = ?, delivered_at = COALESCE(?, delivered_at) WHERE id = ?`, status, delivered, id)
	if err != nil {
		return fmt.Errorf("set channel command %d status: %w", id, err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return domain.NotFound("channel command")
	}
	return nil
}

// ExpireQueuedChannelCommand expires a command that no controller has
// taken yet and reports whether it did: false means a controller's poll
// claimed the command in the meantime, so it is on its way to the door.
func (s *Store) ExpireQueuedChannelCommand(ctx context.Context, id int64) (bool, error) {
	res, err := s.exec(ctx, `UPDATE channel_commands SET status = ? WHERE id = ? AND status = ?`, domain.CommandExpired, id, domain.CommandQueued)
	if err != nil {
		return false, fmt.Errorf("expire channel command %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("expire channel command %d: %w", id, err)
	}
	return n == 1, nil
}

// QueuedChannelCommands returns a door's queued commands, oldest first.
func (s *Store) QueuedChannelCommands(ctx context.Context, channelID int64) ([]*domain.ChannelCommand, error) {
	rows, err := s.query(ctx, `SELECT `+channelCommandCols+` FROM channel_commands WHERE channel_id = ? AND status = ? ORDER BY id`,
		channelID, domain.CommandQueued)
	if err != nil {
		return nil, fmt.Errorf("list queued commands: %w", err)
	}
	defer rows.Close()
	out := []*domain.ChannelCommand{}
	for rows.Next() {
		c, err := scanChannelCommand(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
