//! Dixa's end users: `/v1/endusers`. The seed's six endpoints (get, patch, put, anonymize, list
//! conversations, patch custom attributes), plus create and list from Dixa's API so that a
//! Dixa-only client can make end users.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::conversation::{Channel, Conversation as Stored, Direction};
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use store::{EndUserDetails, EndUserFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Data, DixaError, PageQuery, Paged, data};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, or_not_found};
use crate::extract::{Json, Query, path_id};
use crate::native::endusers::{
    AttributeValueOut, END_USER, EndUserIn, ForceQuery, ValuesIn, anonymize, attribute_values,
    create,
};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_end_users, create_end_user))
        .routes(routes!(get_end_user, patch_end_user, put_end_user))
        .routes(routes!(anonymize_end_user))
        .routes(routes!(list_conversations))
        .routes(routes!(patch_custom_attributes))
}

/// Dixa's EndUser; unset optional fields are left out.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndUser {
    id: Uuid,
    created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    additional_emails: Vec<String>,
    additional_phone_numbers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    middle_names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    /// Left out of lists, as Dixa does.
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_attributes: Option<Vec<AttributeValueOut>>,
}

impl EndUser {
    fn of(d: EndUserDetails, with_attributes: bool) -> Self {
        let u = d.end_user;
        Self {
            id: u.id,
            created_at: u.created_at,
            display_name: u.display_name,
            email: u.email,
            phone_number: u.phone_number,
            additional_emails: u.additional_emails,
            additional_phone_numbers: u.additional_phone_numbers,
            first_name: u.first_name,
            last_name: u.last_name,
            middle_names: u.middle_names,
            avatar_url: u.avatar_url,
            external_id: u.external_id,
            custom_attributes: with_attributes.then(|| attribute_values(d.attributes)),
        }
    }

    fn full(d: EndUserDetails) -> Self {
        Self::of(d, true)
    }
}

/// A conversation in Dixa's list of an end user's conversations (without custom attributes,
/// as Dixa says); `_type` follows the channel.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// `ChatConversation`, `EmailConversation`, `PstnPhoneConversation`, `SmsConversation`, …
    #[serde(rename = "_type")]
    kind: &'static str,
    /// Dixa's integer conversation id.
    id: i64,
    requester_id: Option<Uuid>,
    /// Dixa's channel name, e.g. `WidgetChat`.
    channel: &'static str,
    created_at: Timestamp,
    /// `Inbound`, `Outbound` or `Internal`.
    direction: &'static str,
    /// `Open` or `Closed`.
    state: &'static str,
    state_updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignment: Option<Assignment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue: Option<QueueRef>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    agent_id: Uuid,
    assigned_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueRef {
    id: Uuid,
    queued_at: Timestamp,
}

impl From<Stored> for Conversation {
    fn from(c: Stored) -> Self {
        Self {
            kind: conversation_type(c.channel),
            id: c.number,
            requester_id: c.end_user_id,
            channel: c.channel.dixa_name(),
            created_at: c.created_at,
            direction: match c.direction {
                Direction::Inbound => "Inbound",
                Direction::Outbound => "Outbound",
                Direction::Internal => "Internal",
            },
            state: if c.status.is_open() { "Open" } else { "Closed" },
            state_updated_at: c.status_updated_at,
            assignment: c
                .assignee_id
                .zip(c.assigned_at)
                .map(|(agent_id, assigned_at)| Assignment {
                    agent_id,
                    assigned_at,
                }),
            queue: c.queue_id.map(|id| QueueRef {
                id,
                queued_at: c.queued_at.unwrap_or(c.created_at),
            }),
        }
    }
}

/// Dixa's conversation type of each channel.
fn conversation_type(channel: Channel) -> &'static str {
    match channel {
        Channel::PstnPhone | Channel::Callback | Channel::Voicemail => "PstnPhoneConversation",
        Channel::WidgetChat => "ChatConversation",
        Channel::Email => "EmailConversation",
        Channel::ContactForm => "ContactFormConversation",
        Channel::Sms => "SmsConversation",
        Channel::WhatsApp => "WhatsAppConversation",
        Channel::FacebookMessenger | Channel::Messenger => "FacebookMessengerConversation",
        Channel::Twitter => "TwitterConversation",
    }
}

