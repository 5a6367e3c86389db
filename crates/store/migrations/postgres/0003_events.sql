-- The event log: every change worth telling, recorded in the transaction that made it. `seq`
-- orders the log (an identity column here, AUTOINCREMENT on SQLite) and is the id a stream
-- resumes after. `agent_id` is the agent an event is addressed to or about, for that agent's
-- own stream; `conversation_id` the conversation it moves, whose history is its events.
-- `data` is a JSON document of ids and states, never personal values.
CREATE TABLE events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    agent_id     TEXT,
    conversation_id TEXT,
    kind         TEXT NOT NULL,
    data         TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX events_workspace ON events (workspace_id, seq);
CREATE INDEX events_agent ON events (agent_id, seq);
CREATE INDEX events_conversation ON events (conversation_id, seq);
