-- How many people each account has in each block of 1024 ids (id / 1024),
-- kept by triggers like list_versions: a deep page of people (page 500 of
-- 1,000) is found by adding up the account's blocks and skipping less
-- than one block of the (account_id, id) index, instead of every person
-- before it (see ListPeople). A block's count is the sum of its shards;
-- each transaction adds to the shard of its transaction id modulo 8, once
-- per statement over the statement's rows, so concurrent writers rarely
-- wait on one row and a bulk load adds once per block.
CREATE TABLE people_blocks (
    account_id BIGINT NOT NULL,
    block      BIGINT NOT NULL,
    shard      INTEGER NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, block, shard)
);
INSERT INTO people_blocks (account_id, block, shard, n)
    SELECT account_id, id / 1024, 0, COUNT(*) FROM people GROUP BY account_id, id / 1024;
CREATE FUNCTION lintel_people_blocks() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO people_blocks AS b (account_id, block, shard, n) SELECT account_id, id / 1024, (txid_current() % 8)::integer, CASE WHEN TG_OP = 'INSERT' THEN COUNT(*) ELSE -COUNT(*) END FROM changed GROUP BY 1, 2 ORDER BY 1, 2 ON CONFLICT (account_id, block, shard) DO UPDATE SET n = b.n + excluded.n; RETURN NULL; END $$;
-- A person's id or account never changes through Lintel; plain SQL that
-- changes them is counted row by row (transition tables cannot go with a
-- column list).
CREATE FUNCTION lintel_people_blocks_moved() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO people_blocks AS b (account_id, block, shard, n) VALUES (OLD.account_id, OLD.id / 1024, (txid_current() % 8)::integer, -1) ON CONFLICT (account_id, block, shard) DO UPDATE SET n = b.n + excluded.n; INSERT INTO people_blocks AS b (account_id, block, shard, n) VALUES (NEW.account_id, NEW.id / 1024, (txid_current() % 8)::integer, 1) ON CONFLICT (account_id, block, shard) DO UPDATE SET n = b.n + excluded.n; RETURN NULL; END $$;
CREATE TRIGGER pb_people_i AFTER INSERT ON people REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_people_blocks();
CREATE TRIGGER pb_people_d AFTER DELETE ON people REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_people_blocks();
CREATE TRIGGER pb_people_u AFTER UPDATE OF id, account_id ON people FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.account_id IS DISTINCT FROM NEW.account_id) EXECUTE FUNCTION lintel_people_blocks_moved();
