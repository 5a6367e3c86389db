//! Queues: `/workspaces/{workspaceId}/queues` and their members, with Dixa's field names
//! (`offerAlgorithm` in and out).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::queue::{OfferAlgorithm, Queue, QueueChanges, QueueMember};
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Listed, Paging};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::{Json, Query, nullable, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_queues, create_queue))
        .routes(routes!(get_queue, update_queue, delete_queue))
        .routes(routes!(list_members))
        .routes(routes!(put_member, remove_member))
}

const QUEUE: &str = "Queue";
const AGENT: &str = "Agent";

type Settings = BTreeMap<String, i64>;

/// A queue as clients send it: every field optional (`name` is required on create); `null`
/// clears an optional setting (a map becomes empty).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueIn {
    /// 1..100 characters.
    name: Option<String>,
    /// At most one queue of a workspace is the default: making this one the default clears the
    /// flag on the others.
    is_default: Option<bool>,
    /// 0..100, default 1.
    priority: Option<i64>,
    /// `AllAtOnce` (default), `OneAtATimeRandom`, `LongestIdle`, `AgentPriorityAllAtOnce`,
    /// `AgentPriorityOneAtATimeRandom`, `AgentPriorityLongestIdle`, `RoundRobin` or `LeastBusy`.
    offer_algorithm: Option<String>,
    /// Seconds, 0..604800.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    offer_timeout: Option<Option<i64>>,
    /// Seconds, 0..604800.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    wrapup_timeout: Option<Option<i64>>,
    /// Keyed by `SlaTimeLimit`, `AvailableAgents`, `LongestWait`, `SlaPercentage` (0..100) or
    /// `WaitingConversations`; values ≥ 0.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<BTreeMap<String, i64>>)]
    queue_thresholds: Option<Option<Settings>>,
    call_functionality: Option<bool>,
    /// Seconds per channel (`WhatsApp`, `Voicemail`, `WidgetChat`, `FacebookMessenger`,
    /// `Twitter`, `Email`, `ContactForm`, `Callback`, `PstnPhone`, `Sms`, `Messenger`).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<BTreeMap<String, i64>>)]
    do_not_offer_timeouts: Option<Option<Settings>>,
    is_do_not_offer_enabled: Option<bool>,
    /// Seconds per channel, as `doNotOfferTimeouts`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<BTreeMap<String, i64>>)]
    preferred_agent_timeouts: Option<Option<Settings>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    is_preferred_agent_enabled: Option<Option<bool>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    offer_abandoned_conversations: Option<Option<bool>>,
    /// Seconds, 0..604800.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    personal_agent_offline_timeout: Option<Option<i64>>,
    /// Seconds, 0..604800.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    preferred_agent_offline_timeout: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    is_restricted: Option<Option<bool>>,
}

