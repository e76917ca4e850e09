-- The rest of the DoorFlow v3 operations: notification rules, the queue of
-- commands for door controllers, and remote admission requests.

-- Event codes and door ids are JSON lists; each door id becomes one
-- "door_controller_id" condition in the API.
CREATE TABLE notification_rules (
    id            {{ID}},
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    call_back_url TEXT NOT NULL,
    event_codes   TEXT NOT NULL DEFAULT '[]',
    channel_ids   TEXT NOT NULL DEFAULT '[]',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX notification_rules_account ON notification_rules (account_id, id);

-- Commands for a door's controller. The controller protocol takes queued
-- rows in id order; status is queued, delivered or expired.
CREATE TABLE channel_commands (
    id                   {{ID}},
    account_id           BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel_id           BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    kind                 TEXT NOT NULL,
    payload              TEXT NOT NULL DEFAULT '{}',
    status               TEXT NOT NULL DEFAULT 'queued',
    admission_request_id BIGINT,
    created_at           BIGINT NOT NULL,
    delivered_at         BIGINT
);
CREATE INDEX channel_commands_pending ON channel_commands (channel_id, status, id);
CREATE INDEX channel_commands_account ON channel_commands (account_id, id);

-- Remote admissions. id is the id of the event that recorded the request,
-- as DoorFlow's admission_request_id is an event id. A pending request
-- times out two minutes after requested_at; that is computed on read.
-- Names are copied so that a request outlives its door and person.
CREATE TABLE admission_requests (
    id           BIGINT PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel_id   BIGINT NOT NULL,
    channel_name TEXT NOT NULL,
    person_id    BIGINT,
    person_name  TEXT,
    status       TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX admission_requests_account ON admission_requests (account_id, id);

-- Event lists always filter on codes (the default is the admits and
-- rejects) inside a time window, so every index they use carries
-- event_code: the count is answered from the index alone, and only the
-- rows of the page are read. The page itself walks events_account_created.
CREATE INDEX events_account_code_created ON events (account_id, event_code, created_at);
DROP INDEX events_account_channel;
CREATE INDEX events_account_channel ON events (account_id, channel_id, created_at, event_code);
DROP INDEX events_account_last_name;
CREATE INDEX events_account_last_name ON events (account_id, lower(person_last_name), created_at, event_code);
DROP INDEX events_account_first_name;
CREATE INDEX events_account_first_name ON events (account_id, lower(person_first_name), created_at, event_code);
