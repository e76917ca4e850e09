-- Lintel schema, version 1. Portable SQL for SQLite and PostgreSQL:
-- {{ID}} becomes the dialect's auto-increment primary key. Times are
-- BIGINT Unix milliseconds (UTC); booleans are BOOLEAN; lists are JSON TEXT.
-- Every tenant row carries account_id and every query filters on it.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE accounts (
    id             {{ID}},
    uid            TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    time_zone      TEXT NOT NULL,
    monitored      BOOLEAN NOT NULL DEFAULT FALSE,
    verified       BOOLEAN NOT NULL DEFAULT FALSE,
    enterprise_pin TEXT UNIQUE,
    sync_status    TEXT NOT NULL DEFAULT 'complete',
    last_sync_at   BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE users (
    id                  {{ID}},
    account_id          BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email               TEXT NOT NULL,
    first_name          TEXT NOT NULL DEFAULT '',
    last_name           TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL,
    admin               BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    UNIQUE (account_id, email)
);
CREATE INDEX users_email ON users (email);

CREATE TABLE sites (
    id         {{ID}},
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    ip_address TEXT,
    time_zone  TEXT,
    notes      TEXT,
    site_ips   TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sites_account ON sites (account_id, name);

CREATE TABLE shifts (
    id         {{ID}},
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    time_zone  TEXT,
    windows    TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX shifts_account ON shifts (account_id, name);

CREATE TABLE channels (
    id                     {{ID}},
    account_id             BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    site_id                BIGINT REFERENCES sites(id) ON DELETE SET NULL,
    name                   TEXT NOT NULL,
    mac_address            TEXT NOT NULL,
    unit                   INTEGER NOT NULL DEFAULT 1,
    model                  TEXT,
    model_long             TEXT NOT NULL DEFAULT '',
    serial_number          TEXT,
    card_format            TEXT,
    pin_format             TEXT,
    status                 TEXT NOT NULL DEFAULT 'offline',
    mode                   TEXT NOT NULL DEFAULT 'normal',
    relock_at              BIGINT,
    mode_changed_at        BIGINT,
    card_lockdown          BOOLEAN NOT NULL DEFAULT FALSE,
    rex_lockdown           BOOLEAN NOT NULL DEFAULT FALSE,
    aux_lockdown           BOOLEAN NOT NULL DEFAULT FALSE,
    auto_unlock_shift_id   BIGINT REFERENCES shifts(id) ON DELETE SET NULL,
    sync_status            TEXT NOT NULL DEFAULT 'ok',
    last_sync_completed_at BIGINT,
    device_secret_digest   TEXT,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX channels_account ON channels (account_id, id);
CREATE INDEX channels_account_site ON channels (account_id, site_id, id);

CREATE TABLE credential_types (
    id         {{ID}},
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    slug       TEXT NOT NULL,
    code       BIGINT,
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, label),
    UNIQUE (account_id, slug)
);

CREATE TABLE people (
    id              {{ID}},
    account_id      BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    salutation      TEXT,
    job_title       TEXT,
    department      TEXT,
    telephone       TEXT,
    notes           TEXT,
    barcode         TEXT,
    email           TEXT,
    email_lower     TEXT,
    mobile          TEXT,
    organisation_id BIGINT,
    system_id       TEXT,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    valid_from      BIGINT,
    valid_to        BIGINT,
    image_url       TEXT,
    custom_1        TEXT,
    custom_2        TEXT,
    custom_3        TEXT,
    custom_4        TEXT,
    custom_5        TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX people_account_id ON people (account_id, id);
CREATE UNIQUE INDEX people_account_email ON people (account_id, email_lower);
CREATE INDEX people_account_system_id ON people (account_id, system_id);
CREATE INDEX people_account_updated ON people (account_id, updated_at);

CREATE TABLE groups (
    id                  {{ID}},
    account_id          BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    notes               TEXT,
    global_across_sites BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX groups_account ON groups (account_id, name);

CREATE TABLE roles (
    id         {{ID}},
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    shift_id   BIGINT REFERENCES shifts(id) ON DELETE SET NULL,
    notes      TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE role_groups (
    account_id BIGINT NOT NULL,
    role_id    BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    group_id   BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, group_id)
);
CREATE INDEX role_groups_group ON role_groups (group_id);

CREATE TABLE role_channels (
    account_id BIGINT NOT NULL,
    role_id    BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, channel_id)
);
CREATE INDEX role_channels_channel ON role_channels (channel_id);

CREATE TABLE person_groups (
    account_id BIGINT NOT NULL,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    group_id   BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, group_id)
);
CREATE INDEX person_groups_group ON person_groups (group_id);
CREATE INDEX person_groups_account_person ON person_groups (account_id, person_id);

CREATE TABLE person_roles (
    account_id BIGINT NOT NULL,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role_id    BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, role_id)
);
CREATE INDEX person_roles_role ON person_roles (role_id);
CREATE INDEX person_roles_account_person ON person_roles (account_id, person_id);

CREATE TABLE credentials (
    id                 {{ID}},
    uid                TEXT NOT NULL UNIQUE,
    account_id         BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    person_id          BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    credential_type_id BIGINT NOT NULL REFERENCES credential_types(id) ON DELETE CASCADE,
    value              TEXT,
    status             TEXT,
    wallet_type        TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    UNIQUE (person_id, credential_type_id),
    UNIQUE (account_id, credential_type_id, value)
);
CREATE INDEX credentials_account ON credentials (account_id, id);
CREATE INDEX credentials_account_person ON credentials (account_id, person_id);

CREATE TABLE reservations (
    id         {{ID}},
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    start_time BIGINT NOT NULL,
    end_time   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX reservations_account ON reservations (account_id, end_time);
CREATE INDEX reservations_account_updated ON reservations (account_id, updated_at);

CREATE TABLE reservation_channels (
    account_id     BIGINT NOT NULL,
    reservation_id BIGINT NOT NULL REFERENCES reservations(id) ON DELETE CASCADE,
    channel_id     BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    PRIMARY KEY (reservation_id, channel_id)
);

CREATE TABLE group_reservations (
    id             {{ID}},
    account_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    person_id      BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    start_time     BIGINT NOT NULL,
    end_time       BIGINT NOT NULL,
    deactivated_at BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX group_reservations_account ON group_reservations (account_id, end_time);
CREATE INDEX group_reservations_account_updated ON group_reservations (account_id, updated_at);

CREATE TABLE group_reservation_groups (
    account_id           BIGINT NOT NULL,
    group_reservation_id BIGINT NOT NULL REFERENCES group_reservations(id) ON DELETE CASCADE,
    group_id             BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (group_reservation_id, group_id)
);

CREATE TABLE events (
    id                 {{ID}},
    account_id         BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    event_code         INTEGER NOT NULL,
    event_label        TEXT NOT NULL,
    channel_id         BIGINT,
    channel_name       TEXT,
    person_id          BIGINT,
    person_name        TEXT,
    person_first_name  TEXT,
    person_last_name   TEXT,
    credentials_number TEXT,
    client_event_id    TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX events_account_created ON events (account_id, created_at, id);
CREATE INDEX events_account_channel ON events (account_id, channel_id, created_at);
-- Name filters compare case-insensitively.
CREATE INDEX events_account_last_name ON events (account_id, lower(person_last_name), created_at);
CREATE INDEX events_account_first_name ON events (account_id, lower(person_first_name), created_at);
CREATE UNIQUE INDEX events_client_id ON events (account_id, client_event_id);

CREATE TABLE oauth_apps (
    id             {{ID}},
    uid            TEXT NOT NULL UNIQUE,
    account_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    secret_digest  TEXT NOT NULL DEFAULT '',
    redirect_uris  TEXT NOT NULL DEFAULT '[]',
    scopes         TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL DEFAULT 'testing',
    password_grant BOOLEAN NOT NULL DEFAULT FALSE,
    require_pkce   BOOLEAN NOT NULL DEFAULT FALSE,
    require_state  BOOLEAN NOT NULL DEFAULT FALSE,
    admit_approved BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX oauth_apps_account ON oauth_apps (account_id, id);

-- A user's consent for an app on their account.
CREATE TABLE oauth_grants (
    id         {{ID}},
    app_id     BIGINT NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (app_id, user_id)
);
CREATE INDEX oauth_grants_user ON oauth_grants (user_id);

CREATE TABLE oauth_codes (
    id                    {{ID}},
    digest                TEXT NOT NULL UNIQUE,
    app_id                BIGINT NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    account_id            BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id               BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scopes                TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL DEFAULT '',
    code_challenge        TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    family_id             BIGINT,
    expires_at            BIGINT NOT NULL,
    used_at               BIGINT,
    created_at            BIGINT NOT NULL
);
CREATE INDEX oauth_codes_expires ON oauth_codes (expires_at);

-- A token family: every access and refresh token descended from one
-- authorization (code exchange or password grant). Revoking it kills them all.
CREATE TABLE oauth_families (
    id           {{ID}},
    app_id       BIGINT NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scopes       TEXT NOT NULL,
    revoked_at   BIGINT,
    revoke_reason TEXT,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX oauth_families_app_user ON oauth_families (app_id, user_id);
CREATE INDEX oauth_families_user ON oauth_families (user_id);

CREATE TABLE oauth_tokens (
    id         {{ID}},
    family_id  BIGINT NOT NULL REFERENCES oauth_families(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL, -- access|refresh
    digest     TEXT NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    used_at    BIGINT,        -- refresh: when it was rotated
    revoked_at BIGINT
);
CREATE INDEX oauth_tokens_family ON oauth_tokens (family_id);
CREATE INDEX oauth_tokens_expires ON oauth_tokens (kind, expires_at);

-- Browser sessions of the login and consent pages.
CREATE TABLE sessions (
    id         {{ID}},
    digest     TEXT NOT NULL UNIQUE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Personal API keys (HTTP Basic key:x), per operator.
CREATE TABLE api_keys (
    id           {{ID}},
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL,
    digest       TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
