-- The audit log: one row per write an operator (console or CLI), an OAuth
-- application, a personal API key or a controller made, written in the
-- same transaction as the write (see store.WithActor). Append-only.
--
-- actor_kind is operator, app, api_key, controller or cli; actor_id the
-- user, application, key or controller id (0 for the CLI); actor_user_id
-- the operator an application or key acted for; actor_display the name
-- shown for the actor at the time (it may have changed since).
-- changes is a JSON object of the fields the write set, secrets replaced
-- by "[redacted]".
CREATE TABLE audit_events (
    id            {{ID}},
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    actor_kind    TEXT NOT NULL,
    actor_id      BIGINT NOT NULL DEFAULT 0,
    actor_user_id BIGINT NOT NULL DEFAULT 0,
    actor_display TEXT NOT NULL DEFAULT '',
    resource      TEXT NOT NULL,
    resource_id   TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    changes       TEXT NOT NULL DEFAULT '{}',
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX audit_events_account ON audit_events (account_id, id);
CREATE INDEX audit_events_account_time ON audit_events (account_id, created_at);
