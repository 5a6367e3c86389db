//! Tags: `/workspaces/{workspaceId}/tags`. A tag's `state` is `active` or `inactive`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::tag::{Tag, TagChanges};
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use store::NewTag;
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
        .routes(routes!(list_tags, create_tag))
        .routes(routes!(get_tag, update_tag, delete_tag))
}

const TAG: &str = "Tag";
const STATES: [&str; 2] = ["active", "inactive"];

/// `active` → true, `inactive` → false; anything else is refused naming the field.
fn parse_state(field: &str, state: &str) -> Result<bool, ApiError> {
    match state {
        "active" => Ok(true),
        "inactive" => Ok(false),
        _ => Err(ApiError::Invalid(format!(
            "{field}: must be one of: {}",
            STATES.join(", ")
        ))),
    }
}

fn state_of(active: bool) -> &'static str {
    STATES[usize::from(!active)]
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagIn {
    /// 1..100 characters, unique in the workspace whatever the case; required on create.
    name: Option<String>,
    /// 1..32 characters, such as `#ff0000`; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    color: Option<Option<String>>,
    /// `active` or `inactive`.
    state: Option<String>,
}

impl TagIn {
    fn changes(self) -> Result<TagChanges, ApiError> {
        Ok(TagChanges {
            name: self.name,
            color: self.color,
            active: self.state.map(|s| parse_state("state", &s)).transpose()?,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagOut {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    color: Option<String>,
    /// `active` or `inactive`: an inactive tag stays where it is but cannot be newly applied.
    state: &'static str,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<Tag> for TagOut {
    fn from(t: Tag) -> Self {
        Self {
            id: t.id,
            workspace_id: t.workspace_id,
            name: t.name,
            color: t.color,
            state: state_of(t.active),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StateFilter {
    /// Only `active` or only `inactive` tags; all when absent.
    state: Option<String>,
}

/// List tags.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/tags", tag = "tags", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), Paging, StateFilter),
    responses((status = 200, body = Listed<TagOut>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_tags(
    caller: Caller,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
    Query(filter): Query<StateFilter>,
) -> ApiResult<axum::Json<Listed<TagOut>>> {
    let active = filter.state.map(|s| parse_state("state", &s)).transpose()?;
    let page = state
        .store
        .list_tags(
            caller.workspace_id(),
            active,
            paging.reverse.unwrap_or(false),
            paging.cursor("createdAt")?,
            paging.limit()?,
        )
        .await?;
    Ok(axum::Json(Listed::from_page(page, TagOut::from)))
}

/// Create a tag. A name the workspace already has (whatever the case) is a conflict naming the
/// existing tag.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/tags", tag = "tags", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path)), request_body = TagIn,
    responses((status = 201, body = TagOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_tag(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<TagIn>,
) -> ApiResult<(StatusCode, axum::Json<TagOut>)> {
    caller.require_admin()?;
    let tag = Tag::build(caller.workspace_id(), body.changes()?, state.now())?;
    match state.store.create_tag(tag).await? {
        NewTag::Created(tag) => Ok((StatusCode::CREATED, axum::Json(tag.into()))),
        NewTag::Existing(tag) => Err(store::tag_name_taken(&tag).into()),
    }
}

/// Get a tag.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/tags/{tagId}", tag = "tags", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("tagId" = String, Path)),
    responses((status = 200, body = TagOut), (status = 404, body = ErrorBody)))]
async fn get_tag(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<TagOut>> {
    let id = path_id(&ids.1, TAG)?;
    let tag = state
        .store
        .get_tag(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(TAG))?;
    Ok(axum::Json(tag.into()))
}

/// Update a tag: its name, color or state.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/tags/{tagId}", tag = "tags", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("tagId" = String, Path)), request_body = TagIn,
    responses((status = 200, body = TagOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_tag(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<TagIn>,
) -> ApiResult<axum::Json<TagOut>> {
    let id = path_id(&ids.1, TAG)?;
    caller.require_admin()?;
    let tag = state
        .store
        .update_tag(caller.workspace_id(), id, body.changes()?, state.now())
        .await
        .map_err(or_not_found(TAG))?;
    Ok(axum::Json(tag.into()))
}

/// Delete a tag; it comes off every conversation that carried it.
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/tags/{tagId}", tag = "tags", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("tagId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_tag(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = path_id(&ids.1, TAG)?;
    caller.require_admin()?;
    state
        .store
        .delete_tag(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(TAG))?;
    Ok(StatusCode::NO_CONTENT)
}
