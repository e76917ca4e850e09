package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Session is a signed-in browser session of the login and consent pages.
// Only the digest of the session id (the cookie value) is kept.
type Session struct {
	ID        int64
	Digest    string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession stores a session and assigns its ID. A missing user gives
// ENOTFOUND.
func (s *Store) CreateSession(ctx context.Context, se *Session) error {
	id, err := s.insert(ctx, `INSERT INTO sessions (digest, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		se.Digest, se.UserID, ms(se.CreatedAt), ms(se.ExpiresAt))
	if isForeignKeyViolation(err) {
		return domain.NotFound("user")
	}
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "session collision")
	}
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	se.ID = id
	return nil
}

// GetSession returns the session with the digest if it has not expired at
// now, or ENOTFOUND.
func (s *Store) GetSession(ctx context.Context, digest string, now time.Time) (*Session, error) {
	var (
		se               Session
		created, expires int64
	)
	err := s.pqueryRow(ctx, `SELECT id, digest, user_id, created_at, expires_at FROM sessions WHERE digest = ? AND expires_at > ?`,
		digest, ms(now)).Scan(&se.ID, &se.Digest, &se.UserID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("session")
	}
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	se.CreatedAt, se.ExpiresAt = fromMS(created), fromMS(expires)
	return &se, nil
}

// DeleteSession ends a session. Ending a missing session is not an error.
func (s *Store) DeleteSession(ctx context.Context, digest string) error {
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE digest = ?`, digest); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user (for example after a
// password change) and returns how many it ended.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fmt.Errorf("delete user sessions: %w", err)
	}
	return res.RowsAffected()
}

// DeleteExpiredSessions removes sessions that expired before the given
// time and returns how many it removed.
func (s *Store) DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}
