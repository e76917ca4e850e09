-- Gateway controls: scopes on personal API keys, subscription keys
-- (Ocp-Apim-Subscription-Key) with their usage counters, the per-account
-- switch that makes them mandatory, and allow-lists for restricted API
-- families.

-- A personal API key acts with the scopes chosen when it was created
-- (space-separated, like OAuth scopes).
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
CREATE INDEX api_keys_user ON api_keys (user_id, id);
CREATE INDEX api_keys_account ON api_keys (account_id, id);

-- Subscription keys identify the billable subscription of an account.
-- Only the SHA-256 digest is kept; prefix is the first characters, shown
-- so operators can tell keys apart. request_count and last_used_at are
-- flushed from memory in batches, not written per request.
CREATE TABLE subscription_keys (
    id            {{ID}},
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    digest        TEXT NOT NULL UNIQUE,
    request_count BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX subscription_keys_account ON subscription_keys (account_id, id);

-- Per-account gateway settings. No row means the defaults (subscription
-- keys optional).
CREATE TABLE account_gateway (
    account_id            BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    subscription_required BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at            BIGINT NOT NULL
);

-- Allow-list of restricted API families ("mobile_credentials"): a row
-- with user_id NULL enables the family for the whole account, a row with
-- a user enables it for that operator only.
CREATE TABLE family_grants (
    id         {{ID}},
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id    BIGINT REFERENCES users(id) ON DELETE CASCADE,
    family     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX family_grants_subject ON family_grants (account_id, family, COALESCE(user_id, 0));
