-- The whole model of the foundation. Ids are canonical UUID text, times are Unix milliseconds,
-- flags are 0/1 integers and nested documents are JSON text, so the queries are the same SQL on
-- SQLite and PostgreSQL. Its SQLite twin has the same name and differs only in types.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE workspaces (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    agent_id     TEXT,
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);

CREATE TABLE capacity_rules (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT,
    is_default   BIGINT NOT NULL,
    capacity     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX capacity_rules_workspace ON capacity_rules (workspace_id, created_at, id);

-- `desk_id` is Sendbird's integer agent id: given by the insert, unique on the server, never
-- reused (an identity column here, AUTOINCREMENT on SQLite).
CREATE TABLE agents (
    desk_id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                      TEXT NOT NULL UNIQUE,
    workspace_id            TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind                    TEXT NOT NULL,
    user_id                 TEXT,
    username                TEXT,
    name                    TEXT NOT NULL,
    name_key                TEXT NOT NULL,
    email_search            TEXT NOT NULL,
    role_search             TEXT NOT NULL,
    account                 TEXT NOT NULL,
    presence                TEXT NOT NULL,
    activity                TEXT NOT NULL,
    activity_text           TEXT,
    activity_ttl            BIGINT,
    activity_expires_at     BIGINT,
    last_status_set         BIGINT NOT NULL,
    last_activity_set       BIGINT NOT NULL,
    availability_updated_at BIGINT NOT NULL,
    status_before_offline   TEXT,
    last_set_to_away_at     BIGINT,
    status_activity_at      BIGINT NOT NULL,
    work                    TEXT NOT NULL,
    capacity_rule_id        TEXT REFERENCES capacity_rules(id) ON DELETE SET NULL,
    last_assigned_at        BIGINT,
    assigned_count          BIGINT NOT NULL,
    profile                 TEXT NOT NULL,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);
CREATE UNIQUE INDEX agents_user ON agents (workspace_id, user_id);
CREATE UNIQUE INDEX agents_username ON agents (workspace_id, username);
CREATE INDEX agents_by_created ON agents (workspace_id, created_at, id);
CREATE INDEX agents_by_name ON agents (workspace_id, name_key, id);
CREATE INDEX agents_by_assigned ON agents (workspace_id, assigned_count, id);
CREATE INDEX agents_activity_expiry ON agents (activity_expires_at);
CREATE INDEX agents_capacity_rule ON agents (capacity_rule_id);

CREATE TABLE teams (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT,
    visibility      TEXT NOT NULL,
    accessibility   TEXT NOT NULL,
    hide_from_views BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX teams_workspace ON teams (workspace_id, created_at, id);

CREATE TABLE team_members (
    workspace_id TEXT NOT NULL,
    team_id      TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    member_since BIGINT NOT NULL,
    PRIMARY KEY (team_id, agent_id)
);
CREATE INDEX team_members_agent ON team_members (agent_id);

CREATE TABLE skills (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT,
    value_type   TEXT NOT NULL,
    value_list   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT
);
CREATE INDEX skills_workspace ON skills (workspace_id, created_at, id);

CREATE TABLE media (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    file_name    TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX media_agent ON media (agent_id);
