-- Versions of what the list endpoints show (see list_versions.go): per
-- account, a number that grows with every committed change to the rows a
-- people or credentials page is made of ("people") or an events page is
-- made of ("events"). Triggers keep them, so no write path can forget.
-- A version is the sum of its account's rows. Each transaction adds to the
-- row of its own shard (its transaction id modulo 8), once per statement,
-- so concurrent writers of one account rarely wait on one row's lock and a
-- transaction locks one row per account. The triggers fire per statement
-- and read the statement's rows as a transition table: a bulk load of a
-- hundred thousand rows adds once, not a hundred thousand times.
CREATE TABLE list_versions (
    account_id BIGINT NOT NULL,
    shard      INTEGER NOT NULL,
    people     BIGINT NOT NULL DEFAULT 0,
    events     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, shard)
);
CREATE FUNCTION lintel_bump_people() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO list_versions AS v (account_id, shard, people) SELECT DISTINCT account_id, (txid_current() % 8)::integer, 1 FROM changed ORDER BY account_id ON CONFLICT (account_id, shard) DO UPDATE SET people = v.people + 1; RETURN NULL; END $$;
CREATE FUNCTION lintel_bump_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO list_versions AS v (account_id, shard, events) SELECT DISTINCT account_id, (txid_current() % 8)::integer, 1 FROM changed ORDER BY account_id ON CONFLICT (account_id, shard) DO UPDATE SET events = v.events + 1; RETURN NULL; END $$;
CREATE TRIGGER lv_people_i AFTER INSERT ON people REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_people_u AFTER UPDATE ON people REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_people_d AFTER DELETE ON people REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_credentials_i AFTER INSERT ON credentials REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_credentials_u AFTER UPDATE ON credentials REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_credentials_d AFTER DELETE ON credentials REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_credential_types_i AFTER INSERT ON credential_types REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_credential_types_u AFTER UPDATE ON credential_types REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_credential_types_d AFTER DELETE ON credential_types REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_person_groups_i AFTER INSERT ON person_groups REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_person_groups_u AFTER UPDATE ON person_groups REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_person_groups_d AFTER DELETE ON person_groups REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_person_roles_i AFTER INSERT ON person_roles REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_person_roles_u AFTER UPDATE ON person_roles REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_person_roles_d AFTER DELETE ON person_roles REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_people();
CREATE TRIGGER lv_events_i AFTER INSERT ON events REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_events();
CREATE TRIGGER lv_events_u AFTER UPDATE ON events REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_events();
CREATE TRIGGER lv_events_d AFTER DELETE ON events REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_events();
