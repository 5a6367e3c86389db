//! Conversations: `/workspaces/{workspaceId}/conversations` — create, read, list, close, and
//! the tags a conversation carries.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::conversation::{
    Channel, Conversation, Direction, Media, NewConversation, RequiredSkill, Status,
};
use domain::custom_attribute::{AttributeValues, ValuesPatch};
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use store::ConversationFilter;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::events::EventOut;
use super::{Listed, Paging};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::{Json, Query, path_id};
use crate::state::AppState;
use routing::{Command, Target};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations, create_conversation))
        .routes(routes!(get_conversation))
        .routes(routes!(close_conversation))
        .routes(routes!(tag_conversation, untag_conversation))
        .routes(routes!(patch_conversation_attributes))
        .routes(routes!(conversation_history))
        .routes(routes!(accept_offer))
        .routes(routes!(decline_offer))
        .routes(routes!(assign_conversation))
        .routes(routes!(transfer_conversation))
        .routes(routes!(unassign_conversation))
        .routes(routes!(end_wrap_up))
        .routes(routes!(abandon_conversation))
}

const CONVERSATION: &str = "Conversation";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConversationIn {
    /// `voice`, `messaging` or `email`: what the conversation takes of an agent.
    channel: Option<String>,
    /// The finer channel it came through (`pstnPhone`, `widgetChat`, `whatsApp`, `sms`,
    /// `email`, `contactForm`, …); must belong to `channel` when both are given.
    source: Option<String>,
    /// `inbound` (default), `outbound` or `internal`.
    direction: Option<String>,
    end_user_id: Option<Uuid>,
    queue_id: Option<Uuid>,
    /// 0..100, higher is more urgent (default 0).
    priority: Option<i64>,
    subject: Option<String>,
    /// The address the end user wrote or called from.
    contact_point: Option<String>,
    external_id: Option<String>,
    #[serde(default)]
    tag_ids: Vec<Uuid>,
    /// Values of the workspace's conversation custom attributes, by attribute id.
    #[serde(default)]
    #[schema(value_type = Object)]
    custom_attributes: ValuesPatch,
    /// Routing offers it only to agents with one of the values of each skill…
    #[serde(default)]
    required_skills: Vec<RequiredSkillIo>,
    /// …and every one of these tags (an agent's `tagIds`).
    #[serde(default)]
    required_tag_ids: Vec<Uuid>,
    /// Held for this agent first, for the queue's preferred-agent timeout.
    preferred_agent_id: Option<Uuid>,
    /// Offered to this team's members only (with the queue's settings, when one is given).
    team_id: Option<Uuid>,
    /// Offered to this agent only, a personal conversation; with a queue, the queue takes it
    /// over after its `personalAgentOfflineTimeout` while the agent does not take work.
    agent_id: Option<Uuid>,
}

/// A skill a conversation needs, with the values that will do.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequiredSkillIo {
    skill_id: Uuid,
    value_ids: Vec<Uuid>,
}

impl TryFrom<ConversationIn> for (NewConversation, ValuesPatch) {
    type Error = ApiError;

    fn try_from(body: ConversationIn) -> Result<Self, ApiError> {
        let new = NewConversation {
            media: parse(
                "channel",
                body.channel,
                Media::parse,
                "voice, messaging, email",
            )?,
            channel: parse("source", body.source, Channel::parse, &channel_names())?,
            direction: parse(
                "direction",
                body.direction,
                Direction::parse,
                "inbound, outbound, internal",
            )?,
            end_user_id: body.end_user_id,
            queue_id: body.queue_id,
            team_id: body.team_id,
            target_agent_id: body.agent_id,
            priority: body.priority,
            subject: body.subject,
            contact_point: body.contact_point,
            external_id: body.external_id,
            tag_ids: body.tag_ids,
            required_skills: body
                .required_skills
                .into_iter()
                .map(|s| RequiredSkill {
                    skill_id: s.skill_id,
                    value_ids: s.value_ids,
                })
                .collect(),
            required_tag_ids: body.required_tag_ids,
            preferred_agent_id: body.preferred_agent_id,
        };
        Ok((new, body.custom_attributes))
    }
}

