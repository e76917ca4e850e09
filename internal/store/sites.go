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

const siteCols = `id, account_id, name, ip_address, time_zone, notes, site_ips, created_at, updated_at`

func scanSite(sc scanner) (*domain.Site, error) {
	var (
		st               domain.Site
		ip, tz, notes    sql.NullString
		ips              string
		created, updated int64
	)
	if err := sc.Scan(&st.ID, &st.AccountID, &st.Name, &ip, &tz, &notes, &ips, &created, &updated); err != nil {
		return nil, err
	}
	st.IPAddress, st.TimeZone, st.Notes = strPtr(ip), strPtr(tz), strPtr(notes)
	st.SiteIPs = []domain.SiteIP{}
	if err := json.Unmarshal([]byte(ips), &st.SiteIPs); err != nil || st.SiteIPs == nil {
		st.SiteIPs = []domain.SiteIP{}
	}
	st.CreatedAt, st.UpdatedAt = fromMS(created), fromMS(updated)
	return &st, nil
}

// CreateSite inserts a site, assigning ID. Errors: EINVALID for a blank name.
func (s *Store) CreateSite(ctx context.Context, st *domain.Site) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.createSite(ctx, st); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, st.AccountID)
	})
}

// createSite is CreateSite without the journal row.
func (s *Store) createSite(ctx context.Context, st *domain.Site) error {
	if err := st.Validate(); err != nil {
		return err
	}
	if st.SiteIPs == nil {
		st.SiteIPs = []domain.SiteIP{}
	}
	if st.CreatedAt.IsZero() {
		st.CreatedAt = time.Now().UTC()
	}
	st.UpdatedAt = st.CreatedAt
	id, err := s.insert(ctx, `INSERT INTO sites (account_id, name, ip_address, time_zone, notes, site_ips, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, st.AccountID, st.Name, nullStr(st.IPAddress), nullStr(st.TimeZone), nullStr(st.Notes),
		jsonText(st.SiteIPs), ms(st.CreatedAt), ms(st.UpdatedAt))
	if isForeignKeyViolation(err) {
		return domain.NotFound("account")
	}
	if err != nil {
		return fmt.Errorf("create site: %w", err)
	}
	st.ID = id
	return nil
}

// GetSite returns a site of the account, or ENOTFOUND.
func (s *Store) GetSite(ctx context.Context, accountID, id int64) (*domain.Site, error) {
	st, err := scanSite(s.queryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("site")
	}
	if err != nil {
		return nil, fmt.Errorf("get site %d: %w", id, err)
	}
	return st, nil
}

// ListSites returns a page of the account's sites by id, and how many there are.
func (s *Store) ListSites(ctx context.Context, accountID int64, page Page) ([]*domain.Site, int, error) {
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE account_id = ?`, accountID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count sites: %w", err)
	}
	rows, err := s.query(ctx, `SELECT `+siteCols+` FROM sites WHERE account_id = ? ORDER BY id`+page.sql(), page.bind(accountID)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list sites: %w", err)
	}
	defer rows.Close()
	out := []*domain.Site{}
	for rows.Next() {
		st, err := scanSite(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, st)
	}
	return out, total, rows.Err()
}

// UpdateSite writes a site's name, addresses, time zone and notes.
// Errors: EINVALID for a blank name; ENOTFOUND.
func (s *Store) UpdateSite(ctx context.Context, st *domain.Site) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.updateSite(ctx, st); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, st.AccountID)
	})
}

// updateSite is UpdateSite without the journal row.
func (s *Store) updateSite(ctx context.Context, st *domain.Site) error {
	if err := st.Validate(); err != nil {
		return err
	}
	if st.SiteIPs == nil {
		st.SiteIPs = []domain.SiteIP{}
	}
	if st.UpdatedAt.IsZero() {
		st.UpdatedAt = time.Now().UTC()
	}
	res, err := s.exec(ctx, `UPDATE sites SET name = ?, ip_address = ?, time_zone = ?, notes = ?, site_ips = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
		st.Name, nullStr(st.IPAddress), nullStr(st.TimeZone), nullStr(st.Notes), jsonText(st.SiteIPs), ms(st.UpdatedAt), st.ID, st.AccountID)
	if err != nil {
		return fmt.Errorf("update site %d: %w", st.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("site")
	}
	return nil
}

// DeleteSite removes a site of the account. Errors: ENOTFOUND; ECONFLICT
// while doors belong to it (they would silently lose their site).
func (s *Store) DeleteSite(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.deleteSite(ctx, accountID, id); err != nil {
			return err
		}
		return tx.noteEverythingChanged(ctx, accountID)
	})
}

// deleteSite is DeleteSite without the journal row.
func (s *Store) deleteSite(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.refuseIfUsed(ctx, `SELECT COUNT(*) FROM channels WHERE account_id = ? AND site_id = ?`, []any{accountID, id},
			"the site still has doors; move or delete them first"); err != nil {
			return err
		}
		return tx.deleteRow(ctx, "sites", "site", accountID, id)
	})
}

// refuseIfUsed returns ECONFLICT with msg when the counting query finds rows.
func (s *Store) refuseIfUsed(ctx context.Context, q string, args []any, msg string) error {
	var n int
	if err := s.queryRow(ctx, q, args...).Scan(&n); err != nil {
		return fmt.Errorf("check use: %w", err)
	}
	if n > 0 {
		return domain.Errorf(domain.ECONFLICT, "%s", msg)
	}
	return nil
}

// deleteRow deletes one row of an account table. Errors: ENOTFOUND (kind).
func (s *Store) deleteRow(ctx context.Context, table, kind string, accountID, id int64) error {
	if !accountTables[table] {
		return fmt.Errorf("deleteRow: unknown table %q", table)
	}
	res, err := s.exec(ctx, `DELETE FROM `+table+` WHERE id = ? AND account_id = ?`, id, accountID)
	if err != nil {
		return fmt.Errorf("delete %s %d: %w", kind, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound(kind)
	}
	return nil
}
