-- The access journal: one row per write that changes what a door decides
-- with, appended in the same transaction as the write. Controllers follow
-- it: their sequence number is the id of the newest row they have seen,
-- and the server turns the rows after it into the changed people and
-- doors (GET /controller/v1/changes).
--
-- person_id set: that person (their record, memberships, credentials,
-- reservations or group reservations) changed or is gone. channel_id set:
-- that door's state changed. Neither: something account-wide changed
-- (roles, shifts, sites, credential types, doors added or removed, the
-- account's time zone) and controllers must download a new snapshot.
--
-- Ids only grow (on SQLite too: AUTOINCREMENT) and, per account, commit in
-- id order (writers of one account serialise on the journal), so a reader
-- that has seen id N has seen every row of the account up to N. Old rows
-- are purged, except each account's newest, which holds its sequence.
CREATE TABLE access_changes (
    id         {{ID}},
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    person_id  BIGINT,
    channel_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX access_changes_account ON access_changes (account_id, id);
