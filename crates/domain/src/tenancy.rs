//! Tenancy and credentials: workspaces are the tenants (Bird workspace, Dixa organization,
//! Sendbird application, VoIPBIN customer) and API keys act inside exactly one of them.

use crate::{Invalid, Timestamp, Uuid, validate};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
}

impl Workspace {
    pub fn build(name: &str, now: Timestamp) -> Result<Self, Invalid> {
        validate::text_len("name", name.trim(), 1, 100)?;
        Ok(Self {
            id: crate::new_id(),
            name: name.trim().to_owned(),
            created_at: now,
        })
    }
}

/// How a workspace routes, beyond its queues.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkspaceSettings {
    /// Agents are offered work only inside their weekly schedule and off their holidays.
    pub enforce_schedules: bool,
}

/// What a key may do: an admin key acts on the whole workspace; an agent key is one agent,
/// which may read the workspace but change only itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    Admin,
    Agent,
}

impl KeyRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Agent => "agent",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "admin" => Some(Self::Admin),
            "agent" => Some(Self::Agent),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub role: KeyRole,
    pub agent_id: Option<Uuid>,
    pub created_at: Timestamp,
}

impl ApiKey {
    pub fn build(
        workspace_id: Uuid,
        name: &str,
        role: KeyRole,
        agent_id: Option<Uuid>,
        now: Timestamp,
    ) -> Result<Self, Invalid> {
        validate::text_len("name", name.trim(), 1, 100)?;
        match (role, agent_id) {
            (KeyRole::Agent, None) => {
                return Err(Invalid::new("agentId", "an agent key needs its agent"));
            }
            (KeyRole::Admin, Some(_)) => {
                return Err(Invalid::new(
                    "agentId",
                    "an admin key is not bound to an agent",
                ));
            }
            _ => {}
        }
        Ok(Self {
            id: crate::new_id(),
            workspace_id,
            name: name.trim().to_owned(),
            role,
            agent_id,
            created_at: now,
        })
    }

    /// Whether this key may change the given agent.
    pub fn may_change_agent(&self, agent_id: Uuid) -> bool {
        self.role == KeyRole::Admin || self.agent_id == Some(agent_id)
    }
}
