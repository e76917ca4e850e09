package store

import (
	"context"
	"database/sql"
	"encoding/json"
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

// validWindowTime reports whether s is "HH:MM" between 00:00 and 24:00.
func validWindowTime(s string) bool {
	if s == "24:00" {
		return true
	}
	t, err := time.Parse("15:04", s)
	return err == nil && t.Format("15:04") == s
}

// CreateShift inserts a weekly schedule, assigning ID. Errors: EINVALID for
// a blank name or a malformed window (days 0-6, start before end, "HH:MM").
func (s *Store) CreateShift(ctx context.Context, sh *domain.Shift) error {
	v := domain.Validation{}
	if sh.Name == "" {
		v.Add("name", "can't be blank")
	}
	for _, w := range sh.Windows {
		for _, d := range w.Days {
			if d < 0 || d > 6 {
				v.Add("windows", "days must be 0 (Sunday) to 6 (Saturday)")
			}
		}
		if !validWindowTime(w.Start) || !validWindowTime(w.End) || w.Start >= w.End {
			v.Add("windows", "start and end must be HH:MM with start before end")
		}
	}
	if sh.TimeZone != nil {
		if _, err := time.LoadLocation(*sh.TimeZone); err != nil {
			v.Add("time_zone", "is not a known time zone")
		}
	}
	if err := v.Err(); err != nil {
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
