-- Operator roles, disabling, TOTP and one-time links (invitations and
-- password resets).
--
-- role replaces the admin flag, which is kept only so that older readers
-- of the table keep working and is no longer consulted. The existing
-- operators get: owner for the account's first administrator (lowest id),
-- admin for every other administrator, operator for everyone else. An
-- account without any administrator gets no owner; `lintel users update
-- --role owner` (run with database access) names one.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'operator';
UPDATE users SET role = 'admin' WHERE admin;
UPDATE users SET role = 'owner' WHERE admin AND id IN (SELECT MIN(id) FROM users WHERE admin GROUP BY account_id);

-- When the operator was disabled (NULL: active). A disabled operator
-- cannot sign in, and every session, token, grant and API key they held was
-- ended when they were disabled.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;

-- The TOTP second factor: the shared secret sealed with AES-256-GCM under
-- the server's TOTP key (see docs/operators.md), and when it was confirmed
-- with a first code (NULL: enrolment started but not finished, or none).
-- totp_last_step is the last time step accepted, so that a code is never
-- accepted twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at BIGINT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- One-time links sent by email: invitations (the operator sets a password
-- on accepting) and password resets. Only the digest of the link's secret
-- is stored; a link works once, until it expires.
CREATE TABLE operator_links (
    id         {{ID}},
    digest     TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL, -- invite|reset|mfa (a sign-in awaiting its TOTP code)
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX operator_links_user ON operator_links (user_id);
