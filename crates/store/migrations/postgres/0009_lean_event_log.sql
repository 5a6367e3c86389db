-- The event log is written more than any other table: routing records three events for each
-- conversation it offers. Two things made each event cost more than it needs to:
-- * the foreign key to its workspace, which looked the workspace up for every event (about a
--   fifth of the insert). Only the server writes the log, always for a workspace it serves;
--   workspaces are not deleted, and when they are, their events must be deleted with them;
-- * events about no agent (or no conversation) went into the index by agent (by
--   conversation) all the same, though it is only ever read for one given agent (one
--   conversation).
ALTER TABLE events DROP CONSTRAINT events_workspace_id_fkey;
DROP INDEX events_agent;
CREATE INDEX events_agent ON events (agent_id, tx, seq) WHERE agent_id IS NOT NULL;
DROP INDEX events_conversation;
CREATE INDEX events_conversation ON events (conversation_id, seq) WHERE conversation_id IS NOT NULL;
