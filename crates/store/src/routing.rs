//! What routing needs to know of a workspace, read in one go: when a node takes over routing a
//! workspace (at start, or from a node that went away) it rebuilds its engine from this, so
//! offers still out are honoured or expire on time and no conversation gets two agents.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use domain::availability::Work;
use domain::conversation::{Conversation, Status};
use domain::custom_attribute::ValuesPatch;
use domain::event::{
    AGENT_WORK, CONVERSATION_ABANDONED, CONVERSATION_ASSIGNED, CONVERSATION_CLOSED,
    CONVERSATION_OFFERED, CONVERSATION_REQUEUED, DO_NOT_OFFER, NewEvent, OFFER_CANCELLED,
    QUEUE_THRESHOLD, WRAP_UP_STARTED,
};
use domain::queue::{Queue, QueueMember};
use domain::tenancy::WorkspaceSettings;
use domain::{Timestamp, Uuid};
use routing::{Decision, Target};
use serde_json::json;
use sqlx::AnyConnection;

use crate::agents::details_but_workload;
use crate::coherence::Change;
use crate::conversations::{check_all, insert_all, read_back};
use crate::events::record_all;
use crate::sql::{ROWS_PER_STATEMENT, RowExt, Sql, for_update, q};
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
    /// Every agent with its teams, skills and capacity; not its workload, which routing counts
    /// from the open conversations.
    pub agents: Vec<AgentDetails>,
    /// Every queue with its members.
    pub queues: Vec<(Queue, Vec<QueueMember>)>,
    /// Every conversation not yet closed or abandoned, oldest first.
    pub open_conversations: Vec<Conversation>,
    /// Every offer still out.
    pub offers: Vec<Offer>,
    /// The do-not-offer windows of open conversations (some may have ended by now).
    pub do_not_offer: Vec<Window>,
    pub settings: WorkspaceSettings,
}

/// What routing routes with: agents and queues, and the workspace's settings.
pub struct Roster {
    /// Every agent with its teams, skills and capacity, not its workload.
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
    let agents = details_but_workload(c, workspace_id, agents, rules).await?;
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

/// A do-not-offer window: `agent_id` is not offered `conversation_id` until `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub conversation_id: Uuid,
    pub agent_id: Uuid,
    pub until: Timestamp,
}

async fn windows_of(c: &mut AnyConnection, workspace_id: Uuid) -> Result<Vec<Window>> {
    let sql = format!(
        "SELECT w.conversation_id, w.agent_id, w.until FROM do_not_offer w \
         JOIN conversations ON conversations.id = w.conversation_id \
         WHERE w.workspace_id = $1 AND conversations.{STILL_OPEN} \
         ORDER BY w.until, w.conversation_id, w.agent_id"
    );
    let rows = q(&sql, &[workspace_id.into()]).fetch_all(c).await?;
    rows.iter()
        .map(|row| {
            Ok(Window {
                conversation_id: row.uuid("conversation_id")?,
                agent_id: row.uuid("agent_id")?,
                until: row.time("until")?,
            })
        })
        .collect()
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
                let do_not_offer = windows_of(c, workspace_id).await?;
                Ok(RoutingSnapshot {
                    agents,
                    queues,
                    open_conversations,
                    offers,
                    do_not_offer,
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
        self.create_and_route(lease, now, Vec::new(), move |_| (decisions, ()))
            .await
            .map(|_| ())
    }

    /// Stores new conversations and what routing decides, in one transaction as the holder of
    /// `lease` (see [`Store::apply_decisions`]): each conversation is checked (one refused is
    /// answered as such and leaves the others be), then `decide` is told which will be created
    /// and returns the decisions to store with anything else it wants back; the conversations
    /// go in after, so that those offered at once are stored offered. Answers the created
    /// conversations as they stand after the decisions.
    pub async fn create_and_route<T: Send + 'static>(
        &self,
        lease: Lease,
        now: Timestamp,
        creates: Vec<(Conversation, ValuesPatch)>,
        decide: impl FnOnce(&[Result<Conversation>]) -> (Vec<Decision>, T) + Send + 'static,
    ) -> Result<(Vec<Result<Conversation>>, T)> {
        let ws = lease.workspace_id;
        self.write_changing(&[Change::Routed(ws)], move |c| {
            Box::pin(async move {
                hold(c, &lease).await?;
                let checked = check_all(c, ws, creates).await?;
                let (decisions, back) = decide(&checked);
                let changed: HashSet<Uuid> = decisions.iter().filter_map(changes_row_of).collect();
                let first_offered = offered_at_once(&checked, &decisions, &changed);
                let mut batch = Batch::new(ws, now);
                let created: Vec<Result<Conversation>> =
                    insert_all(c, checked, &first_offered, now)
                        .await?
                        .into_iter()
                        .map(|inserted| {
                            inserted.map(|(conversation, event)| {
                                batch.events.push(event);
                                conversation
                            })
                        })
                        .collect();
                batch.stored_offered = first_offered;
                for decision in &decisions {
                    batch.add(c, decision).await?;
                }
                batch.finish(c).await?;
                let answers = as_they_stand(c, ws, created, &changed).await?;
                Ok((answers, back))
            })
        })
        .await
    }
}

