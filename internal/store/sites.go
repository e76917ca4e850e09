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
	if st.Name == "" {
		v := domain.Validation{}
		v.Add("name", "can't be blank")
		return v.Err()
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
	rows, err := s.query(ctx, `SELECT `+siteCols+` FROM sites WHERE account_id = ? ORDER BY id`+page.sql(), accountID)
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
