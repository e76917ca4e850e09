-- Changes to resources that application webhooks announce besides events:
-- today a person's credentials (resource_type 'PersonCredential').
--
-- Append-only: a row is written in the same transaction as the change it
-- records and never updated. resource_id is the resource's public id (a
-- credential's uid); person_id locates it under /api/3/people/{person_id}.
-- action is CREATE, UPDATE or DESTROY.
CREATE TABLE resource_changes (
    id            {{ID}},
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    person_id     BIGINT NOT NULL,
    action        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX resource_changes_account ON resource_changes (account_id, id);

-- The second per-endpoint cursor: the highest resource change id already
-- turned into deliveries. NULL until the worker first sees the endpoint
-- (it then starts at the newest change, so history is not sent) and again
-- while the endpoint is disabled.
--
-- A delivery of a resource change reuses webhook_deliveries with
-- event_id = -(resource_changes.id): event ids are positive, so the two
-- never collide, and claiming, retries, replay, acknowledgement and purging
-- work on both alike.
ALTER TABLE webhook_endpoints ADD COLUMN change_cursor BIGINT;