/// The new conversations routing offers in the same write and does nothing else with (none
/// is among those `changed` further): they can be stored offered from the start.
fn offered_at_once(
    created: &[Result<Conversation>],
    decisions: &[Decision],
    changed: &HashSet<Uuid>,
) -> HashSet<Uuid> {
    let new: HashSet<Uuid> = created.iter().flatten().map(|c| c.id).collect();
    decisions
        .iter()
        .filter_map(|decision| match *decision {
            Decision::Offered { conversation, .. } => Some(conversation),
            _ => None,
        })
        .filter(|id| new.contains(id) && !changed.contains(id))
        .collect()
}

/// The conversation whose row a decision changes, beyond marking it offered.
fn changes_row_of(decision: &Decision) -> Option<Uuid> {
    match *decision {
        Decision::OfferCancelled { conversation, .. }
        | Decision::Assigned { conversation, .. }
        | Decision::Requeued { conversation, .. }
        | Decision::WrapUpStarted { conversation, .. }
        | Decision::WrapUpEnded { conversation, .. }
        | Decision::Closed { conversation }
        | Decision::Abandoned { conversation, .. } => Some(conversation),
        Decision::Offered { .. }
        | Decision::DoNotOffer { .. }
        | Decision::AgentWork { .. }
        | Decision::ThresholdCrossed { .. }
        | Decision::Rejected { .. } => None,
    }
}

/// The new conversations as they stand after the decisions. Most are just as inserted; only
/// those some decision `changed` further, or with tags (for their stored order), are read back.
async fn as_they_stand(
    c: &mut AnyConnection,
    ws: Uuid,
    created: Vec<Result<Conversation>>,
    changed: &HashSet<Uuid>,
) -> Result<Vec<Result<Conversation>>> {
    let stale = |c: &Conversation| changed.contains(&c.id) || !c.tag_ids.is_empty();
    let to_read: Vec<&Conversation> = created.iter().flatten().filter(|c| stale(c)).collect();
    let mut now_stored: HashMap<Uuid, Conversation> = read_back(c, ws, &to_read)
        .await?
        .into_iter()
        .map(|conversation| (conversation.id, conversation))
        .collect();
    Ok(created
        .into_iter()
        .map(|created| {
            created.and_then(|c| match stale(&c) {
                true => now_stored.remove(&c.id).ok_or(StoreError::NotFound),
                false => Ok(c),
            })
        })
        .collect())
}

/// The writes of a batch of decisions, gathered so that the common ones write together: under
/// load a batch holds hundreds of offers, and each statement costs a round trip to the
/// database (on SQLite, a hop to its thread) whatever it carries.
///
/// Order is kept where it matters: a run of offers is written before any other decision that
/// could touch the same conversations; work states only keep each agent's last one; events are
/// written last, in the order of their decisions.
struct Batch {
    ws: Uuid,
    now: Timestamp,
    /// Offers decided since the last other decision, with the index of their event.
    offers: Vec<(NewOffer, usize)>,
    /// Each agent's last work state.
    work: BTreeMap<Uuid, Work>,
    /// Do-not-offer windows opened, by conversation and agent.
    windows: BTreeMap<(Uuid, Uuid), Timestamp>,
    events: Vec<NewEvent>,
    /// Events of offers that were not made (their conversation had ended outside routing).
    unmade: HashSet<usize>,
    /// Conversations stored offered already, which need not be marked so.
    stored_offered: HashSet<Uuid>,
}

#[derive(Clone, Copy)]
struct NewOffer {
    conversation: Uuid,
    agent: Uuid,
    expires: i64,
}

impl Batch {
    fn new(ws: Uuid, now: Timestamp) -> Self {
        Self {
            ws,
            now,
            offers: Vec::new(),
            work: BTreeMap::new(),
            windows: BTreeMap::new(),
            events: Vec::new(),
            unmade: HashSet::new(),
            stored_offered: HashSet::new(),
        }
    }

    fn event(
        &self,
        kind: &'static str,
        agent: Option<Uuid>,
        conversation: Option<Uuid>,
        data: serde_json::Value,
    ) -> NewEvent {
        NewEvent::routing(self.ws, kind, agent, conversation, data, self.now)
    }

