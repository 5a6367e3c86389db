//! End users: `/workspaces/{workspaceId}/endusers`, their custom attribute values and their
//! anonymization. The request bodies here are Dixa's too (same field names).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::custom_attribute::{AttributeValue, ValuesPatch};
use domain::enduser::{AnonymizationRequest, EndUserChanges};
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use store::{EndUserDetails, EndUserFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conversations::ConversationOut;
use super::{Listed, Paging};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::{Json, Query, nullable, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_end_users, create_end_user))
        .routes(routes!(get_end_user, update_end_user, replace_end_user))
        .routes(routes!(patch_attributes))
        .routes(routes!(anonymize_end_user))
        .routes(routes!(list_conversations))
}

pub(crate) const END_USER: &str = "End user";

/// An end user's details. On PATCH an absent field stays and `null` clears it; on PUT
/// `displayName` is required and every absent field is cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndUserIn {
    /// 1..255 characters.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    display_name: Option<Option<String>>,
    /// `name@domain`, at most 254 characters.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    email: Option<Option<String>>,
    /// International form: `+` and 6..15 digits (spaces and dashes are dropped).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    phone_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    last_name: Option<Option<String>>,
    /// At most 20.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<String>>)]
    middle_names: Option<Option<Vec<String>>>,
    /// At most 20 e-mail addresses.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<String>>)]
    additional_emails: Option<Option<Vec<String>>>,
    /// At most 20 phone numbers.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<String>>)]
    additional_phone_numbers: Option<Option<Vec<String>>>,
    /// An http or https URL, at most 2048 characters.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    avatar_url: Option<Option<String>>,
    /// Unique in the workspace, at most 255 characters.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    external_id: Option<Option<String>>,
}

impl From<EndUserIn> for EndUserChanges {
    fn from(u: EndUserIn) -> Self {
        EndUserChanges {
            display_name: u.display_name,
            email: u.email,
            phone_number: u.phone_number,
            first_name: u.first_name,
            last_name: u.last_name,
            middle_names: u.middle_names,
            additional_emails: u.additional_emails,
            additional_phone_numbers: u.additional_phone_numbers,
            avatar_url: u.avatar_url,
            external_id: u.external_id,
        }
    }
}

/// Custom attribute values to set, by attribute id; `null` removes a value. A text attribute
/// takes a string, a select attribute a list of its options' values.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(value_type = Object)]
pub struct ValuesIn(pub BTreeMap<Uuid, Option<serde_json::Value>>);

impl From<ValuesIn> for ValuesPatch {
    fn from(values: ValuesIn) -> Self {
        values.0
    }
}

/// A custom attribute value with its attribute's name and identifier.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttributeValueOut {
    id: Uuid,
    name: String,
    identifier: String,
    /// A string (text attribute) or a list of option values (select attribute).
    #[schema(value_type = Object)]
    value: serde_json::Value,
}

impl From<AttributeValue> for AttributeValueOut {
    fn from(v: AttributeValue) -> Self {
        Self {
            id: v.id,
            name: v.name,
            identifier: v.identifier,
            value: v.value,
        }
    }
}

