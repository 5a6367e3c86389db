-- Do-not-offer windows: an agent that declined or missed a conversation is not offered it
-- again until `until` (when its queue keeps such windows). Stored so that a restart keeps them;
-- rows whose window has ended are removed as new ones are written.
CREATE TABLE do_not_offer (
    workspace_id    TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent_id        TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    until           INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, agent_id)
);
CREATE INDEX do_not_offer_until ON do_not_offer (workspace_id, until);
