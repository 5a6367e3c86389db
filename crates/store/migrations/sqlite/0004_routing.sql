-- Routing state that must survive a restart, beside what the conversations already hold.
--
-- `routing_leases`: which node routes a workspace. A node holds the lease while it renews it
-- before `expires_at`; another node may take it only after that. `epoch` grows with every new
-- holder, and the holder's writes carry it, so a node that lost its lease cannot write over
-- its successor's decisions.
CREATE TABLE routing_leases (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    node_id      TEXT NOT NULL,
    epoch        INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

-- The offers that are out: a conversation offered to an agent until `expires_at`. An offer
-- that ends (accepted, declined, expired, cancelled) is deleted; the event log keeps its story.
CREATE TABLE offers (
    workspace_id    TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent_id        TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    offered_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, agent_id)
);
CREATE INDEX offers_agent ON offers (agent_id);
CREATE INDEX offers_expiry ON offers (workspace_id, expires_at);

-- Where a conversation is routed besides a queue (a team or one agent), the agent it is held
-- for first, and when its wrap-up ends.
ALTER TABLE conversations ADD COLUMN team_id TEXT REFERENCES teams(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN target_agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN preferred_agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN wrap_up_until INTEGER;
