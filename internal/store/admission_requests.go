package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// CreateAdmissionRequest stores a request whose ID the caller set to the
// id of the event that recorded it.
func (s *Store) CreateAdmissionRequest(ctx context.Context, a *domain.AdmissionRequest) error {
	_, err := s.exec(ctx, `INSERT INTO admission_requests (id, account_id, channel_id, channel_name, person_id, person_name, status, requested_at, completed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.AccountID, a.ChannelID, a.ChannelName, nullInt(a.PersonID), nullStr(a.PersonName),
		a.Status, ms(a.RequestedAt), msPtr(a.CompletedAt))
	if err != nil {
		return fmt.Errorf("create admission request: %w", err)
	}
	return nil
}

// GetAdmissionRequest returns a request of the account, or ENOTFOUND.
func (s *Store) GetAdmissionRequest(ctx context.Context, accountID, id int64) (*domain.AdmissionRequest, error) {
	var (
		a          domain.AdmissionRequest
		person     sql.NullInt64
		personName sql.NullString
		requested  int64
		completed  sql.NullInt64
	)
	err := s.queryRow(ctx, `SELECT id, account_id, channel_id, channel_name, person_id, person_name, status, requested_at, completed_at
		FROM admission_requests WHERE id = ? AND account_id = ?`, id, accountID).
		Scan(&a.ID, &a.AccountID, &a.ChannelID, &a.ChannelName, &person, &personName, &a.Status, &requested, &completed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("admission request")
	}
	if err != nil {
		return nil, fmt.Errorf("get admission request %d: %w", id, err)
	}
	a.PersonID, a.PersonName = int64Ptr(person), strPtr(personName)
	a.RequestedAt, a.CompletedAt = fromMS(requested), timePtr(completed)
	return &a, nil
}

// CompleteAdmissionRequest records a pending request's outcome (admitted,
// denied or offline) at the given time. A request already completed is
// left alone. Errors: ENOTFOUND when no pending request has the id.
func (s *Store) CompleteAdmissionRequest(ctx context.Context, id int64, status string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE admission_requests SET status = ?, completed_at = ? WHERE id = ? AND status = ?`,
		status, ms(at), id, domain.AdmissionPending)
	if err != nil {
		return fmt.Errorf("complete admission request %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("admission request")
	}
	return nil
}
