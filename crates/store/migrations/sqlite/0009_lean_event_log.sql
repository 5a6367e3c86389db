-- The event log loses its foreign key to workspaces, and its indexes by agent and by
-- conversation the events without one (see the PostgreSQL twin for why). SQLite drops a
-- foreign key only by building the table again; its AUTOINCREMENT counter goes along, so no
-- `seq` is ever handed out twice.
CREATE TABLE events_lean (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id    TEXT NOT NULL,
    agent_id        TEXT,
    conversation_id TEXT,
    kind            TEXT NOT NULL,
    data            TEXT NOT NULL,
    at              INTEGER NOT NULL,
    tx              INTEGER NOT NULL DEFAULT 0
);
INSERT INTO events_lean (seq, workspace_id, agent_id, conversation_id, kind, data, at, tx)
    SELECT seq, workspace_id, agent_id, conversation_id, kind, data, at, tx FROM events;
DELETE FROM sqlite_sequence WHERE name = 'events_lean';
INSERT INTO sqlite_sequence (name, seq) SELECT 'events_lean', seq FROM sqlite_sequence WHERE name = 'events';
DROP TABLE events;
ALTER TABLE events_lean RENAME TO events;
CREATE INDEX events_workspace ON events (workspace_id, tx, seq);
CREATE INDEX events_agent ON events (agent_id, tx, seq) WHERE agent_id IS NOT NULL;
CREATE INDEX events_conversation ON events (conversation_id, seq) WHERE conversation_id IS NOT NULL;
