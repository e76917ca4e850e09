-- A third version per account beside list_versions' people and events:
-- "settings" grows with every committed change to what a write of a
-- person reads of its account, the account's row and its credential
-- types, so a server may keep them between requests and know, from the
-- version read with the caller's token, when they changed (see
-- list_versions.go). An account's creation and deletion count too: a
-- version never goes back, even for an id used again. SQLite has one
-- writer at a time: shard 0.
ALTER TABLE list_versions ADD COLUMN settings BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER sv_accounts_i AFTER INSERT ON accounts BEGIN INSERT INTO list_versions (account_id, shard, settings) VALUES (NEW.id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET settings = settings + 1; END;
CREATE TRIGGER sv_accounts_u AFTER UPDATE ON accounts BEGIN INSERT INTO list_versions (account_id, shard, settings) VALUES (NEW.id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET settings = settings + 1; END;
CREATE TRIGGER sv_accounts_d AFTER DELETE ON accounts BEGIN INSERT INTO list_versions (account_id, shard, settings) VALUES (OLD.id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET settings = settings + 1; END;
CREATE TRIGGER sv_credential_types_i AFTER INSERT ON credential_types BEGIN INSERT INTO list_versions (account_id, shard, settings) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET settings = settings + 1; END;
CREATE TRIGGER sv_credential_types_u AFTER UPDATE ON credential_types BEGIN INSERT INTO list_versions (account_id, shard, settings) VALUES (NEW.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET settings = settings + 1; END;
CREATE TRIGGER sv_credential_types_d AFTER DELETE ON credential_types BEGIN INSERT INTO list_versions (account_id, shard, settings) VALUES (OLD.account_id, 0, 1) ON CONFLICT (account_id, shard) DO UPDATE SET settings = settings + 1; END;
