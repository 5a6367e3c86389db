//! What routing needs to know of a workspace, read in one go: when a node takes over routing a
//! workspace (at start, or from a node that went away) it rebuilds its engine from this, so
//! offers still out are honoured or expire on time and no conversation gets two agents.

use domain::availability::Work;
use domain::conversation::{Conversation, Status};
use domain::event::{
    AGENT_WORK, CONVERSATION_ABANDONED, CONVERSATION_ASSIGNED, CONVERSATION_CLOSED,
    CONVERSATION_OFFERED, CONVERSATION_REQUEUED, NewEvent, OFFER_CANCELLED, QUEUE_THRESHOLD,
    WRAP_UP_STARTED,
};
use domain::queue::{Queue, QueueMember};
use domain::tenancy::WorkspaceSettings;
use domain::{Timestamp, Uuid};
use routing::{Decision, Target};
use serde_json::json;
use sqlx::AnyConnection;

use crate::agents::details;
use crate::events::record;
use crate::sql::{RowExt, for_update, q};
use crate::{AgentDetails, Lease, Result, Store, StoreError};

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
    pub settings: WorkspaceSettings,
}

/// What routing routes with: agents and queues, and the workspace's settings.
pub struct Roster {
    pub agents: Vec<AgentDetails>,
    pub queues: Vec<(Queue, Vec<QueueMember>)>,
    pub settings: WorkspaceSettings,
}

async fn roster(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    rules: Vec<crate::RuleDetails>,
) -> Result<Roster> {
    let agents = crate::agents::all_of(c, workspace_id).await?;
    let agents = details(c, workspace_id, agents, rules).await?;
    let mut queues = Vec::new();
    for queue in crate::queues::all_of(c, workspace_id).await? {
        let members = crate::queues::members_of(c, queue.id).await?;
        queues.push((queue, members));
    }
    let settings = crate::tenancy::settings_of(c, workspace_id).await?;
    Ok(Roster {
        agents,
        queues,
        settings,
    })
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
                let Roster {
                    agents,
                    queues,
                    settings,
                } = roster(c, workspace_id, rules).await?;
                let open_conversations = crate::conversations::open_of(c, workspace_id).await?;
                let offers = offers_of(c, workspace_id).await?;
                Ok(RoutingSnapshot {
                    agents,
                    queues,
                    open_conversations,
                    offers,
                    settings,
                })
            })
        })
        .await
    }
}

/// Offers without an expiry are kept until they end; this stands for "never" in the table.
const NEVER: i64 = i64::MAX / 2;

/// Routing never moves a conversation that is over: one closed outside it (by anonymization,
/// say) stays closed whatever the engine still believes, until it hears of the close.
const STILL_OPEN: &str = "status NOT IN ('closed', 'abandoned')";

impl Store {
    /// The conversations of a workspace that ended (closed or abandoned) at or after `since`.
    pub async fn ended_since(&self, workspace_id: Uuid, since: Timestamp) -> Result<Vec<Uuid>> {
        self.read(move |c| {
            Box::pin(async move {
                let rows = q(
                    "SELECT id FROM conversations WHERE workspace_id = $1 \
                     AND status IN ('closed', 'abandoned') AND status_updated_at >= $2",
                    &[workspace_id.into(), since.into()],
                )
                .fetch_all(c)
                .await?;
                rows.iter().map(|r| r.uuid("id")).collect()
            })
        })
        .await
    }

    /// A workspace's agents (with their details) and queues (with their members): what routing
    /// routes with, as opposed to what it routes.
    pub async fn routing_roster(&self, workspace_id: Uuid) -> Result<Roster> {
        let rules = self.capacity_rules(workspace_id).await?;
        self.read(move |c| Box::pin(roster(c, workspace_id, rules)))
            .await
    }

    /// Persists what the engine decided, in one transaction, as the holder of `lease`: refused
    /// (Conflict) when the lease has passed to another node, so a former holder cannot write
    /// over its successor. Every decision is also recorded as an event.
    pub async fn apply_decisions(
        &self,
        lease: Lease,
        now: Timestamp,
        decisions: Vec<Decision>,
    ) -> Result<()> {
        if decisions
            .iter()
            .all(|d| matches!(d, Decision::Rejected { .. }))
        {
            return Ok(());
        }
        self.write_in(lease.workspace_id, move |c| {
            Box::pin(async move {
                hold(c, &lease).await?;
                for decision in &decisions {
                    apply(c, lease.workspace_id, now, decision).await?;
                }
                Ok(())
            })
        })
        .await
    }
}

