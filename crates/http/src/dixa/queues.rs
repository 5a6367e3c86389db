//! Dixa's queues: `/v1/queues` and their members. Requests name the algorithm `offerAlgorithm`,
//! answers `offeringAlgorithm`; `callFunctionality` is written, never echoed.

use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::Uuid;
use domain::queue::{OfferAlgorithm, Queue, QueueChanges, QueueMember};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{MemberOutcome, Removal};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{BulkError, BulkOutcome, Data, DixaError, data};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, or_not_found};
use crate::extract::{Json, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_queues, create_queue))
        .routes(routes!(get_queue))
        .routes(routes!(list_members, assign_members, remove_members))
}

const QUEUE: &str = "Queue";
/// Dixa removes at most this many members per request.
pub const REMOVE_MAX: usize = 10;
/// Our bound on one assignment request, so that one transaction stays small.
pub const ASSIGN_MAX: usize = 1000;

type Settings = BTreeMap<String, i64>;

/// Dixa's `CreateOrUpdateQueueRequest`: the queue's properties.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueRequest {
    name: String,
    call_functionality: bool,
    is_default: bool,
    is_do_not_offer_enabled: bool,
    /// 0..100, default 1.
    priority: Option<i64>,
    /// Seconds.
    offer_timeout: Option<i64>,
    /// Seconds.
    wrapup_timeout: Option<i64>,
    /// `AgentPriorityOneAtATimeRandom`, `AllAtOnce` (default), `AgentPriorityLongestIdle`,
    /// `AgentPriorityAllAtOnce`, `LongestIdle`, `OneAtATimeRandom` (also `RoundRobin`, `LeastBusy`).
    offer_algorithm: Option<String>,
    /// Keyed by `SlaTimeLimit`, `AvailableAgents`, `LongestWait`, `SlaPercentage`,
    /// `WaitingConversations`.
    queue_thresholds: Option<Settings>,
    /// Seconds per channel.
    do_not_offer_timeouts: Option<Settings>,
    /// Seconds per channel.
    preferred_agent_timeouts: Option<Settings>,
    is_preferred_agent_enabled: Option<bool>,
    offer_abandoned_conversations: Option<bool>,
    personal_agent_offline_timeout: Option<i64>,
    preferred_agent_offline_timeout: Option<i64>,
    is_restricted: Option<bool>,
}

/// Dixa's `CreateQueueInput`: the properties nested in `request` (a flat body is accepted too).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Describes the body in OpenAPI; the handler reads either form itself.
pub struct CreateQueueInput {
    request: QueueRequest,
}

impl QueueRequest {
    /// Reads the body as Dixa clients send it (`{"request": {…}}`) or flat.
    fn from_body(body: Value) -> Result<Self, ApiError> {
        let body = match body {
            Value::Object(mut fields) => match fields.remove("request") {
                Some(nested) => nested,
                None => Value::Object(fields),
            },
            other => other,
        };
        serde_json::from_value(body)
            .map_err(|e| ApiError::Invalid(format!("Invalid value for: body ({e})")))
    }

    fn changes(self) -> Result<QueueChanges, ApiError> {
        Ok(QueueChanges {
            name: Some(self.name),
            is_default: Some(self.is_default),
            priority: self.priority,
            offer_algorithm: self
                .offer_algorithm
                .as_deref()
                .map(OfferAlgorithm::parse)
                .transpose()?,
            offer_timeout: self.offer_timeout.map(Some),
            wrapup_timeout: self.wrapup_timeout.map(Some),
            queue_thresholds: self.queue_thresholds,
            call_functionality: Some(self.call_functionality),
            do_not_offer_timeouts: self.do_not_offer_timeouts,
            is_do_not_offer_enabled: Some(self.is_do_not_offer_enabled),
            preferred_agent_timeouts: self.preferred_agent_timeouts,
            is_preferred_agent_enabled: self.is_preferred_agent_enabled.map(Some),
            offer_abandoned_conversations: self.offer_abandoned_conversations.map(Some),
            personal_agent_offline_timeout: self.personal_agent_offline_timeout.map(Some),
            preferred_agent_offline_timeout: self.preferred_agent_offline_timeout.map(Some),
            is_restricted: self.is_restricted.map(Some),
        })
    }
}

