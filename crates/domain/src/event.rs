//! Events: what changed, recorded in the same transaction as the change, in one ordered log per
//! server that the real-time streams (and later webhooks) read. An event carries ids and states,
//! never personal values, so an anonymized end user's old details cannot resurface through it.

use serde_json::{Value, json};

use crate::agent::Agent;
use crate::availability::bird;
use crate::conversation::Conversation;
use crate::{Timestamp, Uuid};

/// An event about to be recorded; the log gives it its sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub workspace_id: Uuid,
    /// The agent the event is addressed to or about: it shows on that agent's own stream.
    pub agent_id: Option<Uuid>,
    /// The conversation the event moves: it is part of that conversation's history.
    pub conversation_id: Option<Uuid>,
    /// A dotted name such as `agent.updated`.
    pub kind: &'static str,
    pub data: Value,
    pub at: Timestamp,
}

/// A recorded event. `seq` orders the log and is what a stream resumes after.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub seq: i64,
    pub workspace_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub conversation_id: Option<Uuid>,
    pub kind: String,
    pub data: Value,
    pub at: Timestamp,
}

pub const AGENT_CREATED: &str = "agent.created";
pub const AGENT_UPDATED: &str = "agent.updated";
pub const AGENT_DELETED: &str = "agent.deleted";
pub const CONVERSATION_CREATED: &str = "conversation.created";
pub const CONVERSATION_CLOSED: &str = "conversation.closed";
pub const CONVERSATION_OFFERED: &str = "conversation.offered";
pub const OFFER_CANCELLED: &str = "conversation.offer_cancelled";
pub const CONVERSATION_ASSIGNED: &str = "conversation.assigned";
pub const CONVERSATION_REQUEUED: &str = "conversation.requeued";
pub const WRAP_UP_STARTED: &str = "conversation.wrap_up_started";
pub const CONVERSATION_ABANDONED: &str = "conversation.abandoned";
pub const DO_NOT_OFFER: &str = "conversation.do_not_offer";
pub const AGENT_WORK: &str = "agent.work";
pub const QUEUE_THRESHOLD: &str = "queue.threshold";

impl NewEvent {
    /// An event of routing: what it says is in `data`.
    pub fn routing(
        workspace_id: Uuid,
        kind: &'static str,
        agent_id: Option<Uuid>,
        conversation_id: Option<Uuid>,
        data: Value,
        at: Timestamp,
    ) -> Self {
        Self {
            workspace_id,
            agent_id,
            conversation_id,
            kind,
            data,
            at,
        }
    }

    /// An agent changed (or was created): its state as every surface maps it.
    pub fn agent(kind: &'static str, agent: &Agent, at: Timestamp) -> Self {
        let availability = agent.availability.at(at);
        Self {
            workspace_id: agent.workspace_id,
            agent_id: Some(agent.id),
            conversation_id: None,
            kind,
            data: json!({
                "agentId": agent.id,
                "account": agent.account.as_str(),
                "status": bird::status(availability.presence),
                "activity": availability.activity,
                "work": agent.work.as_str(),
            }),
            at,
        }
    }

    pub fn agent_deleted(workspace_id: Uuid, agent_id: Uuid, at: Timestamp) -> Self {
        Self {
            workspace_id,
            agent_id: Some(agent_id),
            conversation_id: None,
            kind: AGENT_DELETED,
            data: json!({ "agentId": agent_id }),
            at,
        }
    }

    /// A conversation changed: its ids and status, never its subject or other personal values.
    /// It shows on the stream of the agent it is assigned to.
    pub fn conversation(kind: &'static str, conversation: &Conversation, at: Timestamp) -> Self {
        Self {
            workspace_id: conversation.workspace_id,
            agent_id: conversation.assignee_id,
            conversation_id: Some(conversation.id),
            kind,
            data: json!({
                "conversationId": conversation.id,
                "number": conversation.number,
                "status": conversation.status.as_str(),
                "channel": conversation.channel.media().as_str(),
                "queueId": conversation.queue_id,
                "assigneeId": conversation.assignee_id,
                "endUserId": conversation.end_user_id,
            }),
            at,
        }
    }
}