impl QueueIn {
    fn changes(self) -> Result<QueueChanges, ApiError> {
        let map = |m: Option<Option<Settings>>| m.map(Option::unwrap_or_default);
        Ok(QueueChanges {
            name: self.name,
            is_default: self.is_default,
            priority: self.priority,
            offer_algorithm: self
                .offer_algorithm
                .as_deref()
                .map(OfferAlgorithm::parse)
                .transpose()?,
            offer_timeout: self.offer_timeout,
            wrapup_timeout: self.wrapup_timeout,
            queue_thresholds: map(self.queue_thresholds),
            call_functionality: self.call_functionality,
            do_not_offer_timeouts: map(self.do_not_offer_timeouts),
            is_do_not_offer_enabled: self.is_do_not_offer_enabled,
            preferred_agent_timeouts: map(self.preferred_agent_timeouts),
            is_preferred_agent_enabled: self.is_preferred_agent_enabled,
            offer_abandoned_conversations: self.offer_abandoned_conversations,
            personal_agent_offline_timeout: self.personal_agent_offline_timeout,
            preferred_agent_offline_timeout: self.preferred_agent_offline_timeout,
            is_restricted: self.is_restricted,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueOut {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    is_default: bool,
    priority: i64,
    offer_algorithm: &'static str,
    offer_timeout: Option<i64>,
    wrapup_timeout: Option<i64>,
    queue_thresholds: Settings,
    call_functionality: bool,
    do_not_offer_timeouts: Settings,
    is_do_not_offer_enabled: bool,
    preferred_agent_timeouts: Settings,
    is_preferred_agent_enabled: Option<bool>,
    offer_abandoned_conversations: Option<bool>,
    personal_agent_offline_timeout: Option<i64>,
    preferred_agent_offline_timeout: Option<i64>,
    is_restricted: Option<bool>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<Queue> for QueueOut {
    fn from(q: Queue) -> Self {
        let s = q.settings;
        Self {
            id: q.id,
            workspace_id: q.workspace_id,
            name: q.name,
            is_default: q.is_default,
            priority: q.priority,
            offer_algorithm: q.offer_algorithm.as_str(),
            offer_timeout: s.offer_timeout,
            wrapup_timeout: s.wrapup_timeout,
            queue_thresholds: s.queue_thresholds,
            call_functionality: s.call_functionality,
            do_not_offer_timeouts: s.do_not_offer_timeouts,
            is_do_not_offer_enabled: s.is_do_not_offer_enabled,
            preferred_agent_timeouts: s.preferred_agent_timeouts,
            is_preferred_agent_enabled: s.is_preferred_agent_enabled,
            offer_abandoned_conversations: s.offer_abandoned_conversations,
            personal_agent_offline_timeout: s.personal_agent_offline_timeout,
            preferred_agent_offline_timeout: s.preferred_agent_offline_timeout,
            is_restricted: s.is_restricted,
            created_at: q.created_at,
            updated_at: q.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberOut {
    agent_id: Uuid,
    /// The member's tier for the `AgentPriority*` algorithms (0..100, lower first).
    priority: Option<i64>,
    member_since: Timestamp,
}

impl From<QueueMember> for MemberOut {
    fn from(m: QueueMember) -> Self {
        Self {
            agent_id: m.agent_id,
            priority: m.priority,
            member_since: m.member_since,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberIn {
    /// 0..100, lower first; absent keeps the member's tier, `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    priority: Option<Option<i64>>,
}

/// List queues.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/queues", tag = "queues", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), Paging),
    responses((status = 200, body = Listed<QueueOut>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_queues(
    caller: Caller,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
) -> ApiResult<axum::Json<Listed<QueueOut>>> {
    let page = state
        .store
        .list_queues(
            caller.workspace_id(),
            paging.reverse.unwrap_or(false),
            paging.cursor("createdAt")?,
            paging.limit()?,
        )
        .await?;
    Ok(axum::Json(Listed::from_page(page, QueueOut::from)))
}

/// Create a queue.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/queues", tag = "queues", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path)), request_body = QueueIn,
    responses((status = 201, body = QueueOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_queue(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<QueueIn>,
) -> ApiResult<(StatusCode, axum::Json<QueueOut>)> {
    caller.require_admin()?;
    let queue = Queue::build(caller.workspace_id(), body.changes()?, state.now())?;
    let queue = state.store.create_queue(queue).await?;
    Ok((StatusCode::CREATED, axum::Json(queue.into())))
}

/// Get a queue.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/queues/{queueId}", tag = "queues", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("queueId" = String, Path)),
    responses((status = 200, body = QueueOut), (status = 404, body = ErrorBody)))]
async fn get_queue(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<QueueOut>> {
    let id = path_id(&ids.1, QUEUE)?;
    let queue = state
        .store
        .get_queue(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(QUEUE))?;
    Ok(axum::Json(queue.into()))
}

/// Update a queue: any field; `null` clears an optional one.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/queues/{queueId}", tag = "queues", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("queueId" = String, Path)), request_body = QueueIn,
    responses((status = 200, body = QueueOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_queue(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<QueueIn>,
) -> ApiResult<axum::Json<QueueOut>> {
    let id = path_id(&ids.1, QUEUE)?;
    caller.require_admin()?;
    let queue = state
        .store
        .update_queue(caller.workspace_id(), id, body.changes()?, state.now())
        .await
        .map_err(or_not_found(QUEUE))?;
    Ok(axum::Json(queue.into()))
}

/// Delete a queue; its members stay agents, its conversations are left without a queue.
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/queues/{queueId}", tag = "queues", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("queueId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_queue(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = path_id(&ids.1, QUEUE)?;
    caller.require_admin()?;
    state
        .store
        .delete_queue(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(QUEUE))?;
    Ok(StatusCode::NO_CONTENT)
}

/// List a queue's members, all of them, longest-standing first.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/queues/{queueId}/members", tag = "queues",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("queueId" = String, Path)),
    responses((status = 200, body = Listed<MemberOut>), (status = 404, body = ErrorBody)))]
async fn list_members(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<Listed<MemberOut>>> {
    let id = path_id(&ids.1, QUEUE)?;
    let members = state
        .store
        .queue_members(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(QUEUE))?;
    Ok(axum::Json(Listed {
        total: members.len() as i64,
        results: members.into_iter().map(MemberOut::from).collect(),
        next_page_token: None,
    }))
}

/// Make an agent a member of a queue, or change its priority tier.
#[utoipa::path(put, path = "/workspaces/{workspaceId}/queues/{queueId}/members/{agentId}", tag = "queues",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("queueId" = String, Path), ("agentId" = String, Path)),
    request_body = MemberIn,
    responses((status = 200, body = MemberOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_member(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String, String)>,
    Json(body): Json<MemberIn>,
) -> ApiResult<axum::Json<MemberOut>> {
    let queue_id = path_id(&ids.1, QUEUE)?;
    let agent_id = path_id(&ids.2, AGENT)?;
    caller.require_admin()?;
    let member = state
        .store
        .set_queue_member(
            caller.workspace_id(),
            queue_id,
            agent_id,
            body.priority,
            state.now(),
        )
        .await
        .map_err(or_not_found(QUEUE))?
        .ok_or_else(|| ApiError::not_found(AGENT))?;
    state.router.roster_changed(caller.workspace_id()).await;
    Ok(axum::Json(member.into()))
}

/// Remove an agent from a queue.
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/queues/{queueId}/members/{agentId}", tag = "queues",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("queueId" = String, Path), ("agentId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_member(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let queue_id = path_id(&ids.1, QUEUE)?;
    let agent_id = path_id(&ids.2, "Member")?;
    caller.require_admin()?;
    let removed = state
        .store
        .remove_queue_member(caller.workspace_id(), queue_id, agent_id)
        .await
        .map_err(or_not_found(QUEUE))?;
    state.router.roster_changed(caller.workspace_id()).await;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!(
            "agent {agent_id} is not a member of this queue"
        )))
    }
}
