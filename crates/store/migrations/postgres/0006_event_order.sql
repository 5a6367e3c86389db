-- The order in which a stream reads the log. PostgreSQL hands out `seq` at the insert but
-- commits concurrent transactions in any order, so a reader going by `seq` alone could pass an
-- event whose transaction commits later with a smaller `seq`. Each event keeps the id of the
-- transaction that wrote it (`tx`); a stream reads by (`tx`, `seq`) and only events of
-- transactions older than every one still running, which can no longer change.
ALTER TABLE events ADD COLUMN tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
DROP INDEX events_workspace;
CREATE INDEX events_workspace ON events (workspace_id, tx, seq);
DROP INDEX events_agent;
CREATE INDEX events_agent ON events (agent_id, tx, seq);