/// Dixa's `AnonymizationRequestStatus`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnonymizationStatus {
    id: Uuid,
    /// `User`.
    #[serde(rename = "_type")]
    kind: String,
    /// Deprecated by Dixa in favour of `_type`: `UserAnonymizationType`.
    entity_type: String,
    initiated_at: Timestamp,
    target_entity_id: Uuid,
    requested_by: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    processed_at: Option<Timestamp>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct EndUserQuery {
    /// The end user's e-mail (not together with `phone`).
    email: Option<String>,
    /// The end user's phone number (not together with `email`).
    phone: Option<String>,
    external_id: Option<String>,
}

impl EndUserQuery {
    /// The list's own path with its filters, for the next page's link.
    fn path(&self) -> String {
        let filters: Vec<String> = [
            ("email", &self.email),
            ("phone", &self.phone),
            ("externalId", &self.external_id),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| format!("{name}={}", encode(v))))
        .collect();
        if filters.is_empty() {
            "/v1/endusers".into()
        } else {
            format!("/v1/endusers?{}", filters.join("&"))
        }
    }
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Dixa documents only 400 and 404 for its end user writes: a change the stored data refuses
/// (an anonymized end user, a taken external id) is a validation failure there.
fn validation_failure(error: ApiError) -> ApiError {
    match error {
        ApiError::Conflict(why) => {
            ApiError::BadRequest(format!("Validation failure during update: {why}"))
        }
        other => other,
    }
}

fn user_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, END_USER)
}

/// List end users.
#[utoipa::path(get, path = "/v1/endusers", tag = "dixa-endusers", security(("dixaKey" = [])),
    params(PageQuery, EndUserQuery),
    responses((status = 200, body = Paged<EndUser>), (status = 400, body = DixaError)))]
async fn list_end_users(
    caller: Caller,
    State(state): State<AppState>,
    Query(paging): Query<PageQuery>,
    Query(query): Query<EndUserQuery>,
) -> ApiResult<axum::Json<Paged<EndUser>>> {
    if query.email.is_some() && query.phone.is_some() {
        return Err(ApiError::BadRequest(
            "Invalid value in request: filter by email or by phone, not both".into(),
        ));
    }
    let limit = paging.limit()?;
    let filter = EndUserFilter {
        email: query.email.clone(),
        phone_number: query.phone.clone(),
        external_id: query.external_id.clone(),
    };
    let page = state
        .store
        .list_end_users(
            caller.workspace_id(),
            filter,
            false,
            paging.cursor("createdAt")?,
            limit,
        )
        .await?;
    Ok(axum::Json(Paged::from_page(
        page,
        &query.path(),
        limit,
        |d| EndUser::of(d, false),
    )))
}

/// Create an end user.
#[utoipa::path(post, path = "/v1/endusers", tag = "dixa-endusers", security(("dixaKey" = [])),
    request_body = EndUserIn,
    responses((status = 201, body = Data<EndUser>), (status = 400, body = DixaError)))]
async fn create_end_user(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<EndUserIn>,
) -> ApiResult<(StatusCode, axum::Json<Data<EndUser>>)> {
    caller.require_admin()?;
    // Dixa answers bad input with 400, a taken external id included.
    let created = create(&state, &caller, body)
        .await
        .map_err(|error| match error {
            ApiError::Conflict(why) => {
                ApiError::BadRequest(format!("Invalid value in request: {why}"))
            }
            other => other,
        })?;
    Ok((StatusCode::CREATED, data(EndUser::full(created))))
}

/// Get an end user by id.
#[utoipa::path(get, path = "/v1/endusers/{userId}", tag = "dixa-endusers", security(("dixaKey" = [])),
    params(("userId" = String, Path)),
    responses((status = 200, body = Data<EndUser>), (status = 404, body = DixaError)))]
async fn get_end_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(user): Path<String>,
) -> ApiResult<axum::Json<Data<EndUser>>> {
    let id = user_id(&user)?;
    let end_user = state
        .store
        .get_end_user(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(END_USER))?;
    Ok(data(EndUser::full(end_user)))
}

/// Patch an end user.
#[utoipa::path(patch, path = "/v1/endusers/{userId}", tag = "dixa-endusers", security(("dixaKey" = [])),
    params(("userId" = String, Path)), request_body = EndUserIn,
    responses((status = 200, body = Data<EndUser>), (status = 400, body = DixaError),
        (status = 404, body = DixaError)))]
