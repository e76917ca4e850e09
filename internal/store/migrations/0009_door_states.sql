-- What a controller last reported about each door's hardware: whether the
-- door contact reads open and whether the lock is locked, and when. NULL:
-- not reported (no contact wired, or a controller that does not report).
ALTER TABLE channel_heartbeats ADD COLUMN door_open BOOLEAN;
ALTER TABLE channel_heartbeats ADD COLUMN door_locked BOOLEAN;
ALTER TABLE channel_heartbeats ADD COLUMN door_state_at BIGINT;