    async fn add(&mut self, c: &mut AnyConnection, decision: &Decision) -> Result<()> {
        match *decision {
            Decision::Offered {
                conversation,
                agent,
                expires_at,
            } => {
                let data = json!({"conversationId": conversation, "agentId": agent, "expiresAt": expires_at});
                let event = self.event(CONVERSATION_OFFERED, Some(agent), Some(conversation), data);
                self.events.push(event);
                let expires = expires_at.map_or(NEVER, |t| t.millis());
                let offer = NewOffer {
                    conversation,
                    agent,
                    expires,
                };
                self.offers.push((offer, self.events.len() - 1));
            }
            Decision::AgentWork { agent, work, load } => {
                let work = match work {
                    routing::Work::Idle => Work::Idle,
                    routing::Work::Offered => Work::Offered,
                    routing::Work::Engaged => Work::Engaged,
                    routing::Work::WrapUp => Work::WrapUp,
                };
                self.work.insert(agent, work);
                let data = json!({"agentId": agent, "work": work.as_str(), "load": {
                    "voice": load.voice, "messaging": load.messaging, "email": load.email}});
                self.events
                    .push(self.event(AGENT_WORK, Some(agent), None, data));
            }
            Decision::ThresholdCrossed {
                queue,
                threshold,
                value,
                raised,
            } => {
                let data = json!({"queueId": queue, "threshold": format!("{threshold:?}"),
                    "value": value, "raised": raised});
                self.events
                    .push(self.event(QUEUE_THRESHOLD, None, None, data));
            }
            Decision::DoNotOffer {
                conversation,
                agent,
                until,
            } => {
                self.windows.insert((conversation, agent), until);
                let data =
                    json!({"conversationId": conversation, "agentId": agent, "until": until});
                let event = self.event(DO_NOT_OFFER, Some(agent), Some(conversation), data);
                self.events.push(event);
            }

            Decision::Rejected { .. } => {}
            _ => {
                self.write_offers(c).await?;
                let event = apply(c, self.ws, self.now, decision).await?;
                self.events.extend(event);
            }
        }
        Ok(())
    }

    async fn finish(mut self, c: &mut AnyConnection) -> Result<()> {
        self.write_offers(c).await?;
        write_work(c, &self.work).await?;
        write_windows(c, self.ws, self.now, &self.windows).await?;
        let unmade = std::mem::take(&mut self.unmade);
        let events: Vec<NewEvent> = self
            .events
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !unmade.contains(i))
            .map(|(_, event)| event)
            .collect();
        record_all(c, &events).await
    }

    /// Makes the offers of the current run, those whose conversation is still open, and marks
    /// their conversations offered.
    async fn write_offers(&mut self, c: &mut AnyConnection) -> Result<()> {
        let run = std::mem::take(&mut self.offers);
        for chunk in run.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new(
                "INSERT INTO offers (workspace_id, conversation_id, agent_id, offered_at, expires_at) SELECT ",
            );
            sql.bind(self.ws)
                .push(", v.column1, v.column2, ")
                .bind(self.now)
                .push(", v.column3 FROM ")
                .bind_rows(
                    chunk.iter().map(|(o, _)| {
                        vec![o.conversation.into(), o.agent.into(), o.expires.into()]
                    }),
                )?
                .push(&format!(
                    " AS v WHERE {} RETURNING conversation_id, agent_id",
                    looked_up("conversations", "v.column1", STILL_OPEN)
                ));
            let made = sql
                .fetch_all(c)
                .await?
                .iter()
                .map(|row| Ok((row.uuid("conversation_id")?, row.uuid("agent_id")?)))
                .collect::<Result<HashSet<(Uuid, Uuid)>>>()?;
            for (offer, event) in chunk {
                if !made.contains(&(offer.conversation, offer.agent)) {
                    self.unmade.insert(*event);
                }
            }
            let offered: BTreeSet<Uuid> = made
                .iter()
                .map(|(conversation, _)| *conversation)
                .filter(|conversation| !self.stored_offered.contains(conversation))
                .collect();
            mark_offered(c, &offered, self.now).await?;
        }
        Ok(())
    }
}

/// Whether `table` has the row whose id is `id` and that meets `condition`, for a row of
/// [`Sql::bind_rows`]: one lookup by id per row. Not an `EXISTS`, which PostgreSQL turns into a
/// join and, not knowing how few rows the document holds, may run by reading the whole table.
fn looked_up(table: &str, id: &str, condition: &str) -> String {
    format!("(SELECT 1 FROM {table} WHERE id = {id} AND {condition}) IS NOT NULL")
}

