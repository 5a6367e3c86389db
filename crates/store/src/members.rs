//! Memberships of agents in teams and queues: which of the ids a caller names are agents of the
//! workspace, so that an unknown id is reported rather than silently dropped.

use std::collections::HashSet;

use domain::Uuid;
use sqlx::AnyConnection;

use crate::Result;
use crate::sql::{RowExt, Sql};

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
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut sql = Sql::new("SELECT id FROM agents WHERE workspace_id = ");
    sql.bind(workspace_id).push(" AND id IN ").bind_list(ids);
    sql.fetch_all(c)
        .await?
        .iter()
        .map(|r| r.uuid("id"))
        .collect()
}
