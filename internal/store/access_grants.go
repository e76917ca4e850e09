package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Grants is what may let a person through one door at one instant.
type Grants struct {
	// RoleShifts has one entry per role that links the door to the person
	// (directly, through a group, or through an active group reservation):
	// the role's shift id, or nil when the role applies at all hours.
	RoleShifts []*int64
	// Reserved reports a reservation of the door covering the instant.
	Reserved bool
}

// AccessGrants returns the roles and reservations that could let the
// person through the door at now. Whether a role's shift covers now is for
// the caller to decide.
func (s *Store) AccessGrants(ctx context.Context, accountID, personID, channelID int64, now time.Time) (*Grants, error) {
	at := ms(now)
	rows, err := s.query(ctx, `SELECT r.shift_id FROM roles r JOIN role_channels rc ON rc.role_id = r.id
		WHERE r.account_id = ? AND rc.channel_id = ? AND r.id IN (
			SELECT role_id FROM person_roles WHERE account_id = ? AND person_id = ?
			UNION SELECT rg.role_id FROM role_groups rg JOIN person_groups pg ON pg.group_id = rg.group_id
				WHERE pg.account_id = ? AND pg.person_id = ?
			UNION SELECT rg.role_id FROM role_groups rg
				JOIN group_reservation_groups grg ON grg.group_id = rg.group_id
				JOIN group_reservations gr ON gr.id = grg.group_reservation_id
				WHERE gr.account_id = ? AND gr.person_id = ? AND gr.deactivated_at IS NULL AND gr.start_time <= ? AND gr.end_time > ?)`,
		accountID, channelID, accountID, personID, accountID, personID, accountID, personID, at, at)
	if err != nil {
		return nil, fmt.Errorf("access grants: %w", err)
	}
	defer rows.Close()
	g := &Grants{}
	for rows.Next() {
		var shift sql.NullInt64
		if err := rows.Scan(&shift); err != nil {
			return nil, err
		}
		g.RoleShifts = append(g.RoleShifts, int64Ptr(shift))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM reservations r JOIN reservation_channels rc ON rc.reservation_id = r.id
		WHERE r.account_id = ? AND r.person_id = ? AND rc.channel_id = ? AND r.start_time <= ? AND r.end_time > ?`,
		accountID, personID, channelID, at, at).Scan(&n); err != nil {
		return nil, fmt.Errorf("access reservations: %w", err)
	}
	g.Reserved = n > 0
	return g, nil
}