async fn patch_end_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(user): Path<String>,
    Json(body): Json<EndUserIn>,
) -> ApiResult<axum::Json<Data<EndUser>>> {
    let id = user_id(&user)?;
    caller.require_admin()?;
    let end_user = state
        .store
        .update_end_user(caller.workspace_id(), id, body.into(), state.now())
        .await
        .map_err(or_not_found(END_USER))
        .map_err(validation_failure)?;
    Ok(data(EndUser::full(end_user)))
}

/// Update an end user: `displayName` is required; fields left out are cleared.
#[utoipa::path(put, path = "/v1/endusers/{userId}", tag = "dixa-endusers", security(("dixaKey" = [])),
    params(("userId" = String, Path)), request_body = EndUserIn,
    responses((status = 200, body = Data<EndUser>), (status = 400, body = DixaError),
        (status = 404, body = DixaError)))]
async fn put_end_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(user): Path<String>,
    Json(body): Json<EndUserIn>,
) -> ApiResult<axum::Json<Data<EndUser>>> {
    let id = user_id(&user)?;
    caller.require_admin()?;
    let end_user = state
        .store
        .replace_end_user(caller.workspace_id(), id, body.into(), state.now())
        .await
        .map_err(or_not_found(END_USER))
        .map_err(validation_failure)?;
    Ok(data(EndUser::full(end_user)))
}

/// Request the anonymization of an end user.
#[utoipa::path(patch, path = "/v1/endusers/{userId}/anonymize", tag = "dixa-endusers",
    security(("dixaKey" = [])),
    params(("userId" = String, Path), ForceQuery),
    responses((status = 202, body = Data<AnonymizationStatus>), (status = 400, body = DixaError),
        (status = 404, body = DixaError),
        (status = 409, body = DixaError, description = "open conversations and no force")))]
async fn anonymize_end_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(user): Path<String>,
    Query(query): Query<ForceQuery>,
) -> ApiResult<(StatusCode, axum::Json<Data<AnonymizationStatus>>)> {
    let id = user_id(&user)?;
    let request = anonymize(&state, &caller, id, query).await?;
    let status = AnonymizationStatus {
        id: request.id,
        entity_type: format!("{}AnonymizationType", request.entity_type),
        kind: request.entity_type,
        initiated_at: request.initiated_at,
        target_entity_id: request.target_id,
        requested_by: request.requested_by,
        processed_at: request.processed_at,
    };
    Ok((StatusCode::ACCEPTED, data(status)))
}

/// List the conversations an end user requested, oldest first.
#[utoipa::path(get, path = "/v1/endusers/{userId}/conversations", tag = "dixa-endusers",
    security(("dixaKey" = [])),
    params(("userId" = String, Path), PageQuery),
    responses((status = 200, body = Paged<Conversation>), (status = 400, body = DixaError),
        (status = 404, body = DixaError)))]
async fn list_conversations(
    caller: Caller,
    State(state): State<AppState>,
    Path(user): Path<String>,
    Query(paging): Query<PageQuery>,
) -> ApiResult<axum::Json<Paged<Conversation>>> {
    let id = user_id(&user)?;
    let limit = paging.limit()?;
    let page = state
        .store
        .list_end_user_conversations(
            caller.workspace_id(),
            id,
            paging.cursor("createdAt")?,
            limit,
        )
        .await
        .map_err(or_not_found(END_USER))?;
    let path = format!("/v1/endusers/{id}/conversations");
    Ok(axum::Json(Paged::from_page(
        page,
        &path,
        limit,
        Conversation::from,
    )))
}

/// Patch custom attributes of an end user: a map from attribute id to a value, `null` removes
/// one. Answers every value the end user holds afterwards.
#[utoipa::path(patch, path = "/v1/endusers/{userId}/custom-attributes", tag = "dixa-endusers",
    security(("dixaKey" = [])),
    params(("userId" = String, Path)), request_body = ValuesIn,
    responses((status = 200, body = Data<Vec<AttributeValueOut>>), (status = 400, body = DixaError),
        (status = 404, body = DixaError)))]
async fn patch_custom_attributes(
    caller: Caller,
    State(state): State<AppState>,
    Path(user): Path<String>,
    Json(body): Json<ValuesIn>,
) -> ApiResult<axum::Json<Data<Vec<AttributeValueOut>>>> {
    let id = user_id(&user)?;
    caller.require_admin()?;
    let values = state
        .store
        .patch_end_user_attributes(caller.workspace_id(), id, body.into(), state.now())
        .await
        .map_err(or_not_found(END_USER))
        .map_err(validation_failure)?;
    Ok(data(attribute_values(values)))
}
