-- 0028's (account_id, group_id, person_id) index led SQLite, which keeps
-- no statistics here, to read every membership of an account through it
-- when loading the groups of one page of people (account_id = ? AND
-- person_id IN ...). Keyed on the group first, it serves only what it is
-- for: a group's members in person order.
DROP INDEX person_groups_account_group_person;
CREATE INDEX person_groups_group_person ON person_groups (group_id, person_id);