/// Marks conversations offered (those not already so, and still open).
async fn mark_offered(
    c: &mut AnyConnection,
    conversations: &BTreeSet<Uuid>,
    now: Timestamp,
) -> Result<()> {
    if conversations.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = conversations.iter().copied().collect();
    let mut sql = Sql::new("UPDATE conversations SET status = ");
    sql.bind(Status::Offered.as_str())
        .push(", status_updated_at = ")
        .bind(now)
        .push(", updated_at = ")
        .bind(now)
        .push(" WHERE id IN ")
        .bind_list(&ids)
        .push(" AND status <> ")
        .bind(Status::Offered.as_str())
        .push(&format!(" AND {STILL_OPEN}"));
    sql.execute(c).await?;
    Ok(())
}

/// Stores do-not-offer windows (replacing an agent's earlier one on the same conversation), many
/// to a statement, and removes those of the workspace that have ended. An agent deleted
/// meanwhile keeps none.
async fn write_windows(
    c: &mut AnyConnection,
    ws: Uuid,
    now: Timestamp,
    windows: &BTreeMap<(Uuid, Uuid), Timestamp>,
) -> Result<()> {
    if windows.is_empty() {
        return Ok(());
    }
    exec(
        c,
        "DELETE FROM do_not_offer WHERE workspace_id = $1 AND until <= $2",
        &[ws.into(), now.into()],
    )
    .await?;
    let all: Vec<_> = windows.iter().collect();
    for chunk in all.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(
            "INSERT INTO do_not_offer (workspace_id, conversation_id, agent_id, until) SELECT ",
        );
        sql.bind(ws)
            .push(", v.column1, v.column2, v.column3 FROM ")
            .bind_rows(chunk.iter().map(|((conversation, agent), until)| {
                vec![(*conversation).into(), (*agent).into(), (**until).into()]
            }))?
            .push(&format!(
                " AS v WHERE {} \
                 ON CONFLICT (conversation_id, agent_id) DO UPDATE SET until = excluded.until",
                looked_up("agents", "v.column2", "true")
            ));
        sql.execute(c).await?;
    }
    Ok(())
}

/// Stores each agent's work state, many agents to a statement.
async fn write_work(c: &mut AnyConnection, work: &BTreeMap<Uuid, Work>) -> Result<()> {
    let all: Vec<(Uuid, Work)> = work.iter().map(|(agent, work)| (*agent, *work)).collect();
    // Not rows of a JSON document (`Sql::bind_rows`): joined to them, the agents were read
    // whole by PostgreSQL, which assumes such a document holds a hundred rows.
    for chunk in all.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new("UPDATE agents SET work = CASE id");
        for (agent, work) in chunk {
            sql.push(" WHEN ")
                .bind(*agent)
                .push(" THEN ")
                .bind(work.as_str());
        }
        let ids: Vec<Uuid> = chunk.iter().map(|(agent, _)| *agent).collect();
        sql.push(" END WHERE id IN ").bind_list(&ids);
        sql.execute(c).await?;
    }
    Ok(())
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

/// Writes one decision of those [`Batch`] does not gather, and returns its event.
async fn apply(
    c: &mut AnyConnection,
    ws: Uuid,
    now: Timestamp,
    decision: &Decision,
) -> Result<Option<NewEvent>> {
    let event = |kind, agent: Option<Uuid>, conversation: Option<Uuid>, data| {
        NewEvent::routing(ws, kind, agent, conversation, data, now)
    };
    match *decision {
        Decision::OfferCancelled {
            conversation,
            agent,
            reason,
        } => {
            end_offer(c, conversation, Some(agent)).await?;
            let data = json!({"conversationId": conversation, "agentId": agent, "reason": format!("{reason:?}")});
            Ok(Some(event(OFFER_CANCELLED, Some(agent), Some(conversation), data)))
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
            Ok(Some(event(CONVERSATION_ASSIGNED, Some(agent), Some(conversation), data)))
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
            Ok(Some(event(CONVERSATION_REQUEUED, from_agent, Some(conversation), data)))
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
            Ok(Some(event(WRAP_UP_STARTED, Some(agent), Some(conversation), data)))
        }
        Decision::WrapUpEnded {
            conversation,
            agent,
        } => {
            close(c, conversation, Status::Closed, now).await?;
            let data =
                json!({"conversationId": conversation, "agentId": agent, "status": "closed"});
            Ok(Some(event(CONVERSATION_CLOSED, Some(agent), Some(conversation), data)))
        }
        Decision::Closed { conversation } => {
            close(c, conversation, Status::Closed, now).await?;
            let data = json!({"conversationId": conversation, "status": "closed"});
            Ok(Some(event(CONVERSATION_CLOSED, None, Some(conversation), data)))
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
            Ok(Some(event(CONVERSATION_ABANDONED, None, Some(conversation), data)))
        }
        Decision::Offered { .. }
        | Decision::AgentWork { .. }
        | Decision::DoNotOffer { .. }
        | Decision::ThresholdCrossed { .. }
        // Gathered and written together by `Batch`.
        | Decision::Rejected { .. } => Ok(None),
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
