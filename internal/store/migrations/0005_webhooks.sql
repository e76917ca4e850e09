-- Webhook delivery: endpoints, a durable delivery queue, and per-endpoint
-- cursors over the events table.
--
-- An OAuth application's webhook URL and signing secret. The secret must be
-- recoverable to sign requests, so it is kept as-is (unlike client secrets,
-- which are digests); it is never logged nor returned by the API.
ALTER TABLE oauth_apps ADD COLUMN webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth_apps ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';

-- Where notifications go. kind 'app': one per OAuth application with a
-- webhook URL (events of every account that authorised the app); kind
-- 'rule': one per notification rule (events of the rule's account).
-- event_cursor is the highest event id already turned into deliveries.
CREATE TABLE webhook_endpoints (
    id                   {{ID}},
    kind                 TEXT NOT NULL,
    app_id               BIGINT REFERENCES oauth_apps(id) ON DELETE CASCADE,
    rule_id              BIGINT,
    account_id           BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    url                  TEXT NOT NULL,
    secret               TEXT NOT NULL,
    event_cursor         BIGINT NOT NULL DEFAULT 0,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since        BIGINT,
    disabled_at          BIGINT,
    disabled_reason      TEXT NOT NULL DEFAULT '',
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE UNIQUE INDEX webhook_endpoints_app ON webhook_endpoints (app_id);
CREATE UNIQUE INDEX webhook_endpoints_rule ON webhook_endpoints (rule_id);

-- One notification of one event to one endpoint. id is the idempotency id
-- receivers deduplicate on. A row is due when status is 'pending' and
-- next_attempt_at has passed; claiming it pushes next_attempt_at forward by
-- a lease, so a crashed worker's rows come back on their own.
CREATE TABLE webhook_deliveries (
    id               {{ID}},
    endpoint_id      BIGINT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id         BIGINT NOT NULL,
    account_id       BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status           TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_attempt_at  BIGINT,
    last_status_code INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    last_latency_ms  INTEGER NOT NULL DEFAULT 0,
    response_snippet TEXT NOT NULL DEFAULT '',
    replay_of        BIGINT,
    delivered_at     BIGINT,
    acked_at         BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (endpoint_id, event_id);
