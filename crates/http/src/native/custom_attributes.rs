//! Custom attribute definitions: `/workspaces/{workspaceId}/custom-attributes`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::custom_attribute::{
    CustomAttribute, CustomAttributeChanges, EntityType, Input, InputChange, OptionInput,
};
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Listed, Paging};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::{Json, Query, nullable, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_attributes, create_attribute))
        .routes(routes!(get_attribute, update_attribute, delete_attribute))
}

const ATTRIBUTE: &str = "Custom attribute";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomAttributeIn {
    /// `contact` (end users) or `conversation`; required on create, never changes.
    entity_type: Option<String>,
    /// 1..100 characters; required on create.
    name: Option<String>,
    /// Unique per workspace and entity type: lowercase letters, digits, `_` and `-`, 1..64;
    /// required on create.
    identifier: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// Text (the default) or select with options; the kind never changes.
    input: Option<InputIn>,
    is_required: Option<bool>,
    /// An archived attribute keeps its values but takes no new ones.
    is_archived: Option<bool>,
    /// As archived.
    is_deactivated: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
enum InputIn {
    Text {
        placeholder: Option<String>,
    },
    /// A value is a list of option `value`s.
    Select {
        options: Vec<OptionIn>,
    },
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct OptionIn {
    /// An existing option's id keeps it; leave it out for a new option.
    id: Option<Uuid>,
    label: String,
    value: String,
    #[serde(default)]
    is_deactivated: bool,
}

impl From<CustomAttributeIn> for CustomAttributeChanges {
    fn from(a: CustomAttributeIn) -> Self {
        let input = a.input.map(|input| match input {
            InputIn::Text { placeholder } => InputChange::Text { placeholder },
            InputIn::Select { options } => InputChange::Select {
                options: options
                    .into_iter()
                    .map(|o| OptionInput {
                        id: o.id,
                        label: o.label,
                        value: o.value,
                        is_deactivated: o.is_deactivated,
                    })
                    .collect(),
            },
        });
        CustomAttributeChanges {
            entity_type: a.entity_type,
            name: a.name,
            identifier: a.identifier,
            description: a.description,
            input,
            is_required: a.is_required,
            is_archived: a.is_archived,
            is_deactivated: a.is_deactivated,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomAttributeOut {
    id: Uuid,
    workspace_id: Uuid,
    /// `contact` or `conversation`.
    entity_type: &'static str,
    name: String,
    identifier: String,
    description: Option<String>,
    input: Input,
    is_required: bool,
    is_archived: bool,
    is_deactivated: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<CustomAttribute> for CustomAttributeOut {
    fn from(a: CustomAttribute) -> Self {
        Self {
            id: a.id,
            workspace_id: a.workspace_id,
            entity_type: a.entity_type.as_str(),
            name: a.name,
            identifier: a.identifier,
            description: a.description,
            input: a.input,
            is_required: a.is_required,
            is_archived: a.is_archived,
            is_deactivated: a.is_deactivated,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct AttributeFilter {
    /// `contact` or `conversation`.
    entity_type: Option<String>,
}

/// List custom attribute definitions.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/custom-attributes", tag = "custom-attributes",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), Paging, AttributeFilter),
    responses((status = 200, body = Listed<CustomAttributeOut>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_attributes(
    caller: Caller,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
    Query(filter): Query<AttributeFilter>,
) -> ApiResult<axum::Json<Listed<CustomAttributeOut>>> {
    let entity_type = filter
        .entity_type
        .map(|t| {
            EntityType::parse(&t).ok_or_else(|| {
                ApiError::Invalid("entityType: must be one of: contact, conversation".into())
            })
        })
        .transpose()?;
    let page = state
        .store
        .list_custom_attributes(
            caller.workspace_id(),
            entity_type,
            paging.reverse.unwrap_or(false),
            paging.cursor("createdAt")?,
            paging.limit()?,
        )
        .await?;
    Ok(axum::Json(Listed::from_page(
        page,
        CustomAttributeOut::from,
    )))
}

/// Define a custom attribute.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/custom-attributes", tag = "custom-attributes",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path)), request_body = CustomAttributeIn,
    responses((status = 201, body = CustomAttributeOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_attribute(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<CustomAttributeIn>,
) -> ApiResult<(StatusCode, axum::Json<CustomAttributeOut>)> {
    caller.require_admin()?;
    let attribute = CustomAttribute::build(caller.workspace_id(), body.into(), state.now())?;
    let created = state.store.create_custom_attribute(attribute).await?;
    Ok((StatusCode::CREATED, axum::Json(created.into())))
}

/// Get a custom attribute definition.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/custom-attributes/{attributeId}",
    tag = "custom-attributes", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("attributeId" = String, Path)),
    responses((status = 200, body = CustomAttributeOut), (status = 404, body = ErrorBody)))]
async fn get_attribute(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<CustomAttributeOut>> {
    let id = path_id(&ids.1, ATTRIBUTE)?;
    let attribute = state
        .store
        .get_custom_attribute(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(ATTRIBUTE))?;
    Ok(axum::Json(attribute.into()))
}

/// Update a custom attribute definition (its entity type and kind of input stay).
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/custom-attributes/{attributeId}",
    tag = "custom-attributes", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("attributeId" = String, Path)),
    request_body = CustomAttributeIn,
    responses((status = 200, body = CustomAttributeOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_attribute(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<CustomAttributeIn>,
) -> ApiResult<axum::Json<CustomAttributeOut>> {
    let id = path_id(&ids.1, ATTRIBUTE)?;
    caller.require_admin()?;
    let attribute = state
        .store
        .update_custom_attribute(caller.workspace_id(), id, body.into(), state.now())
        .await
        .map_err(or_not_found(ATTRIBUTE))?;
    Ok(axum::Json(attribute.into()))
}

/// Delete a custom attribute definition and every end user's value of it.
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/custom-attributes/{attributeId}",
    tag = "custom-attributes", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("attributeId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_attribute(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = path_id(&ids.1, ATTRIBUTE)?;
    caller.require_admin()?;
    state
        .store
        .delete_custom_attribute(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(ATTRIBUTE))?;
    Ok(StatusCode::NO_CONTENT)
}
