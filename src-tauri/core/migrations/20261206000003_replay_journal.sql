-- Dead-letter replays: one row per replay and one per message, written before anything is sent, so
-- an interrupted replay (cancelled, a broker down, the app killed) resumes without sending any
-- message twice. A message's copy gets its unique key (new_msg_id) before it is sent: on resume a
-- message left 'sending' is looked up by that key in its target topic before it is sent again.
-- Like the audit journal, rows outlive their connection (no foreign key to it).
CREATE TABLE replay (
    id            TEXT PRIMARY KEY,
    connection_id TEXT NOT NULL,
    group_name    TEXT NOT NULL,
    dlq_topic     TEXT NOT NULL,
    target        TEXT NOT NULL,      -- JSON of ReplayTarget
    rate          INTEGER,            -- messages per second; NULL: as fast as the brokers take them
    state         TEXT NOT NULL,      -- running | paused | interrupted | done | discarded
    note          TEXT,               -- why it stopped, when it did not finish
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX replay_connection ON replay(connection_id, created_at);

CREATE TABLE replay_item (
    replay_id     TEXT NOT NULL REFERENCES replay(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    dlq_offset_id TEXT NOT NULL,      -- the dead letter (its offset id in the DLQ)
    dlq_msg_id    TEXT,               -- its unique key
    keys          TEXT,
    target_topic  TEXT,               -- NULL: it cannot be resolved (reason in status)
    new_msg_id    TEXT NOT NULL,      -- the copy's unique key, chosen before it is sent
    state         TEXT NOT NULL,      -- pending | sending | sent | storedNotOk | failed | unresolvable
    status        TEXT,               -- SEND_OK, FLUSH_DISK_TIMEOUT…, or why it failed
    new_offset_id TEXT,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (replay_id, seq)
);
CREATE INDEX replay_item_state ON replay_item(replay_id, state, seq);
