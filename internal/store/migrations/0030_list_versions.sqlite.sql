-- Versions of what the list endpoints show (see list_versions.go): per
-- account, a number that grows with every committed change to the rows a
-- people or credentials page is made of ("people") or an events page is
-- made of ("events"). Triggers keep them, so no write path can forget.
-- SQLite has one writer at a time: one row per account (shard 0).
CREATE TABLE list_versions (
    account_id BIGINT NOT NULL,
    shard      INTEGER NOT NULL,
    people     BIGINT NOT NULL DEFAULT 0,
    events     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, shard)
);
CREATE TRIGGER lv_people_i AFTER INSERT ON people BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_people_u AFTER UPDATE ON people BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_people_d AFTER DELETE ON people BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (OLD.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_credentials_i AFTER INSERT ON credentials BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_credentials_u AFTER UPDATE ON credentials BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_credentials_d AFTER DELETE ON credentials BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (OLD.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_credential_types_i AFTER INSERT ON credential_types BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_credential_types_u AFTER UPDATE ON credential_types BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_credential_types_d AFTER DELETE ON credential_types BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (OLD.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_person_groups_i AFTER INSERT ON person_groups BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_person_groups_u AFTER UPDATE ON person_groups BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_person_groups_d AFTER DELETE ON person_groups BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (OLD.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_person_roles_i AFTER INSERT ON person_roles BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_person_roles_u AFTER UPDATE ON person_roles BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_person_roles_d AFTER DELETE ON person_roles BEGIN INSERT INTO list_versions (account_id, shard, people) VALUES (OLD.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET people = people + 1; END;
CREATE TRIGGER lv_events_i AFTER INSERT ON events BEGIN INSERT INTO list_versions (account_id, shard, events) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET events = events + 1; END;
CREATE TRIGGER lv_events_u AFTER UPDATE ON events BEGIN INSERT INTO list_versions (account_id, shard, events) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET events = events + 1; END;
CREATE TRIGGER lv_events_d AFTER DELETE ON events BEGIN INSERT INTO list_versions (account_id, shard, events) VALUES (OLD.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET events = events + 1; END;
