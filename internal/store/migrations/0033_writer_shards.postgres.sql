-- The shard a transaction adds to in the sharded count rows
-- (list_versions, people_blocks; account_counts and event_day_counts are
-- written by the store itself) is the one the store hands the
-- transaction, in the setting lintel.shard, rather than its transaction
-- id modulo 8: a process hands its concurrent transactions different
-- shards (the one fewest of them hold), so they do not wait for each
-- other's commit on a row's lock, while the transaction ids of eight
-- concurrent writers leave some of them on a shard together nearly
-- always. Writes from plain SQL, which set nothing, keep to the
-- transaction id.
--
-- A person's insert or delete also makes one trigger call, with one
-- statement, where it made two of each: one function adds to the list
-- version and to the person's block.
CREATE FUNCTION lintel_shard() RETURNS integer LANGUAGE sql STABLE AS $$ SELECT COALESCE(NULLIF(current_setting('lintel.shard', true), '')::integer % 8, (txid_current() % 8)::integer) $$;
CREATE OR REPLACE FUNCTION lintel_bump_people() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE s integer := lintel_shard(); BEGIN INSERT INTO list_versions AS v (account_id, shard, people) SELECT DISTINCT account_id, s, 1 FROM changed ORDER BY account_id ON CONFLICT (account_id, shard) DO UPDATE SET people = v.people + 1; RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION lintel_bump_events() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE s integer := lintel_shard(); BEGIN INSERT INTO list_versions AS v (account_id, shard, events) SELECT DISTINCT account_id, s, 1 FROM changed ORDER BY account_id ON CONFLICT (account_id, shard) DO UPDATE SET events = v.events + 1; RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION lintel_bump_settings() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE s integer := lintel_shard(); BEGIN INSERT INTO list_versions AS v (account_id, shard, settings) SELECT DISTINCT account_id, s, 1 FROM changed ORDER BY account_id ON CONFLICT (account_id, shard) DO UPDATE SET settings = v.settings + 1; RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION lintel_bump_account_settings() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE s integer := lintel_shard(); BEGIN INSERT INTO list_versions AS v (account_id, shard, settings) SELECT DISTINCT id, s, 1 FROM changed ORDER BY id ON CONFLICT (account_id, shard) DO UPDATE SET settings = v.settings + 1; RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION lintel_people_blocks_moved() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE s integer := lintel_shard(); BEGIN INSERT INTO people_blocks AS b (account_id, block, shard, n) VALUES (OLD.account_id, OLD.id / 1024, s, -1) ON CONFLICT (account_id, block, shard) DO UPDATE SET n = b.n + excluded.n; INSERT INTO people_blocks AS b (account_id, block, shard, n) VALUES (NEW.account_id, NEW.id / 1024, s, 1) ON CONFLICT (account_id, block, shard) DO UPDATE SET n = b.n + excluded.n; RETURN NULL; END $$;
CREATE FUNCTION lintel_people_counted() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE s integer := lintel_shard(); BEGIN WITH v AS (INSERT INTO list_versions AS v (account_id, shard, people) SELECT DISTINCT account_id, s, 1 FROM changed ORDER BY account_id ON CONFLICT (account_id, shard) DO UPDATE SET people = v.people + 1) INSERT INTO people_blocks AS b (account_id, block, shard, n) SELECT account_id, id / 1024, s, CASE WHEN TG_OP = 'INSERT' THEN COUNT(*) ELSE -COUNT(*) END FROM changed GROUP BY 1, 2 ORDER BY 1, 2 ON CONFLICT (account_id, block, shard) DO UPDATE SET n = b.n + excluded.n; RETURN NULL; END $$;
DROP TRIGGER lv_people_i ON people;
DROP TRIGGER lv_people_d ON people;
DROP TRIGGER pb_people_i ON people;
DROP TRIGGER pb_people_d ON people;
DROP FUNCTION lintel_people_blocks();
CREATE TRIGGER lv_people_i AFTER INSERT ON people REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_people_counted();
CREATE TRIGGER lv_people_d AFTER DELETE ON people REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_people_counted();
