-- The local audit journal: one row per mutation attempted through the console, whatever its outcome.
-- Rows outlive their connection (no foreign key): the journal must still say what was done to a
-- cluster after its saved connection was deleted.
CREATE TABLE audit_entry (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              INTEGER NOT NULL,          -- ms since the epoch
    connection_id   TEXT NOT NULL,
    connection_name TEXT NOT NULL,
    env_label       TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL,             -- e.g. topic.create, topic.delete, message.send
    target          TEXT NOT NULL,             -- what was acted on, e.g. the topic name
    params          TEXT NOT NULL,             -- JSON: the request as the user confirmed it
    before_state    TEXT,                      -- JSON, NULL when there was nothing before
    after_state     TEXT,                      -- JSON, NULL when nothing is left (delete) or it failed
    outcome         TEXT NOT NULL,             -- ok | partial | failed | refused
    error_code      TEXT,
    error           TEXT,
    mqadmin         TEXT NOT NULL DEFAULT ''   -- the equivalent mqadmin command line(s)
);
CREATE INDEX audit_entry_at ON audit_entry(at);
CREATE INDEX audit_entry_connection ON audit_entry(connection_id, at);
