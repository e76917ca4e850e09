package store

import (
	"context"
	"fmt"
	"time"
)

// ClaimSync records a sync of the account at now unless one was recorded
// less than interval ago; then it returns how long until the next is
// allowed. The check and the write are one statement, so concurrent
// callers cannot both pass.
func (s *Store) ClaimSync(ctx context.Context, accountID int64, now time.Time, interval time.Duration) (time.Duration, error) {
	res, err := s.exec(ctx, `UPDATE accounts SET last_sync_at = ? WHERE id = ? AND (last_sync_at IS NULL OR last_sync_at <= ?)`,
		ms(now), accountID, ms(now.Add(-interval)))
	if err != nil {
		return 0, fmt.Errorf("claim sync: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return 0, nil
	}
	var last *int64
	if err := s.queryRow(ctx, `SELECT last_sync_at FROM accounts WHERE id = ?`, accountID).Scan(&last); err != nil {
		return 0, fmt.Errorf("read last sync: %w", err)
	}
	if last == nil {
		return interval, nil
	}
	wait := fromMS(*last).Add(interval).Sub(now)
	return max(wait, time.Second), nil
}
