package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

const notificationRuleCols = `id, account_id, name, active, call_back_url, event_codes, channel_ids, created_at, updated_at`

func scanNotificationRule(sc scanner) (*domain.NotificationRule, error) {
	var (
		n                domain.NotificationRule
		codes, channels  string
		created, updated int64
	)
	if err := sc.Scan(&n.ID, &n.AccountID, &n.Name, &n.Active, &n.CallbackURL, &codes, &channels, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(codes), &n.EventCodes); err != nil || n.EventCodes == nil {
		n.EventCodes = []int{}
	}
	if err := json.Unmarshal([]byte(channels), &n.ChannelIDs); err != nil || n.ChannelIDs == nil {
		n.ChannelIDs = []int64{}
	}
	n.CreatedAt, n.UpdatedAt = fromMS(created), fromMS(updated)
	return &n, nil
}

// checkRuleChannels returns EINVALID (match_controller_ids) when a door of
// the rule is not the account's.
func (s *Store) checkRuleChannels(ctx context.Context, n *domain.NotificationRule) error {
	n.ChannelIDs = uniqueIDs(n.ChannelIDs)
	m, err := s.missingIDs(ctx, "channels", n.AccountID, n.ChannelIDs)
	if err != nil {
		return err
	}
	if len(m) > 0 {
		return invalidIDs("match_controller_ids", "channel", m)
	}
	return nil
}

// CreateNotificationRule inserts a rule, assigning ID. The caller validates
// name, URL and codes. Errors: EINVALID when a door is not the account's.
func (s *Store) CreateNotificationRule(ctx context.Context, n *domain.NotificationRule) error {
	if err := s.checkRuleChannels(ctx, n); err != nil {
		return err
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now().UTC()
	}
	n.UpdatedAt = n.CreatedAt
	id, err := s.insert(ctx, `INSERT INTO notification_rules (account_id, name, active, call_back_url, event_codes, channel_ids, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, n.AccountID, n.Name, n.Active, n.CallbackURL, jsonText(n.EventCodes), jsonText(n.ChannelIDs),
		ms(n.CreatedAt), ms(n.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create notification rule: %w", err)
	}
	n.ID = id
	return s.announce(ctx, n.AccountID, ChangeRules)
}

// UpdateNotificationRule replaces every field of a rule but its id,
// account and creation time. Errors: ENOTFOUND; EINVALID for a foreign door.
func (s *Store) UpdateNotificationRule(ctx context.Context, n *domain.NotificationRule) error {
	if err := s.checkRuleChannels(ctx, n); err != nil {
		return err
	}
	if n.UpdatedAt.IsZero() {
		n.UpdatedAt = time.Now().UTC()
	}
	res, err := s.exec(ctx, `UPDATE notification_rules SET name = ?, active = ?, call_back_url = ?, event_codes = ?, channel_ids = ?, updated_at = ?
		WHERE id = ? AND account_id = ?`, n.Name, n.Active, n.CallbackURL, jsonText(n.EventCodes), jsonText(n.ChannelIDs), ms(n.UpdatedAt),
		n.ID, n.AccountID)
	if err != nil {
		return fmt.Errorf("update notification rule %d: %w", n.ID, err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return domain.NotFound("notification rule")
	}
	return s.announce(ctx, n.AccountID, ChangeRules)
}

// GetNotificationRule returns a rule of the account, or ENOTFOUND.
func (s *Store) GetNotificationRule(ctx context.Context, accountID, id int64) (*domain.NotificationRule, error) {
	n, err := scanNotificationRule(s.queryRow(ctx, `SELECT `+notificationRuleCols+` FROM notification_rules WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("notification rule")
	}
	if err != nil {
		return nil, fmt.Errorf("get notification rule %d: %w", id, err)
	}
	return n, nil
}

// ListNotificationRules returns every rule of the account by id.
func (s *Store) ListNotificationRules(ctx context.Context, accountID int64) ([]*domain.NotificationRule, error) {
	rows, err := s.query(ctx, `SELECT `+notificationRuleCols+` FROM notification_rules WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list notification rules: %w", err)
	}
	defer rows.Close()
	out := []*domain.NotificationRule{}
	for rows.Next() {
		n, err := scanNotificationRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// DeleteNotificationRule removes a rule of the account. Errors: ENOTFOUND.
func (s *Store) DeleteNotificationRule(ctx context.Context, accountID, id int64) error {
	res, err := s.exec(ctx, `DELETE FROM notification_rules WHERE id = ? AND account_id = ?`, id, accountID)
	if err != nil {
		return fmt.Errorf("delete notification rule %d: %w", id, err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return domain.NotFound("notification rule")
	}
	return s.announce(ctx, accountID, ChangeRules)
}