/// Checks, and on PostgreSQL locks, that the lease is still this node's.
async fn hold(c: &mut AnyConnection, lease: &Lease) -> Result<()> {
    let sql = format!(
        "SELECT epoch FROM routing_leases WHERE workspace_id = $1 AND node_id = $2 AND epoch = $3{}",
        for_update(c)
    );
    let held = q(
        &sql,
        &[
            lease.workspace_id.into(),
            lease.node_id.into(),
            lease.epoch.into(),
        ],
    )
    .fetch_optional(c)
    .await?;
    held.map(|_| ())
        .ok_or_else(|| StoreError::Conflict("this node no longer routes the workspace".into()))
}

async fn apply(c: &mut AnyConnection, ws: Uuid, now: Timestamp, decision: &Decision) -> Result<()> {
    let event = |kind, agent: Option<Uuid>, conversation: Option<Uuid>, data| {
        NewEvent::routing(ws, kind, agent, conversation, data, now)
    };
    match *decision {
        Decision::Offered {
            conversation,
            agent,
            expires_at,
        } => {
            let expires = expires_at.map_or(NEVER, |t| t.millis());
            let sql = format!(
                "INSERT INTO offers (workspace_id, conversation_id, agent_id, offered_at, expires_at) \
                 SELECT $1, $2, $3, $4, $5 WHERE EXISTS \
                 (SELECT 1 FROM conversations WHERE id = $2 AND {STILL_OPEN})"
            );
            let args = [
                ws.into(),
                conversation.into(),
                agent.into(),
                now.into(),
                expires.into(),
            ];
            if q(&sql, &args).execute(&mut *c).await?.rows_affected() == 0 {
                return Ok(());
            }
            set_status(c, conversation, Status::Offered, now).await?;
            let data =
                json!({"conversationId": conversation, "agentId": agent, "expiresAt": expires_at});
            record(
                c,
                &event(CONVERSATION_OFFERED, Some(agent), Some(conversation), data),
            )
            .await
        }
        Decision::OfferCancelled {
            conversation,
            agent,
            reason,
        } => {
            end_offer(c, conversation, Some(agent)).await?;
            let data = json!({"conversationId": conversation, "agentId": agent, "reason": format!("{reason:?}")});
            record(
                c,
                &event(OFFER_CANCELLED, Some(agent), Some(conversation), data),
            )
            .await
        }
        Decision::Assigned {
            conversation,
            agent,
        } => {
            end_offer(c, conversation, None).await?;
            exec(
                c,
                &format!("UPDATE conversations SET status = $2, status_updated_at = $3, assignee_id = $4, \
                 assigned_at = $3, updated_at = $3 WHERE id = $1 AND {STILL_OPEN}"),
                &[
                    conversation.into(),
                    Status::Assigned.as_str().into(),
                    now.into(),
                    agent.into(),
                ],
            )
            .await?;
            exec(
                c,
                "UPDATE agents SET last_assigned_at = $2, assigned_count = assigned_count + 1 WHERE id = $1",
                &[agent.into(), now.into()],
            )
            .await?;
            let data = json!({"conversationId": conversation, "agentId": agent});
            record(
                c,
                &event(CONVERSATION_ASSIGNED, Some(agent), Some(conversation), data),
            )
            .await
        }
        Decision::Requeued {
            conversation,
            target,
            from_agent,
        } => {
            let (queue, team, agent) = match target {
                Target::Queue(id) => (Some(id), None, None),
                Target::Team(id) => (None, Some(id), None),
                Target::Agent(id) => (None, None, Some(id)),
            };
            exec(
                c,
                &format!("UPDATE conversations SET status = $2, status_updated_at = $3, assignee_id = NULL, \
                 assigned_at = NULL, queue_id = COALESCE($4, queue_id), \
                 team_id = (SELECT id FROM teams WHERE id = $5), \
                 target_agent_id = (SELECT id FROM agents WHERE id = $6), queued_at = $3, updated_at = $3 WHERE id = $1 AND {STILL_OPEN}"),
                &[
                    conversation.into(),
                    Status::Pending.as_str().into(),
                    now.into(),
                    queue.into(),
                    team.into(),
                    agent.into(),
                ],
            )
            .await?;
            let data = json!({"conversationId": conversation, "fromAgentId": from_agent,
                "queueId": queue, "teamId": team, "agentId": agent});
            record(
                c,
                &event(CONVERSATION_REQUEUED, from_agent, Some(conversation), data),
            )
            .await
        }
        Decision::WrapUpStarted {
            conversation,
            agent,
            until,
        } => {
            exec(
                c,
                &format!("UPDATE conversations SET status = $2, status_updated_at = $3, wrap_up_until = $4, \
                 updated_at = $3 WHERE id = $1 AND {STILL_OPEN}"),
                &[
                    conversation.into(),
                    Status::WrapUp.as_str().into(),
                    now.into(),
                    until.into(),
                ],
            )
            .await?;
            let data = json!({"conversationId": conversation, "agentId": agent, "until": until});
            record(
                c,
                &event(WRAP_UP_STARTED, Some(agent), Some(conversation), data),
            )
            .await
        }
        Decision::WrapUpEnded {
            conversation,
            agent,
        } => {
            close(c, conversation, Status::Closed, now).await?;
            let data =
                json!({"conversationId": conversation, "agentId": agent, "status": "closed"});
            record(
                c,
                &event(CONVERSATION_CLOSED, Some(agent), Some(conversation), data),
            )
            .await
        }
        Decision::Closed { conversation } => {
            close(c, conversation, Status::Closed, now).await?;
            let data = json!({"conversationId": conversation, "status": "closed"});
            record(
                c,
                &event(CONVERSATION_CLOSED, None, Some(conversation), data),
            )
            .await
        }
        Decision::Abandoned {
            conversation,
            still_offered,
        } => {
            if !still_offered {
                end_offer(c, conversation, None).await?;
                close(c, conversation, Status::Abandoned, now).await?;
            }
            let data = json!({"conversationId": conversation, "stillOffered": still_offered});
            record(
                c,
                &event(CONVERSATION_ABANDONED, None, Some(conversation), data),
            )
            .await
        }
        Decision::AgentWork { agent, work, load } => {
            let work = match work {
                routing::Work::Idle => Work::Idle,
                routing::Work::Offered => Work::Offered,
                routing::Work::Engaged => Work::Engaged,
                routing::Work::WrapUp => Work::WrapUp,
            };
            exec(
                c,
                "UPDATE agents SET work = $2 WHERE id = $1",
                &[agent.into(), work.as_str().into()],
            )
            .await?;
            let data = json!({"agentId": agent, "work": work.as_str(), "load": {
                "voice": load.voice, "messaging": load.messaging, "email": load.email}});
            record(c, &event(AGENT_WORK, Some(agent), None, data)).await
        }
        Decision::ThresholdCrossed {
            queue,
            threshold,
            value,
            raised,
        } => {
            let data = json!({"queueId": queue, "threshold": format!("{threshold:?}"),
                "value": value, "raised": raised});
            record(c, &event(QUEUE_THRESHOLD, None, None, data)).await
        }
        Decision::Rejected { .. } => Ok(()),
    }
}

