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

const shiftCols = `id, account_id, name, time_zone, windows, created_at, updated_at`

func scanShift(sc scanner) (*domain.Shift, error) {
	var (
		sh               domain.Shift
		tz               sql.NullString
		windows          string
		created, updated int64
	)
	if err := sc.Scan(&sh.ID, &sh.AccountID, &sh.Name, &tz, &windows, &created, &updated); err != nil {
		return nil, err
	}
	sh.TimeZone = strPtr(tz)
	if err := json.Unmarshal([]byte(windows), &sh.Windows); err != nil || sh.Windows == nil {
		sh.Windows = []domain.ShiftWindow{}
	}
	sh.CreatedAt, sh.UpdatedAt = fromMS(created), fromMS(updated)
	return &sh, nil
}

// CreateShift inserts a weekly schedule, assigning ID. Errors: EINVALID for
// a blank name or a malformed window (days 0-6, start before end, "HH:MM").
func (s *Store) CreateShift(ctx context.Context, sh *domain.Shift) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.createShift(ctx, sh); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, sh.AccountID)
	})
}

// createShift is CreateShift without the journal row.
func (s *Store) createShift(ctx context.Context, sh *domain.Shift) error {
	if err := sh.Validate(); err != nil {
		return err
	}
	if sh.Windows == nil {
		sh.Windows = []domain.ShiftWindow{}
	}
	if sh.CreatedAt.IsZero() {
		sh.CreatedAt = time.Now().UTC()
	}
	sh.UpdatedAt = sh.CreatedAt
	id, err := s.insert(ctx, `INSERT INTO shifts (account_id, name, time_zone, windows, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		sh.AccountID, sh.Name, nullStr(sh.TimeZone), jsonText(sh.Windows), ms(sh.CreatedAt), ms(sh.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create shift: %w", err)
	}
	sh.ID = id
	return nil
}

// ListShifts returns every shift of the account, ordered by name.
func (s *Store) ListShifts(ctx context.Context, accountID int64) ([]*domain.Shift, error) {
	rows, err := s.query(ctx, `SELECT `+shiftCols+` FROM shifts WHERE account_id = ? ORDER BY name, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list shifts: %w", err)
	}
	defer rows.Close()
	out := []*domain.Shift{}
	for rows.Next() {
		sh, err := scanShift(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

// MissingShifts returns the ids that are not shifts of the account.
func (s *Store) MissingShifts(ctx context.Context, accountID int64, ids []int64) ([]int64, error) {
	return s.missingIDs(ctx, "shifts", accountID, ids)
}

// GetShift returns a shift of the account, or ENOTFOUND.
func (s *Store) GetShift(ctx context.Context, accountID, id int64) (*domain.Shift, error) {
	sh, err := scanShift(s.queryRow(ctx, `SELECT `+shiftCols+` FROM shifts WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("shift")
	}
	if err != nil {
		return nil, fmt.Errorf("get shift %d: %w", id, err)
	}
	return sh, nil
}

// UpdateShift writes a shift's name, time zone and windows. Errors:
// EINVALID as for CreateShift; ENOTFOUND.
func (s *Store) UpdateShift(ctx context.Context, sh *domain.Shift) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.updateShift(ctx, sh); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, sh.AccountID)
	})
}

// updateShift is UpdateShift without the journal row.
func (s *Store) updateShift(ctx context.Context, sh *domain.Shift) error {
	if err := sh.Validate(); err != nil {
		return err
	}
	if sh.Windows == nil {
		sh.Windows = []domain.ShiftWindow{}
	}
	if sh.UpdatedAt.IsZero() {
		sh.UpdatedAt = time.Now().UTC()
	}
	res, err := s.exec(ctx, `UPDATE shifts SET name = ?, time_zone = ?, windows = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
		sh.Name, nullStr(sh.TimeZone), jsonText(sh.Windows), ms(sh.UpdatedAt), sh.ID, sh.AccountID)
	if err != nil {
		return fmt.Errorf("update shift %d: %w", sh.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("shift")
	}
	return nil
}

// DeleteShift removes a shift of the account. Errors: ENOTFOUND; ECONFLICT
// while a role or a door's auto-unlock uses it (the database would
// otherwise turn a time-limited role into an all-hours one).
func (s *Store) DeleteShift(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.deleteShift(ctx, accountID, id); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, accountID)
	})
}

// deleteShift is DeleteShift without the journal row.
func (s *Store) deleteShift(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.refuseIfUsed(ctx, `SELECT (SELECT COUNT(*) FROM roles WHERE account_id = ? AND shift_id = ?)
			+ (SELECT COUNT(*) FROM channels WHERE account_id = ? AND auto_unlock_shift_id = ?)`, []any{accountID, id, accountID, id},
			"a role or a door's auto-unlock uses this shift; change them first"); err != nil {
			return err
		}
		return tx.deleteRow(ctx, "shifts", "shift", accountID, id)
	})
}
