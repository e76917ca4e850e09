package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sign-in throttling keeps one counter per key in login_attempts, shared by
// every server on the database. Keys are built with UserThrottleKey and
// AddrThrottleKey so that every spelling of a username counts against the
// same counter.

// UserThrottleKey is the throttle key of the user an email names: the
// email trimmed and lower-cased, exactly as the user lookups compare it,
// so "Ops@Example.com ", "ops@example.com" and "4711/ops@example.com"
// share one counter.
func UserThrottleKey(email string) string {
	return "user:" + strings.ToLower(strings.TrimSpace(email))
}

// AddrThrottleKey is the throttle key of a client address.
func AddrThrottleKey(addr string) string {
	return "addr:" + addr
}

// maxThrottleKey bounds what one key may store.
const maxThrottleKey = 400

// CountLoginAttempt records one sign-in attempt for key, atomically, and
// returns how many attempts the key has made in its current window
// (this one included) and when that window ends. A window starts at the
// first attempt after the previous one ended and lasts window. Because
// the count is taken before the password is checked, concurrent attempts
// each see a distinct count: with a limit of 5, at most 5 of them get a
// count of 5 or less, on SQLite and on PostgreSQL alike.
func (s *Store) CountLoginAttempt(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	if len(key) > maxThrottleKey {
		key = key[:maxThrottleKey]
	}
	expired := ms(now.Add(-window))
	var (
		n     int
		start int64
	)
	err := s.pqueryRow(ctx, `INSERT INTO login_attempts (throttle_key, window_start, attempts) VALUES (?, ?, 1)
		ON CONFLICT (throttle_key) DO UPDATE SET
			window_start = CASE WHEN login_attempts.window_start <= ? THEN excluded.window_start ELSE login_attempts.window_start END,
			attempts = CASE WHEN login_attempts.window_start <= ? THEN 1 ELSE login_attempts.attempts + 1 END
		RETURNING attempts, window_start`, key, ms(now), expired, expired).Scan(&n, &start)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count login attempt: %w", err)
	}
	return n, fromMS(start).Add(window), nil
}

// ReleaseLoginAttempt takes back one attempt counted for key (an attempt
// that was counted but never checked, for example because the server was
// too busy to check it).
func (s *Store) ReleaseLoginAttempt(ctx context.Context, key string) error {
	if len(key) > maxThrottleKey {
		key = key[:maxThrottleKey]
	}
	if _, err := s.pexec(ctx, `UPDATE login_attempts SET attempts = attempts - 1 WHERE throttle_key = ? AND attempts > 0`, key); err != nil {
		return fmt.Errorf("release login attempt: %w", err)
	}
	return nil
}

// ClearLoginAttempts forgets the attempts of the given keys (after a
// successful sign-in, or when an operator unlocks a user) and returns how
// many counters it removed.
func (s *Store) ClearLoginAttempts(ctx context.Context, keys ...string) (int64, error) {
	var n int64
	for _, k := range keys {
		if len(k) > maxThrottleKey {
			k = k[:maxThrottleKey]
		}
		res, err := s.pexec(ctx, `DELETE FROM login_attempts WHERE throttle_key = ?`, k)
		if err != nil {
			return n, fmt.Errorf("clear login attempts: %w", err)
		}
		c, err := res.RowsAffected()
		if err != nil {
			return n, fmt.Errorf("clear login attempts: %w", err)
		}
		n += c
	}
	return n, nil
}

// DeleteExpiredLoginAttempts removes counters whose window started before
// the given time and returns how many it removed.
func (s *Store) DeleteExpiredLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM login_attempts WHERE window_start < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("delete expired login attempts: %w", err)
	}
	return res.RowsAffected()
}

// LoginAttempts returns how many attempts key has made in its window and
// when that window started (zero values when there is no counter).
func (s *Store) LoginAttempts(ctx context.Context, key string) (int, time.Time, error) {
	if len(key) > maxThrottleKey {
		key = key[:maxThrottleKey]
	}
	var n int
	var start int64
	err := s.queryRow(ctx, `SELECT attempts, window_start FROM login_attempts WHERE throttle_key = ?`, key).Scan(&n, &start)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("read login attempts: %w", err)
	}
	return n, fromMS(start), nil
}
