-- How many people each account has in each block of 1024 ids (id / 1024),
-- kept by triggers like list_versions: a deep page of people (page 500 of
-- 1,000) is found by adding up the account's blocks and skipping less
-- than one block of the (account_id, id) index, instead of every person
-- before it (see ListPeople). SQLite has one writer at a time: shard 0.
CREATE TABLE people_blocks (
    account_id BIGINT NOT NULL,
    block      BIGINT NOT NULL,
    shard      INTEGER NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, block, shard)
);
INSERT INTO people_blocks (account_id, block, shard, n)
    SELECT account_id, id / 1024, 0, COUNT(*) FROM people GROUP BY account_id, id / 1024;
CREATE TRIGGER pb_people_i AFTER INSERT ON people BEGIN INSERT INTO people_blocks (account_id, block, shard, n) VALUES (NEW.account_id, NEW.id / 1024, 0, 1) ON CONFLICT (account_id, block, shard) DO UPDATE SET n = n + 1; END;
CREATE TRIGGER pb_people_d AFTER DELETE ON people BEGIN UPDATE people_blocks SET n = n - 1 WHERE account_id = OLD.account_id AND block = OLD.id / 1024 AND shard = 0; END;
CREATE TRIGGER pb_people_u AFTER UPDATE OF id, account_id ON people BEGIN UPDATE people_blocks SET n = n - 1 WHERE account_id = OLD.account_id AND block = OLD.id / 1024 AND shard = 0; INSERT INTO people_blocks (account_id, block, shard, n) VALUES (NEW.account_id, NEW.id / 1024, 0, 1) ON CONFLICT (account_id, block, shard) DO UPDATE SET n = n + 1; END;