/// Dixa's Queue. Unset optional properties are left out.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DixaQueue {
    id: Uuid,
    name: String,
    is_default: bool,
    /// The workspace.
    organization_id: Uuid,
    queue_thresholds: Settings,
    #[schema(example = "AbandonedIgnored")]
    sla_calculation_method: &'static str,
    do_not_offer_timeouts: Settings,
    is_do_not_offer_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    offer_timeout: Option<i64>,
    offering_algorithm: &'static str,
    #[schema(example = "Default")]
    member_list_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    wrapup_timeout: Option<i64>,
    priority: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    offer_abandoned_conversations: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_preferred_agent_enabled: Option<bool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    preferred_agent_timeouts: Settings,
    #[serde(skip_serializing_if = "Option::is_none")]
    preferred_agent_offline_timeout: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    personal_agent_offline_timeout: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_restricted: Option<bool>,
}

impl From<Queue> for DixaQueue {
    fn from(q: Queue) -> Self {
        let s = q.settings;
        Self {
            id: q.id,
            name: q.name,
            is_default: q.is_default,
            organization_id: q.workspace_id,
            queue_thresholds: s.queue_thresholds,
            sla_calculation_method: "AbandonedIgnored",
            do_not_offer_timeouts: s.do_not_offer_timeouts,
            is_do_not_offer_enabled: s.is_do_not_offer_enabled,
            offer_timeout: s.offer_timeout,
            offering_algorithm: q.offer_algorithm.as_str(),
            member_list_type: "Default",
            wrapup_timeout: s.wrapup_timeout,
            priority: q.priority,
            offer_abandoned_conversations: s.offer_abandoned_conversations,
            is_preferred_agent_enabled: s.is_preferred_agent_enabled,
            preferred_agent_timeouts: s.preferred_agent_timeouts,
            preferred_agent_offline_timeout: s.preferred_agent_offline_timeout,
            personal_agent_offline_timeout: s.personal_agent_offline_timeout,
            is_restricted: s.is_restricted,
        }
    }
}

/// A member of a queue.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DixaQueueMember {
    agent_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<i64>,
}

impl From<QueueMember> for DixaQueueMember {
    fn from(m: QueueMember) -> Self {
        Self {
            agent_id: m.agent_id,
            priority: m.priority,
        }
    }
}

/// Dixa's `BulkQueueEndpointInput`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkQueueEndpointInput {
    /// Agent ids (UUIDs), each at most once.
    agent_ids: Option<Vec<String>>,
}

/// One id of a bulk body: its text and, when the text is one, the UUID.
struct ListedId {
    text: String,
    id: Option<Uuid>,
}

impl BulkQueueEndpointInput {
    /// The ids named: at least one, at most `max`, none twice.
    fn ids(self, max: usize) -> Result<Vec<ListedId>, ApiError> {
        let texts = self.agent_ids.unwrap_or_default();
        if texts.is_empty() {
            return Err(bad_body("agentIds must name at least one agent"));
        }
        if texts.len() > max {
            return Err(bad_body(&format!("agentIds may name at most {max} agents")));
        }
        let mut seen = HashSet::new();
        texts
            .into_iter()
            .map(|text| {
                let id = Uuid::parse_str(&text).ok();
                let key = id.map_or_else(|| text.clone(), |id| id.to_string());
                if !seen.insert(key) {
                    return Err(bad_body(&format!("agentIds lists {text} more than once")));
                }
                Ok(ListedId { text, id })
            })
            .collect()
    }
}

fn bad_body(reason: &str) -> ApiError {
    ApiError::BadRequest(format!("Invalid value for: body ({reason})"))
}

/// List every queue of the organization.
#[utoipa::path(get, path = "/v1/queues", tag = "dixa-queues", operation_id = "Queues_listAll", security(("workspaceKey" = [])),
    responses((status = 200, body = Data<Vec<DixaQueue>>), (status = 400, body = DixaError)))]
async fn list_queues(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Data<Vec<DixaQueue>>>> {
    let queues = state.store.all_queues(caller.workspace_id()).await?;
    Ok(data(queues.into_iter().map(DixaQueue::from).collect()))
}

/// Create a queue. Required: `name`, `callFunctionality`, `isDefault`, `isDoNotOfferEnabled`.
#[utoipa::path(post, path = "/v1/queues", tag = "dixa-queues", operation_id = "Queues_createQueue", security(("workspaceKey" = [])),
    request_body = CreateQueueInput,
    responses((status = 201, body = Data<DixaQueue>), (status = 400, body = DixaError)))]
async fn create_queue(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<Value>,
) -> ApiResult<(StatusCode, axum::Json<Data<DixaQueue>>)> {
    caller.require_admin()?;
    let changes = QueueRequest::from_body(body)?.changes()?;
    let queue = Queue::build(caller.workspace_id(), changes, state.now())?;
    let queue = state.store.create_queue(queue).await?;
    Ok((StatusCode::CREATED, data(queue.into())))
}

