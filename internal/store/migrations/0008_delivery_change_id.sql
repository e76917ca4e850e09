-- A delivery announces either an event (event_id) or a resource change
-- (change_id); the other column is NULL. Until now a change's delivery
-- carried event_id = -(resource_changes.id); those rows move to change_id.
--
-- event_id was NOT NULL, which SQLite cannot drop from a column, so the
-- column is replaced (the same way on both engines): the old one is
-- renamed, a nullable one takes its name, and the old one is dropped once
-- copied. Row ids, and so the delivery ids receivers have seen, stay as
-- they are.
ALTER TABLE webhook_deliveries RENAME COLUMN event_id TO legacy_event_id;
ALTER TABLE webhook_deliveries ADD COLUMN event_id BIGINT;
ALTER TABLE webhook_deliveries ADD COLUMN change_id BIGINT;
UPDATE webhook_deliveries SET event_id = legacy_event_id WHERE legacy_event_id > 0;
UPDATE webhook_deliveries SET change_id = -legacy_event_id WHERE legacy_event_id < 0;
DROP INDEX webhook_deliveries_event;
ALTER TABLE webhook_deliveries DROP COLUMN legacy_event_id;

-- Acknowledgements find a delivery by endpoint and event, or endpoint and
-- change.
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (endpoint_id, event_id);
CREATE INDEX webhook_deliveries_change ON webhook_deliveries (endpoint_id, change_id);
