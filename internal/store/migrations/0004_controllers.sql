-- Door controllers: devices that decide locally for some doors and talk to
-- the server through /controller/v1 with a device secret.
--
-- A controller covers the doors listed in controller_channels and, when
-- mac_address is set, every door of its account with that MAC address
-- (doors added later included). The secret is kept only as its SHA-256
-- digest. A revoked controller is refused.
CREATE TABLE controllers (
    id            {{ID}},
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    mac_address   TEXT,
    secret_digest TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT,
    revoked_at    BIGINT
);
CREATE UNIQUE INDEX controllers_secret ON controllers (secret_digest);
CREATE INDEX controllers_account_mac ON controllers (account_id, mac_address);

CREATE TABLE controller_channels (
    controller_id BIGINT NOT NULL REFERENCES controllers(id) ON DELETE CASCADE,
    channel_id    BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    PRIMARY KEY (controller_id, channel_id)
);
CREATE INDEX controller_channels_channel ON controller_channels (channel_id);

-- The last heartbeat of each door's controller. A door whose heartbeat is
-- older than the offline window is marked offline by the hub's sweep.
CREATE TABLE channel_heartbeats (
    channel_id    BIGINT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    controller_id BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE INDEX channel_heartbeats_seen ON channel_heartbeats (last_seen_at);

-- What a controller reported about a channel command. A command with a
-- result is never handed out again.
CREATE TABLE controller_command_results (
    command_id    BIGINT PRIMARY KEY REFERENCES channel_commands(id) ON DELETE CASCADE,
    controller_id BIGINT NOT NULL,
    outcome       TEXT NOT NULL,
    detail        TEXT,
    reported_at   BIGINT NOT NULL
);
