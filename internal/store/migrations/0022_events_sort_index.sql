-- The events list filters on event_code (the access codes by default) while
-- it walks the events in time order: with the code in the sort index, rows
-- skipped by an OFFSET and rows counted in a partial day are read from the
-- index alone, never from the table.
DROP INDEX events_account_created;
CREATE INDEX events_account_created ON events (account_id, created_at, id, event_code);