/// Get a queue.
#[utoipa::path(get, path = "/v1/queues/{queueId}", tag = "dixa-queues", operation_id = "Queues_getById", security(("workspaceKey" = [])),
    params(("queueId" = String, Path)),
    responses((status = 200, body = Data<DixaQueue>), (status = 404, body = DixaError)))]
async fn get_queue(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Data<DixaQueue>>> {
    let id = path_id(&id, QUEUE)?;
    let queue = state
        .store
        .get_queue(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(QUEUE))?;
    Ok(data(queue.into()))
}

/// List the members of a queue.
#[utoipa::path(get, path = "/v1/queues/{queueId}/members", tag = "dixa-queues", operation_id = "Queues_listMembers",
    security(("workspaceKey" = [])), params(("queueId" = String, Path)),
    responses((status = 200, body = Data<Vec<DixaQueueMember>>), (status = 404, body = DixaError)))]
async fn list_members(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Data<Vec<DixaQueueMember>>>> {
    let id = path_id(&id, QUEUE)?;
    let members = state
        .store
        .queue_members(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(QUEUE))?;
    Ok(data(
        members.into_iter().map(DixaQueueMember::from).collect(),
    ))
}

/// Assign agents to a queue: one outcome per id, in the order given. One bad id does not fail
/// the others; agents already members stay members.
#[utoipa::path(patch, path = "/v1/queues/{queueId}/members", tag = "dixa-queues", operation_id = "Queues_assignMembers",
    security(("workspaceKey" = [])), params(("queueId" = String, Path)), request_body = BulkQueueEndpointInput,
    responses((status = 200, body = Data<Vec<BulkOutcome>>), (status = 400, body = DixaError),
        (status = 404, body = DixaError)))]
async fn assign_members(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<BulkQueueEndpointInput>,
) -> ApiResult<axum::Json<Data<Vec<BulkOutcome>>>> {
    let queue_id = path_id(&id, QUEUE)?;
    caller.require_admin()?;
    let listed = body.ids(ASSIGN_MAX)?;
    let members = listed.iter().filter_map(|l| l.id).map(|id| (id, None));
    let mut outcomes = state
        .store
        .add_queue_members(
            caller.workspace_id(),
            queue_id,
            members.collect(),
            state.now(),
        )
        .await
        .map_err(or_not_found(QUEUE))?
        .into_iter();
    // The store answered the UUIDs in order; the other texts fail where they stand.
    let answer = listed
        .into_iter()
        .map(|listed| match listed.id {
            None => BulkOutcome::BulkActionFailure {
                error: BulkError::Validation {
                    id: listed.text,
                    message: "Invalid UUID".into(),
                },
            },
            Some(id) => bulk_outcome(outcomes.next().unwrap_or(MemberOutcome::UnknownAgent(id))),
        })
        .collect();
    state.router.roster_changed(caller.workspace_id()).await;
    Ok(data(answer))
}

fn bulk_outcome(outcome: MemberOutcome) -> BulkOutcome {
    match outcome {
        MemberOutcome::Member(id) | MemberOutcome::Removed(id) => {
            BulkOutcome::BulkActionSuccess { data: id }
        }
        MemberOutcome::UnknownAgent(id) => BulkOutcome::BulkActionFailure {
            error: BulkError::NotFound {
                id: id.to_string(),
                message: "User not found".into(),
            },
        },
    }
}

/// Remove up to 10 agents from a queue, all or nothing: an id that is no agent of the
/// organization is a 404 naming it, and nothing is removed. Agents that are no members are fine.
#[utoipa::path(delete, path = "/v1/queues/{queueId}/members", tag = "dixa-queues", operation_id = "Queues_removeMembersBulk",
    security(("workspaceKey" = [])), params(("queueId" = String, Path)), request_body = BulkQueueEndpointInput,
    responses((status = 204), (status = 400, body = DixaError), (status = 404, body = DixaError)))]
async fn remove_members(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<BulkQueueEndpointInput>,
) -> ApiResult<StatusCode> {
    let queue_id = path_id(&id, QUEUE)?;
    caller.require_admin()?;
    let ids = body
        .ids(REMOVE_MAX)?
        .into_iter()
        .map(|listed| {
            listed
                .id
                .ok_or_else(|| bad_body(&format!("{} is not a UUID", listed.text)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let removal = state
        .store
        .remove_queue_members(caller.workspace_id(), queue_id, ids)
        .await
        .map_err(or_not_found(QUEUE))?;
    state.router.roster_changed(caller.workspace_id()).await;
    match removal {
        Removal::Removed(_) => Ok(StatusCode::NO_CONTENT),
        Removal::UnknownAgent(agent) => Err(ApiError::NotFound(format!("User not found: {agent}"))),
    }
}
