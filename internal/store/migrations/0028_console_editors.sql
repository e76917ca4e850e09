-- The console's group page lists a group's members a page at a time by
-- person id; without this index that reads every membership of the group
-- and sorts them.
CREATE INDEX person_groups_account_group_person ON person_groups (account_id, group_id, person_id);
-- A person's page lists their current and future reservations and group
-- reservations; the existing indexes are by end time across the account.
CREATE INDEX reservations_account_person ON reservations (account_id, person_id, end_time);
CREATE INDEX group_reservations_account_person ON group_reservations (account_id, person_id, end_time);