pub(crate) fn attribute_values(values: Vec<AttributeValue>) -> Vec<AttributeValueOut> {
    values.into_iter().map(AttributeValueOut::from).collect()
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndUserOut {
    id: Uuid,
    workspace_id: Uuid,
    display_name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    middle_names: Vec<String>,
    additional_emails: Vec<String>,
    additional_phone_numbers: Vec<String>,
    avatar_url: Option<String>,
    external_id: Option<String>,
    custom_attributes: Vec<AttributeValueOut>,
    anonymized: bool,
    anonymized_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<EndUserDetails> for EndUserOut {
    fn from(d: EndUserDetails) -> Self {
        let u = d.end_user;
        Self {
            id: u.id,
            workspace_id: u.workspace_id,
            display_name: u.display_name,
            email: u.email,
            phone_number: u.phone_number,
            first_name: u.first_name,
            last_name: u.last_name,
            middle_names: u.middle_names,
            additional_emails: u.additional_emails,
            additional_phone_numbers: u.additional_phone_numbers,
            avatar_url: u.avatar_url,
            external_id: u.external_id,
            custom_attributes: attribute_values(d.attributes),
            anonymized: u.anonymized_at.is_some(),
            anonymized_at: u.anonymized_at,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnonymizationOut {
    id: Uuid,
    /// `user`.
    entity_type: String,
    target_id: Uuid,
    /// The API key that asked.
    requested_by: Uuid,
    initiated_at: Timestamp,
    processed_at: Option<Timestamp>,
}

impl From<AnonymizationRequest> for AnonymizationOut {
    fn from(r: AnonymizationRequest) -> Self {
        Self {
            id: r.id,
            entity_type: r.entity_type.to_lowercase(),
            target_id: r.target_id,
            requested_by: r.requested_by,
            initiated_at: r.initiated_at,
            processed_at: r.processed_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct EndUserQuery {
    /// Exact e-mail, whatever its case.
    email: Option<String>,
    /// Exact phone number (spaces and dashes ignored).
    phone_number: Option<String>,
    external_id: Option<String>,
}

/// `?force=`: close the end user's open conversations first.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ForceQuery {
    /// Close the end user's open conversations first (default false).
    pub force: Option<bool>,
}

/// List end users.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/endusers", tag = "endusers",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), Paging, EndUserQuery),
    responses((status = 200, body = Listed<EndUserOut>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_end_users(
    caller: Caller,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
    Query(query): Query<EndUserQuery>,
) -> ApiResult<axum::Json<Listed<EndUserOut>>> {
    let filter = EndUserFilter {
        email: query.email,
        phone_number: query.phone_number,
        external_id: query.external_id,
    };
    let page = state
        .store
        .list_end_users(
            caller.workspace_id(),
            filter,
            paging.reverse.unwrap_or(false),
            paging.cursor("createdAt")?,
            paging.limit()?,
        )
        .await?;
    Ok(axum::Json(Listed::from_page(page, EndUserOut::from)))
}

/// Create an end user.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/endusers", tag = "endusers",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path)), request_body = EndUserIn,
    responses((status = 201, body = EndUserOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_end_user(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<EndUserIn>,
) -> ApiResult<(StatusCode, axum::Json<EndUserOut>)> {
    caller.require_admin()?;
    let created = create(&state, &caller, body).await?;
    Ok((StatusCode::CREATED, axum::Json(created.into())))
}

pub(crate) async fn create(
    state: &AppState,
    caller: &Caller,
    body: EndUserIn,
) -> ApiResult<EndUserDetails> {
    let end_user =
        domain::enduser::EndUser::build(caller.workspace_id(), body.into(), state.now())?;
    Ok(state.store.create_end_user(end_user).await?)
}

/// Get an end user.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/endusers/{endUserId}", tag = "endusers",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("endUserId" = String, Path)),
    responses((status = 200, body = EndUserOut), (status = 404, body = ErrorBody)))]
async fn get_end_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<EndUserOut>> {
    let id = path_id(&ids.1, END_USER)?;
    let end_user = state
        .store
        .get_end_user(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(END_USER))?;
    Ok(axum::Json(end_user.into()))
}

/// Change some details of an end user; `null` clears a field.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/endusers/{endUserId}", tag = "endusers",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("endUserId" = String, Path)), request_body = EndUserIn,
    responses((status = 200, body = EndUserOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "anonymized, or the externalId is taken"),
        (status = 422, body = ErrorBody)))]
async fn update_end_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<EndUserIn>,
) -> ApiResult<axum::Json<EndUserOut>> {
    let id = path_id(&ids.1, END_USER)?;
    caller.require_admin()?;
    let end_user = state
        .store
        .update_end_user(caller.workspace_id(), id, body.into(), state.now())
        .await
        .map_err(or_not_found(END_USER))?;
    Ok(axum::Json(end_user.into()))
}

/// Replace the details of an end user: `displayName` is required, absent fields are cleared.
#[utoipa::path(put, path = "/workspaces/{workspaceId}/endusers/{endUserId}", tag = "endusers",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("endUserId" = String, Path)), request_body = EndUserIn,
    responses((status = 200, body = EndUserOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "anonymized, or the externalId is taken"),
        (status = 422, body = ErrorBody)))]
async fn replace_end_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<EndUserIn>,
) -> ApiResult<axum::Json<EndUserOut>> {
    let id = path_id(&ids.1, END_USER)?;
    caller.require_admin()?;
    let end_user = state
        .store
        .replace_end_user(caller.workspace_id(), id, body.into(), state.now())
        .await
        .map_err(or_not_found(END_USER))?;
    Ok(axum::Json(end_user.into()))
}

/// Set or remove custom attribute values of an end user, all or nothing; answers every value
/// the end user holds afterwards.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/endusers/{endUserId}/custom-attributes",
    tag = "endusers", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("endUserId" = String, Path)), request_body = ValuesIn,
    responses((status = 200, body = Vec<AttributeValueOut>), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "anonymized"),
        (status = 422, body = ErrorBody)))]
async fn patch_attributes(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<ValuesIn>,
) -> ApiResult<axum::Json<Vec<AttributeValueOut>>> {
    let id = path_id(&ids.1, END_USER)?;
    caller.require_admin()?;
    let values = state
        .store
        .patch_end_user_attributes(caller.workspace_id(), id, body.into(), state.now())
        .await
        .map_err(or_not_found(END_USER))?;
    Ok(axum::Json(attribute_values(values)))
}

/// Anonymize an end user: every personal value of it and of its conversations is forgotten,
/// at once and for good. Refused (409) while it has open conversations, unless `force=true`
/// closes them first. Asking again answers the first request.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/endusers/{endUserId}/anonymize",
    tag = "endusers", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("endUserId" = String, Path), ForceQuery),
    responses((status = 202, body = AnonymizationOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "open conversations and no force")))]
async fn anonymize_end_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Query(query): Query<ForceQuery>,
) -> ApiResult<(StatusCode, axum::Json<AnonymizationOut>)> {
    let id = path_id(&ids.1, END_USER)?;
    let request = anonymize(&state, &caller, id, query).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(request.into())))
}

pub(crate) async fn anonymize(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    query: ForceQuery,
) -> ApiResult<AnonymizationRequest> {
    caller.require_admin()?;
    let force = query.force.unwrap_or(false);
    state
        .store
        .anonymize_end_user(caller.workspace_id(), id, force, caller.key.id, state.now())
        .await
        .map_err(or_not_found(END_USER))
}

/// List the conversations of an end user, oldest first.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/endusers/{endUserId}/conversations",
    tag = "endusers", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("endUserId" = String, Path), Paging),
    responses((status = 200, body = Listed<ConversationOut>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_conversations(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Query(paging): Query<Paging>,
) -> ApiResult<axum::Json<Listed<ConversationOut>>> {
    let id = path_id(&ids.1, END_USER)?;
    if paging.reverse == Some(true) {
        return Err(ApiError::Invalid(
            "reverse: this list is always oldest first".into(),
        ));
    }
    let page = state
        .store
        .list_end_user_conversations(
            caller.workspace_id(),
            id,
            paging.cursor("createdAt")?,
            paging.limit()?,
        )
        .await
        .map_err(or_not_found(END_USER))?;
    Ok(axum::Json(Listed::from_page(page, ConversationOut::from)))
}
