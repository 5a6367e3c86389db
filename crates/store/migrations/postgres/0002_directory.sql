-- The directory: tags, queues and their members, custom attribute definitions, end users,
-- anonymization requests, and conversations with their tags. Same conventions as 0001: UUID
-- text ids, Unix-millisecond times, 0/1 flags, JSON text documents. Its SQLite twin differs
-- only in types.

-- `name_key` is the trimmed, lower-cased name: a workspace has one tag per name, whatever the case.
CREATE TABLE tags (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    color        TEXT,
    active       BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (workspace_id, name_key);
CREATE INDEX tags_workspace ON tags (workspace_id, created_at, id);

-- What routing filters or sorts on has a column; the rest of a queue's settings (timeouts,
-- thresholds, flags) is the JSON document `settings`.
CREATE TABLE queues (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    is_default      BIGINT NOT NULL,
    priority        BIGINT NOT NULL,
    offer_algorithm TEXT NOT NULL,
    settings        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX queues_workspace ON queues (workspace_id, created_at, id);

-- `priority` is the member's tier for the AgentPriority* offer algorithms (lower first).
CREATE TABLE queue_members (
    workspace_id TEXT NOT NULL,
    queue_id     TEXT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    priority     BIGINT,
    member_since BIGINT NOT NULL,
    PRIMARY KEY (queue_id, agent_id)
);
CREATE INDEX queue_members_agent ON queue_members (agent_id);

-- `entity_type` is `contact` (end users) or `conversation`; `input` is the JSON definition of
-- the value (text with a placeholder, or select with options).
CREATE TABLE custom_attributes (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    entity_type    TEXT NOT NULL,
    name           TEXT NOT NULL,
    identifier     TEXT NOT NULL,
    description    TEXT,
    input          TEXT NOT NULL,
    is_required    BIGINT NOT NULL,
    is_archived    BIGINT NOT NULL,
    is_deactivated BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX custom_attributes_identifier
    ON custom_attributes (workspace_id, entity_type, identifier);
CREATE INDEX custom_attributes_workspace ON custom_attributes (workspace_id, created_at, id);

-- Every personal value of an end user lives in this row (lists are JSON arrays, custom
-- attribute values a JSON map by attribute id), so anonymization scrubs one row per end user
-- plus its conversations. `email_key` is the lower-cased e-mail for look-ups.
CREATE TABLE endusers (
    id                       TEXT PRIMARY KEY,
    workspace_id             TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    display_name             TEXT,
    email                    TEXT,
    email_key                TEXT,
    phone_number             TEXT,
    first_name               TEXT,
    last_name                TEXT,
    middle_names             TEXT NOT NULL,
    additional_emails        TEXT NOT NULL,
    additional_phone_numbers TEXT NOT NULL,
    avatar_url               TEXT,
    external_id              TEXT,
    custom_attributes        TEXT NOT NULL,
    anonymized_at            BIGINT,
    created_at               BIGINT NOT NULL,
    updated_at               BIGINT NOT NULL
);
CREATE INDEX endusers_workspace ON endusers (workspace_id, created_at, id);
CREATE INDEX endusers_email ON endusers (workspace_id, email_key);
CREATE INDEX endusers_phone ON endusers (workspace_id, phone_number);
CREATE UNIQUE INDEX endusers_external ON endusers (workspace_id, external_id);

-- `entity_type` is Dixa's `_type` (`User`, `Conversation`, `Message`); `requested_by` the
-- API key that asked.
CREATE TABLE anonymization_requests (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    entity_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    initiated_at BIGINT NOT NULL,
    processed_at BIGINT
);
CREATE INDEX anonymization_requests_target ON anonymization_requests (target_id);

-- `number` is Dixa's integer conversation id (`csid`): given by the insert, unique on the
-- server, never reused. Personal values of the conversation are `subject`, `contact_point`
-- (the address the end user wrote from) and `details` (custom attribute values and routing
-- requirements, a JSON document the routing issue extends).
CREATE TABLE conversations (
    number            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    workspace_id      TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel           TEXT NOT NULL,
    direction         TEXT NOT NULL,
    status            TEXT NOT NULL,
    status_updated_at BIGINT NOT NULL,
    end_user_id       TEXT REFERENCES endusers(id),
    queue_id          TEXT REFERENCES queues(id) ON DELETE SET NULL,
    queued_at         BIGINT,
    assignee_id       TEXT REFERENCES agents(id) ON DELETE SET NULL,
    assigned_at       BIGINT,
    priority          BIGINT NOT NULL,
    subject           TEXT,
    contact_point     TEXT,
    external_id       TEXT,
    details           TEXT NOT NULL,
    closed_at         BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX conversations_workspace ON conversations (workspace_id, created_at, id);
CREATE INDEX conversations_end_user ON conversations (end_user_id, created_at, id);
CREATE INDEX conversations_status ON conversations (workspace_id, status, created_at, id);
CREATE INDEX conversations_queue ON conversations (queue_id);
CREATE INDEX conversations_assignee ON conversations (assignee_id);

CREATE TABLE conversation_tags (
    workspace_id    TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    tag_id          TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    added_at        BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, tag_id)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tag_id);
