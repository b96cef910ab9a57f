-- Saved connections. The ACL secret key is never stored here: it lives in the OS keychain
-- (or, without one, only in memory for the session).
CREATE TABLE connection (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL UNIQUE,
    namesrv_addrs TEXT NOT NULL,            -- ';'-separated host:port list, validated on write
    vip_channel   INTEGER NOT NULL DEFAULT 0,
    access_key    TEXT,                     -- NULL when the cluster has no ACL
    secret_in_keychain INTEGER NOT NULL DEFAULT 0, -- 1 when the secret key was saved in the OS keychain
    env_label     TEXT NOT NULL DEFAULT '',
    env_color     TEXT NOT NULL DEFAULT '#64748b',
    read_only     INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Every broker ever seen through a connection, so that a broker that vanished from the name
-- server's route (stopped, crashed) is shown as down instead of silently missing.
CREATE TABLE known_broker (
    connection_id TEXT NOT NULL REFERENCES connection(id) ON DELETE CASCADE,
    cluster       TEXT NOT NULL,
    broker_name   TEXT NOT NULL,
    broker_id     INTEGER NOT NULL,
    addr          TEXT NOT NULL,
    last_seen     INTEGER NOT NULL,
    PRIMARY KEY (connection_id, broker_name, broker_id)
);
