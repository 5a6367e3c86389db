//! Memberships of agents in teams and queues: which of the ids a caller names are agents of the
//! workspace, so that an unknown id is reported rather than silently dropped.

use std::collections::HashSet;

use domain::Uuid;
use sqlx::AnyConnection;

use crate::Result;
use crate::sql::{RowExt, Sql};

/// What agents are members of.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Membership {
    Team(Uuid),
    Queue(Uuid),
}

impl Membership {
    /// The table of the memberships and its column naming the team or queue.
    fn table(self) -> (&'static str, &'static str, Uuid) {
        match self {
            Self::Team(id) => ("team_members", "team_id", id),
            Self::Queue(id) => ("queue_members", "queue_id", id),
        }
    }
}

/// What a removal of members did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// The ids that were members, and are no more.
    Removed(Vec<Uuid>),
    /// This id is no agent of the workspace, so nothing was removed.
    UnknownAgent(Uuid),
}

/// Removes agents from a team or queue, all or nothing: when an id is not an agent of the
/// workspace, nobody is removed. Agents who were no members are not an error.
pub(crate) async fn remove_members(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    of: Membership,
    agent_ids: &[Uuid],
) -> Result<Removal> {
    let known = known_agents(c, workspace_id, agent_ids).await?;
    if let Some(unknown) = agent_ids.iter().find(|id| !known.contains(id)) {
        return Ok(Removal::UnknownAgent(*unknown));
    }
    if agent_ids.is_empty() {
        return Ok(Removal::Removed(Vec::new()));
    }
    let (table, owner_column, owner) = of.table();
    let mut sql = Sql::new(&format!("DELETE FROM {table} WHERE {owner_column} = "));
    sql.bind(owner)
        .push(" AND agent_id IN ")
        .bind_list(agent_ids)
        .push(" RETURNING agent_id");
    let rows = sql.fetch_all(c).await?;
    let removed = rows
        .iter()
        .map(|row| row.uuid("agent_id"))
        .collect::<Result<_>>()?;
    Ok(Removal::Removed(removed))
}

/// What became of one agent id in a bulk membership change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberOutcome {
    /// The agent is now a member (or already was).
    Member(Uuid),
    /// Removed (or was no member).
    Removed(Uuid),
    /// No agent of the workspace has this id.
    UnknownAgent(Uuid),
}

/// The ids among `ids` that are agents of the workspace.
pub(crate) async fn known_agents(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>> {
    crate::sql::known_ids(c, "agents", workspace_id, ids).await
}