async fn exec(c: &mut AnyConnection, sql: &str, args: &[crate::sql::Arg]) -> Result<()> {
    q(sql, args).execute(c).await?;
    Ok(())
}

/// Ends one agent's offer of a conversation, or all of them; a conversation left with no offer
/// and no agent waits again.
async fn end_offer(c: &mut AnyConnection, conversation: Uuid, agent: Option<Uuid>) -> Result<()> {
    match agent {
        Some(agent) => {
            exec(
                c,
                "DELETE FROM offers WHERE conversation_id = $1 AND agent_id = $2",
                &[conversation.into(), agent.into()],
            )
            .await?
        }
        None => {
            exec(
                c,
                "DELETE FROM offers WHERE conversation_id = $1",
                &[conversation.into()],
            )
            .await?
        }
    }
    exec(
        c,
        "UPDATE conversations SET status = $2 WHERE id = $1 AND status = $3 \
         AND NOT EXISTS (SELECT 1 FROM offers WHERE conversation_id = $1)",
        &[
            conversation.into(),
            Status::Pending.as_str().into(),
            Status::Offered.as_str().into(),
        ],
    )
    .await
}

async fn set_status(
    c: &mut AnyConnection,
    conversation: Uuid,
    status: Status,
    now: Timestamp,
) -> Result<()> {
    exec(
        c,
        &format!(
            "UPDATE conversations SET status = $2, status_updated_at = $3, updated_at = $3 \
         WHERE id = $1 AND status <> $2 AND {STILL_OPEN}"
        ),
        &[conversation.into(), status.as_str().into(), now.into()],
    )
    .await
}

async fn close(
    c: &mut AnyConnection,
    conversation: Uuid,
    status: Status,
    now: Timestamp,
) -> Result<()> {
    exec(
        c,
        &format!(
            "UPDATE conversations SET status = $2, status_updated_at = $3, closed_at = $3, \
         wrap_up_until = NULL, updated_at = $3 WHERE id = $1 AND {STILL_OPEN}"
        ),
        &[conversation.into(), status.as_str().into(), now.into()],
    )
    .await
}
