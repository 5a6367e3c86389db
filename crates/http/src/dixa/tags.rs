//! Dixa's tags: `/v1/tags`. Creating a tag whose name exists answers the existing tag unchanged.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::Uuid;
use domain::tag::{Tag, TagChanges};
use serde::{Deserialize, Serialize};
use store::NewTag;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Data, DixaError, data};
use crate::auth::Caller;
use crate::error::{ApiResult, or_not_found};
use crate::extract::{Json, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tags, create_tag))
        .routes(routes!(get_tag))
        .routes(routes!(activate_tag))
        .routes(routes!(deactivate_tag))
}

const TAG: &str = "Tag";

/// Dixa's Tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct DixaTag {
    id: Uuid,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "#000000")]
    color: Option<String>,
    /// `Active` or `Inactive`.
    state: &'static str,
}

impl From<Tag> for DixaTag {
    fn from(t: Tag) -> Self {
        Self {
            id: t.id,
            name: t.name,
            color: t.color,
            state: if t.active { "Active" } else { "Inactive" },
        }
    }
}

/// Dixa's `CreateTagInput`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTagInput {
    name: String,
    color: Option<String>,
}

/// List every tag of the organization, active and inactive.
#[utoipa::path(get, path = "/v1/tags", tag = "dixa-tags", operation_id = "Tags_list", security(("workspaceKey" = [])),
    responses((status = 200, body = Data<Vec<DixaTag>>), (status = 400, body = DixaError)))]
async fn list_tags(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Data<Vec<DixaTag>>>> {
    let tags = state.store.all_tags(caller.workspace_id()).await?;
    Ok(data(tags.into_iter().map(DixaTag::from).collect()))
}

/// Create a tag, or answer the existing tag of that name (whatever the case) unchanged.
#[utoipa::path(post, path = "/v1/tags", tag = "dixa-tags", operation_id = "Tags_createTag", security(("workspaceKey" = [])),
    request_body = CreateTagInput,
    responses((status = 200, body = Data<DixaTag>), (status = 400, body = DixaError)))]
async fn create_tag(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<CreateTagInput>,
) -> ApiResult<axum::Json<Data<DixaTag>>> {
    caller.require_admin()?;
    let changes = TagChanges {
        name: Some(body.name),
        color: Some(body.color),
        active: None,
    };
    let tag = Tag::build(caller.workspace_id(), changes, state.now())?;
    let (NewTag::Created(tag) | NewTag::Existing(tag)) = state.store.create_tag(tag).await?;
    Ok(data(tag.into()))
}

/// Get a tag.
#[utoipa::path(get, path = "/v1/tags/{tagId}", tag = "dixa-tags", operation_id = "Tags_getById", security(("workspaceKey" = [])),
    params(("tagId" = String, Path)),
    responses((status = 200, body = Data<DixaTag>), (status = 404, body = DixaError)))]
async fn get_tag(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Data<DixaTag>>> {
    let id = path_id(&id, TAG)?;
    let tag = state
        .store
        .get_tag(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(TAG))?;
    Ok(data(tag.into()))
}

/// Activate a tag.
#[utoipa::path(patch, path = "/v1/tags/{tagId}/activate", tag = "dixa-tags", operation_id = "Tags_activateTag",
    security(("workspaceKey" = [])), params(("tagId" = String, Path)),
    responses((status = 204), (status = 404, body = DixaError)))]
async fn activate_tag(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    set_active(caller, state, &id, true).await
}

/// Deactivate a tag: it stays on what carries it but cannot be newly applied.
#[utoipa::path(patch, path = "/v1/tags/{tagId}/deactivate", tag = "dixa-tags", operation_id = "Tags_deactivateTag",
    security(("workspaceKey" = [])), params(("tagId" = String, Path)),
    responses((status = 204), (status = 404, body = DixaError)))]
async fn deactivate_tag(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    set_active(caller, state, &id, false).await
}

async fn set_active(
    caller: Caller,
    state: AppState,
    id: &str,
    active: bool,
) -> ApiResult<StatusCode> {
    let id = path_id(id, TAG)?;
    caller.require_admin()?;
    state
        .store
        .set_tag_active(caller.workspace_id(), id, active, state.now())
        .await
        .map_err(or_not_found(TAG))?;
    Ok(StatusCode::NO_CONTENT)
}
