-- The operator console shows one person's events (newest first) on the
-- person's page; without this index that scans the account's whole log.
CREATE INDEX events_account_person ON events (account_id, person_id, created_at, id);
-- Its people search matches the start of a first name, a last name or an
-- email (email_lower has its own index already).
CREATE INDEX people_account_first_lower ON people (account_id, lower(first_name));
CREATE INDEX people_account_last_lower ON people (account_id, lower(last_name));
