-- The order in which a stream reads the log: by the transaction that wrote an event, then by
-- `seq` (see the PostgreSQL twin). SQLite's one writer commits in `seq` order, so here every
-- event's `tx` is 0 and the log reads in `seq` order.
ALTER TABLE events ADD COLUMN tx INTEGER NOT NULL DEFAULT 0;
DROP INDEX events_workspace;
CREATE INDEX events_workspace ON events (workspace_id, tx, seq);
DROP INDEX events_agent;
CREATE INDEX events_agent ON events (agent_id, tx, seq);