/// Reads an optional enumerated value, naming the allowed ones when it is none of them.
fn parse<T>(
    field: &str,
    text: Option<String>,
    from: impl Fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<Option<T>, ApiError> {
    text.map(|t| {
        from(&t).ok_or_else(|| ApiError::Invalid(format!("{field}: must be one of: {allowed}")))
    })
    .transpose()
}

fn channel_names() -> String {
    Channel::ALL.map(|c| c.name()).join(", ")
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationOut {
    id: Uuid,
    /// The integer id other surfaces show (Dixa's conversation id).
    number: i64,
    workspace_id: Uuid,
    /// `voice`, `messaging` or `email`.
    channel: &'static str,
    source: String,
    direction: &'static str,
    /// `pending`, `offered`, `assigned`, `wrapUp`, `closed` or `abandoned`.
    status: &'static str,
    status_updated_at: Timestamp,
    end_user_id: Option<Uuid>,
    queue_id: Option<Uuid>,
    /// The team whose members it is routed to, when not its queue's.
    team_id: Option<Uuid>,
    /// The one agent it is routed to (a personal conversation); who holds it is `assigneeId`.
    agent_id: Option<Uuid>,
    queued_at: Option<Timestamp>,
    assignee_id: Option<Uuid>,
    assigned_at: Option<Timestamp>,
    priority: i64,
    subject: Option<String>,
    contact_point: Option<String>,
    external_id: Option<String>,
    tag_ids: Vec<Uuid>,
    /// Custom attribute values by attribute id.
    #[schema(value_type = Object)]
    custom_attributes: AttributeValues,
    required_skills: Vec<RequiredSkillIo>,
    required_tag_ids: Vec<Uuid>,
    preferred_agent_id: Option<Uuid>,
    closed_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<Conversation> for ConversationOut {
    fn from(c: Conversation) -> Self {
        Self {
            id: c.id,
            number: c.number,
            workspace_id: c.workspace_id,
            channel: c.channel.media().as_str(),
            source: c.channel.name(),
            direction: c.direction.as_str(),
            status: c.status.as_str(),
            status_updated_at: c.status_updated_at,
            end_user_id: c.end_user_id,
            queue_id: c.queue_id,
            team_id: c.team_id,
            agent_id: c.target_agent_id,
            queued_at: c.queued_at,
            assignee_id: c.assignee_id,
            assigned_at: c.assigned_at,
            priority: c.priority,
            subject: c.subject,
            contact_point: c.contact_point,
            external_id: c.external_id,
            tag_ids: c.tag_ids,
            required_skills: c
                .details
                .required_skills
                .into_iter()
                .map(|s| RequiredSkillIo {
                    skill_id: s.skill_id,
                    value_ids: s.value_ids,
                })
                .collect(),
            required_tag_ids: c.details.required_tag_ids,
            preferred_agent_id: c.details.preferred_agent_id,
            custom_attributes: c.details.custom_attributes,
            closed_at: c.closed_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    /// Only conversations in this status.
    status: Option<String>,
    /// Only conversations that came through this channel (`widgetChat`, `email`, …).
    source: Option<String>,
    end_user_id: Option<Uuid>,
    queue_id: Option<Uuid>,
    assignee_id: Option<Uuid>,
}

impl TryFrom<ConversationQuery> for ConversationFilter {
    type Error = ApiError;

    fn try_from(query: ConversationQuery) -> Result<Self, ApiError> {
        let statuses = Status::ALL.map(Status::as_str).join(", ");
        Ok(ConversationFilter {
            status: parse("status", query.status, Status::parse, &statuses)?,
            channel: parse("source", query.source, Channel::parse, &channel_names())?,
            end_user_id: query.end_user_id,
            queue_id: query.queue_id,
            assignee_id: query.assignee_id,
        })
    }
}

/// List conversations, oldest first.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/conversations", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), Paging, ConversationQuery),
    responses((status = 200, body = Listed<ConversationOut>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_conversations(
    caller: Caller,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
    Query(query): Query<ConversationQuery>,
) -> ApiResult<axum::Json<Listed<ConversationOut>>> {
    let page = state
        .store
        .list_conversations(
            caller.workspace_id(),
            query.try_into()?,
            paging.reverse.unwrap_or(false),
            paging.cursor("createdAt")?,
            paging.limit()?,
        )
        .await?;
    Ok(axum::Json(Listed::from_page(page, ConversationOut::from)))
}

/// Create a conversation; it starts `pending`, waiting in its queue when it names one.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/conversations", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path)), request_body = ConversationIn,
    responses((status = 201, body = ConversationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_conversation(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<ConversationIn>,
) -> ApiResult<(StatusCode, axum::Json<ConversationOut>)> {
    caller.require_admin()?;
    let (new, attributes) = <(NewConversation, ValuesPatch)>::try_from(body)?;
    let conversation = new.build(caller.workspace_id(), state.now())?;
    // One that routing takes is stored with routing's first decisions, in one transaction.
    let created = if router::conversation_input(&conversation).is_some() {
        state.router.create(conversation, attributes).await?
    } else {
        state
            .store
            .create_conversation(conversation, attributes)
            .await?
    };
    Ok((StatusCode::CREATED, axum::Json(created.into())))
}

/// Get a conversation.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/conversations/{conversationId}", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = ConversationOut), (status = 404, body = ErrorBody)))]
async fn get_conversation(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    let conversation = state
        .store
        .get_conversation(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(CONVERSATION))?;
    Ok(axum::Json(conversation.into()))
}

/// Close a conversation (an admin key, or the key of the agent it is assigned to); 409 when it
/// is already closed or abandoned.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/conversations/{conversationId}/close", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = ConversationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn close_conversation(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    let ws = caller.workspace_id();
    let current = state
        .store
        .get_conversation(ws, id)
        .await
        .map_err(or_not_found(CONVERSATION))?;
    match current.assignee_id {
        Some(agent) => caller.require_may_change(agent)?,
        None => caller.require_admin()?,
    }
    if current.queue_id.is_none() || !current.status.is_open() {
        let closed = state
            .store
            .close_conversation(ws, id, state.now())
            .await
            .map_err(or_not_found(CONVERSATION))?;
        return Ok(axum::Json(closed.into()));
    }
    // A routed conversation closes through routing: its agent goes into wrap-up.
    route(&state, ws, id, Command::Close { conversation: id }).await
}

/// Put a tag on a conversation; a deactivated tag cannot be applied (422).
#[utoipa::path(put, path = "/workspaces/{workspaceId}/conversations/{conversationId}/tags/{tagId}", tag = "conversations",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("conversationId" = String, Path), ("tagId" = String, Path)),
    responses((status = 200, body = ConversationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn tag_conversation(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String, String)>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    let tag = path_id(&ids.2, "Tag")?;
    caller.require_admin()?;
    let conversation = state
        .store
        .tag_conversation(caller.workspace_id(), id, tag, state.now())
        .await
        .map_err(or_not_found(CONVERSATION))?;
    Ok(axum::Json(conversation.into()))
}

/// Take a tag off a conversation; 404 when it does not carry it.
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/conversations/{conversationId}/tags/{tagId}", tag = "conversations",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("conversationId" = String, Path), ("tagId" = String, Path)),
    responses((status = 200, body = ConversationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn untag_conversation(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String, String)>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    let tag = path_id(&ids.2, "Tag")?;
    caller.require_admin()?;
    let conversation = state
        .store
        .untag_conversation(caller.workspace_id(), id, tag)
        .await
        .map_err(or_not_found("Conversation or tag on it"))?;
    Ok(axum::Json(conversation.into()))
}

/// Set or remove custom attribute values (a map from attribute id to value; `null` removes).
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/conversations/{conversationId}/custom-attributes", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    request_body = Object,
    responses((status = 200, body = ConversationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_conversation_attributes(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(patch): Json<ValuesPatch>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    caller.require_admin()?;
    let conversation = state
        .store
        .patch_conversation_attributes(caller.workspace_id(), id, patch, state.now())
        .await
        .map_err(or_not_found(CONVERSATION))?;
    Ok(axum::Json(conversation.into()))
}

/// Every move of a conversation with its time, oldest first (its events).
#[utoipa::path(get, path = "/workspaces/{workspaceId}/conversations/{conversationId}/history", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = Listed<EventOut>), (status = 404, body = ErrorBody)))]
async fn conversation_history(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<Listed<EventOut>>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    let events = state
        .store
        .conversation_history(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(CONVERSATION))?;
    Ok(axum::Json(Listed {
        total: events.len() as i64,
        results: events.into_iter().map(EventOut::from).collect(),
        next_page_token: None,
    }))
}

/// Hands a command about one conversation to routing, then answers the conversation as stored.
async fn route(
    state: &AppState,
    workspace_id: Uuid,
    id: Uuid,
    command: Command,
) -> ApiResult<axum::Json<ConversationOut>> {
    state.router.command(workspace_id, command).await?;
    let conversation = state
        .store
        .get_conversation(workspace_id, id)
        .await
        .map_err(or_not_found(CONVERSATION))?;
    Ok(axum::Json(conversation.into()))
}

/// Accept the offer of a conversation (the offered agent's own key).
#[utoipa::path(post, path = "/workspaces/{workspaceId}/conversations/{conversationId}/accept", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = ConversationOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn accept_offer(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    let agent = caller.me()?;
    let command = Command::Accept {
        conversation: id,
        agent,
    };
    route(&state, caller.workspace_id(), id, command).await
}

/// Decline the offer of a conversation (the offered agent's own key); it goes to the next agent.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/conversations/{conversationId}/decline", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = ConversationOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn decline_offer(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    let agent = caller.me()?;
    let command = Command::Decline {
        conversation: id,
        agent,
    };
    route(&state, caller.workspace_id(), id, command).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignIn {
    agent_id: Uuid,
    /// Assign even beyond the agent's capacity.
    #[serde(default)]
    force: bool,
}

/// Give a waiting conversation to an agent directly (a supervisor: an admin key).
#[utoipa::path(post, path = "/workspaces/{workspaceId}/conversations/{conversationId}/assign", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    request_body = AssignIn,
    responses((status = 200, body = ConversationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn assign_conversation(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<AssignIn>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    caller.require_admin()?;
    let command = Command::Assign {
        conversation: id,
        agent: body.agent_id,
        force: body.force,
    };
    route(&state, caller.workspace_id(), id, command).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransferIn {
    queue_id: Option<Uuid>,
    team_id: Option<Uuid>,
    agent_id: Option<Uuid>,
}

/// Move a conversation to another queue, a team or one agent (exactly one of them).
#[utoipa::path(post, path = "/workspaces/{workspaceId}/conversations/{conversationId}/transfer", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    request_body = TransferIn,
    responses((status = 200, body = ConversationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transfer_conversation(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<TransferIn>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    caller.require_admin()?;
    let to = match (body.queue_id, body.team_id, body.agent_id) {
        (Some(queue), None, None) => Target::Queue(queue),
        (None, Some(team), None) => Target::Team(team),
        (None, None, Some(agent)) => Target::Agent(agent),
        _ => {
            return Err(ApiError::Invalid(
                "give exactly one of queueId, teamId and agentId".into(),
            ));
        }
    };
    if let Target::Team(team) = to {
        super::teams::require_team(&state, caller.workspace_id(), team, "teamId").await?;
    }
    let command = Command::Transfer {
        conversation: id,
        to,
    };
    route(&state, caller.workspace_id(), id, command).await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnassignIn {
    /// Route it again within this team instead of its queue.
    team_id: Option<Uuid>,
}

/// Take a conversation back from its agent; it waits and is routed again.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/conversations/{conversationId}/unassign", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    request_body = UnassignIn,
    responses((status = 200, body = ConversationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn unassign_conversation(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<UnassignIn>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    caller.require_admin()?;
    if let Some(team) = body.team_id {
        super::teams::require_team(&state, caller.workspace_id(), team, "teamId").await?;
    }
    let command = Command::Unassign {
        conversation: id,
        into_team: body.team_id,
    };
    route(&state, caller.workspace_id(), id, command).await
}

/// End the wrap-up of a closed conversation early (its agent, or an admin key).
#[utoipa::path(post, path = "/workspaces/{workspaceId}/conversations/{conversationId}/end-wrap-up", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = ConversationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn end_wrap_up(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    let ws = caller.workspace_id();
    let current = state
        .store
        .get_conversation(ws, id)
        .await
        .map_err(or_not_found(CONVERSATION))?;
    match current.assignee_id {
        Some(agent) => caller.require_may_change(agent)?,
        None => caller.require_admin()?,
    }
    route(&state, ws, id, Command::EndWrapUp { conversation: id }).await
}

/// The customer left before an agent took the conversation.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/conversations/{conversationId}/abandon", tag = "conversations",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = ConversationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn abandon_conversation(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<ConversationOut>> {
    let id = path_id(&ids.1, CONVERSATION)?;
    caller.require_admin()?;
    route(
        &state,
        caller.workspace_id(),
        id,
        Command::Abandon { conversation: id },
    )
    .await
}
