-- Sign-in attempts per throttle key ("user:<email>" or "addr:<client
-- address>"), counted in a fixed window that starts at the first attempt.
-- Kept in the database so that every server on one PostgreSQL shares the
-- counters and a restart does not reset them.
CREATE TABLE login_attempts (
    throttle_key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     INTEGER NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts (window_start);
