-- Nothing changes on SQLite, which has one writer at a time and one shard
-- (see the PostgreSQL migration of this version).
SELECT 1;
