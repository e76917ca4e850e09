-- The operator console's Settings pages: when each operator last signed
-- in, and indexes for the audit log's filters (by actor, by the operator
-- an application or key acted for, by resource, by action), each ending
-- in id so a filtered page is read newest first by keyset; a page within
-- a time range is read along (created_at, id).
ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;
CREATE INDEX audit_events_actor ON audit_events (account_id, actor_kind, actor_id, id);
CREATE INDEX audit_events_user ON audit_events (account_id, actor_user_id, id);
CREATE INDEX audit_events_resource ON audit_events (account_id, resource, resource_id, id);
CREATE INDEX audit_events_action ON audit_events (account_id, action, id);
CREATE INDEX audit_events_time_id ON audit_events (account_id, created_at, id);
DROP INDEX audit_events_account_time;
