-- Mobile credentials: the one-time invitation links with which a holder
-- activates a mobile credential, and what it takes to tell when a revoked
-- one can no longer open any door.
--
-- Only the SHA-256 digest of an invitation's secret is stored; a link
-- works once, until it expires. Activating gives the credential its value
-- (the digest of the code the holder's phone presents) and the status
-- active.
CREATE TABLE mobile_invitations (
    id            {{ID}},
    digest        TEXT NOT NULL UNIQUE,
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    credential_id BIGINT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT
);
CREATE INDEX mobile_invitations_credential ON mobile_invitations (credential_id);

-- The access journal position (access_changes.id) of a mobile
-- credential's revocation: it stays "revoking" until every live controller
-- of the account has asked for changes after this position.
ALTER TABLE credentials ADD COLUMN revoke_seq BIGINT;
-- Every controller sync that moves on looks for these: only the few
-- revoking credentials are in the index.
CREATE INDEX credentials_revoking ON credentials (account_id, revoke_seq) WHERE status = 'revoking';

-- The highest journal position a controller has asked for changes after
-- (GET /controller/v1/changes?after=N): it has applied everything up to N.
ALTER TABLE controllers ADD COLUMN synced_seq BIGINT;
