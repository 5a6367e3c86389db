//! Conversations: `/workspaces/{workspaceId}/conversations` — create, read, list, close, and
//! the tags a conversation carries.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::conversation::{Channel, Conversation, Direction, Media, NewConversation, Status};
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

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations, create_conversation))
        .routes(routes!(get_conversation))
        .routes(routes!(close_conversation))
        .routes(routes!(tag_conversation, untag_conversation))
        .routes(routes!(patch_conversation_attributes))
        .routes(routes!(conversation_history))
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
            priority: body.priority,
            subject: body.subject,
            contact_point: body.contact_point,
            external_id: body.external_id,
            tag_ids: body.tag_ids,
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
            queued_at: c.queued_at,
            assignee_id: c.assignee_id,
            assigned_at: c.assigned_at,
            priority: c.priority,
            subject: c.subject,
            contact_point: c.contact_point,
            external_id: c.external_id,
            tag_ids: c.tag_ids,
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
    let created = state
        .store
        .create_conversation(conversation, attributes)
        .await?;
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
    let closed = state
        .store
        .close_conversation(ws, id, state.now())
        .await
        .map_err(or_not_found(CONVERSATION))?;
    Ok(axum::Json(closed.into()))
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
