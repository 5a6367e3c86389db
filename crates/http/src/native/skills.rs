//! Skills: `/workspaces/{workspaceId}/skills`, Bird's Skill shape (`valueType` single or
//! multiple, with values).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::skill::{Skill, SkillChanges, SkillValueInput};
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Listed, Paging};
use crate::auth::Caller;
use crate::bird::dto::SkillValueOut;
use crate::error::{ApiResult, ErrorBody, or_not_found};
use crate::extract::nullable;
use crate::extract::{Json, Query, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_skills, create_skill))
        .routes(routes!(get_skill, update_skill, delete_skill))
}

const SKILL: &str = "Skill";

#[derive(Debug, Deserialize, ToSchema)]
pub struct SkillValueIn {
    /// Keep an existing value's id to keep the agents that hold it.
    id: Option<Uuid>,
    value: String,
    icon: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkillIn {
    /// Required on create.
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// `single` (one value per agent) or `multiple`.
    value_type: Option<String>,
    /// Replaces the values.
    values: Option<Vec<SkillValueIn>>,
}

impl From<SkillIn> for SkillChanges {
    fn from(s: SkillIn) -> Self {
        SkillChanges {
            name: s.name,
            description: s.description,
            value_type: s.value_type,
            values: s.values.map(|values| {
                values
                    .into_iter()
                    .map(|v| SkillValueInput {
                        id: v.id,
                        value: v.value,
                        icon: v.icon,
                    })
                    .collect()
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkillOut {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    description: Option<String>,
    value_type: String,
    values: Vec<SkillValueOut>,
    created_at: Timestamp,
    created_by: Option<Uuid>,
    updated_at: Timestamp,
    updated_by: Option<Uuid>,
}

impl From<Skill> for SkillOut {
    fn from(s: Skill) -> Self {
        Self {
            id: s.id,
            workspace_id: s.workspace_id,
            name: s.name,
            description: s.description,
            value_type: s.value_type,
            values: s.values.into_iter().map(SkillValueOut::from).collect(),
            created_at: s.created_at,
            created_by: s.created_by,
            updated_at: s.updated_at,
            updated_by: s.updated_by,
        }
    }
}

/// Who made a change: the agent of an agent key, or the key itself.
fn author(caller: &Caller) -> Uuid {
    caller.key.agent_id.unwrap_or(caller.key.id)
}

/// List skills.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/skills", tag = "skills", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), Paging),
    responses((status = 200, body = Listed<SkillOut>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_skills(
    caller: Caller,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
) -> ApiResult<axum::Json<Listed<SkillOut>>> {
    let page = state
        .store
        .list_skills(
            caller.workspace_id(),
            paging.reverse.unwrap_or(false),
            paging.cursor("createdAt")?,
            paging.limit()?,
        )
        .await?;
    Ok(axum::Json(Listed::from_page(page, SkillOut::from)))
}

/// Create a skill.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/skills", tag = "skills", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path)), request_body = SkillIn,
    responses((status = 201, body = SkillOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_skill(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<SkillIn>,
) -> ApiResult<(StatusCode, axum::Json<SkillOut>)> {
    caller.require_admin()?;
    let skill = Skill::build(
        caller.workspace_id(),
        body.into(),
        Some(author(&caller)),
        state.now(),
    )?;
    Ok((
        StatusCode::CREATED,
        axum::Json(state.store.create_skill(skill).await?.into()),
    ))
}

/// Get a skill.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/skills/{skillId}", tag = "skills", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("skillId" = String, Path)),
    responses((status = 200, body = SkillOut), (status = 404, body = ErrorBody)))]
async fn get_skill(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<SkillOut>> {
    let id = path_id(&ids.1, SKILL)?;
    Ok(axum::Json(
        state
            .store
            .get_skill(caller.workspace_id(), id)
            .await
            .map_err(or_not_found(SKILL))?
            .into(),
    ))
}

/// Update a skill.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/skills/{skillId}", tag = "skills", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("skillId" = String, Path)), request_body = SkillIn,
    responses((status = 200, body = SkillOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_skill(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<SkillIn>,
) -> ApiResult<axum::Json<SkillOut>> {
    let id = path_id(&ids.1, SKILL)?;
    caller.require_admin()?;
    // The store checks the changes, for every surface that calls it.
    let changes = SkillChanges::from(body);
    let skill = state
        .store
        .update_skill(
            caller.workspace_id(),
            id,
            changes,
            Some(author(&caller)),
            state.now(),
        )
        .await
        .map_err(or_not_found(SKILL))?;
    Ok(axum::Json(skill.into()))
}

/// Delete a skill; agents that had it no longer show it.
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/skills/{skillId}", tag = "skills", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("skillId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_skill(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = path_id(&ids.1, SKILL)?;
    caller.require_admin()?;
    state
        .store
        .delete_skill(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(SKILL))?;
    Ok(StatusCode::NO_CONTENT)
}
