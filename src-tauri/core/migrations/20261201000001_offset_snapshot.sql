-- Offsets of a consumer group saved before each reset, so the reset can be undone exactly.
-- Like the audit journal, rows outlive their connection (no foreign key).
CREATE TABLE offset_snapshot (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id TEXT NOT NULL,
    group_name    TEXT NOT NULL,
    at            INTEGER NOT NULL,   -- ms since the epoch
    reason        TEXT NOT NULL,      -- the reset it preceded, e.g. "to the earliest offset on T"
    offsets       TEXT NOT NULL,      -- JSON [{topic, brokerName, queueId, offset}], offset -1 = none
    restored_at   INTEGER             -- when an undo restored it
);
CREATE INDEX offset_snapshot_group ON offset_snapshot(connection_id, group_name, id);
