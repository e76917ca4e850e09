-- A third version per account beside list_versions' people and events:
-- "settings" grows with every committed change to what a write of a
-- person reads of its account, the account's row and its credential
-- types, so a server may keep them between requests and know, from the
-- version read with the caller's token, when they changed (see
-- list_versions.go). An account's creation and deletion count too: a
-- version never goes back, even for an id used again. The same triggers as the other versions: per
-- statement, on the shard of the transaction id.
ALTER TABLE list_versions ADD COLUMN settings BIGINT NOT NULL DEFAULT 0;
CREATE FUNCTION lintel_bump_settings() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO list_versions AS v (account_id, shard, settings) SELECT DISTINCT account_id, (txid_current() % 8)::integer, 1 FROM changed ORDER BY account_id ON CONFLICT (account_id, shard) DO UPDATE SET settings = v.settings + 1; RETURN NULL; END $$;
CREATE FUNCTION lintel_bump_account_settings() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO list_versions AS v (account_id, shard, settings) SELECT DISTINCT id, (txid_current() % 8)::integer, 1 FROM changed ORDER BY id ON CONFLICT (account_id, shard) DO UPDATE SET settings = v.settings + 1; RETURN NULL; END $$;
CREATE TRIGGER sv_accounts_i AFTER INSERT ON accounts REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_account_settings();
CREATE TRIGGER sv_accounts_u AFTER UPDATE ON accounts REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_account_settings();
CREATE TRIGGER sv_accounts_d AFTER DELETE ON accounts REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_account_settings();
CREATE TRIGGER sv_credential_types_i AFTER INSERT ON credential_types REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_settings();
CREATE TRIGGER sv_credential_types_u AFTER UPDATE ON credential_types REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_settings();
CREATE TRIGGER sv_credential_types_d AFTER DELETE ON credential_types REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lintel_bump_settings();
