//! What routing needs to know of a workspace, read in one go: when a node takes over routing a
//! workspace (at start, or from a node that went away) it rebuilds its engine from this, so
//! offers still out are honoured or expire on time and no conversation gets two agents.

use domain::conversation::Conversation;
use domain::queue::{Queue, QueueMember};
use domain::{Timestamp, Uuid};
use sqlx::AnyConnection;

use crate::agents::details;
use crate::sql::{RowExt, q};
use crate::{AgentDetails, Result, Store};

/// An offer that is out: `conversation_id` offered to `agent_id` until `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub conversation_id: Uuid,
    pub agent_id: Uuid,
    pub offered_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A workspace as routing sees it.
#[derive(Debug, Clone)]
pub struct RoutingSnapshot {
    /// Every agent with its teams, skills, capacity and open work.
    pub agents: Vec<AgentDetails>,
    /// Every queue with its members.
    pub queues: Vec<(Queue, Vec<QueueMember>)>,
    /// Every conversation not yet closed or abandoned, oldest first.
    pub open_conversations: Vec<Conversation>,
    /// Every offer still out.
    pub offers: Vec<Offer>,
}

async fn offers_of(c: &mut AnyConnection, workspace_id: Uuid) -> Result<Vec<Offer>> {
    let rows = q(
        "SELECT conversation_id, agent_id, offered_at, expires_at FROM offers \
         WHERE workspace_id = $1 ORDER BY offered_at, conversation_id, agent_id",
        &[workspace_id.into()],
    )
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Offer {
                conversation_id: row.uuid("conversation_id")?,
                agent_id: row.uuid("agent_id")?,
                offered_at: row.time("offered_at")?,
                expires_at: row.time("expires_at")?,
            })
        })
        .collect()
}

impl Store {
    /// Reads a workspace as routing sees it, in one transaction's view.
    pub async fn routing_snapshot(&self, workspace_id: Uuid) -> Result<RoutingSnapshot> {
        let rules = self.capacity_rules(workspace_id).await?;
        self.read(move |c| {
            Box::pin(async move {
                let agents = crate::agents::all_of(c, workspace_id).await?;
                let agents = details(c, workspace_id, agents, rules).await?;
                let mut queues = Vec::new();
                for queue in crate::queues::all_of(c, workspace_id).await? {
                    let members = crate::queues::members_of(c, queue.id).await?;
                    queues.push((queue, members));
                }
                let open_conversations = crate::conversations::open_of(c, workspace_id).await?;
                let offers = offers_of(c, workspace_id).await?;
                Ok(RoutingSnapshot {
                    agents,
                    queues,
                    open_conversations,
                    offers,
                })
            })
        })
        .await
    }
}
