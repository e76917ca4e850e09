-- Totals of the list endpoints without counting rows (see counts.go): per
-- account, how many people and credentials it holds; per account, UTC day
-- and event code, how many events it recorded. The store keeps them in the
-- transaction of every insert and delete of those rows. A count is the sum
-- of its shards: on PostgreSQL concurrent writers of one account add to
-- different rows instead of queueing on one row's lock.
CREATE TABLE account_counts (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    shard      INTEGER NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, kind, shard)
);
INSERT INTO account_counts (account_id, kind, shard, n)
    SELECT account_id, 'people', 0, COUNT(*) FROM people GROUP BY account_id;
INSERT INTO account_counts (account_id, kind, shard, n)
    SELECT account_id, 'credentials', 0, COUNT(*) FROM credentials GROUP BY account_id;
CREATE TABLE event_day_counts (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    day        BIGINT NOT NULL,
    event_code INTEGER NOT NULL,
    shard      INTEGER NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, event_code, shard)
);
INSERT INTO event_day_counts (account_id, day, event_code, shard, n)
    SELECT account_id, created_at / 86400000, event_code, 0, COUNT(*) FROM events
    WHERE created_at >= 0 GROUP BY account_id, created_at / 86400000, event_code;
