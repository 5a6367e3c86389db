//! Teams: `/workspaces/{workspaceId}/teams`, Bird's Team shape.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::team::{Team, TeamChanges};
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use store::TeamDetails;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Listed, Paging};
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody, or_not_found};
use crate::extract::nullable;
use crate::extract::{Json, Query, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, update_team, delete_team))
}

const TEAM: &str = "Team";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamIn {
    /// 1..100 characters; required on create.
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// `public` or `private`.
    visibility: Option<String>,
    /// `open`, `request-to-join` or `invite-only`.
    accessibility: Option<String>,
    hide_from_views: Option<bool>,
}

impl From<TeamIn> for TeamChanges {
    fn from(t: TeamIn) -> Self {
        TeamChanges {
            name: t.name,
            description: t.description,
            visibility: t.visibility,
            accessibility: t.accessibility,
            hide_from_views: t.hide_from_views,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamOut {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    description: Option<String>,
    visibility: String,
    accessibility: String,
    active_member_count: i64,
    pending_member_count: i64,
    /// A few members' agent ids.
    featured_members: Vec<Uuid>,
    hide_from_views: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<TeamDetails> for TeamOut {
    fn from(d: TeamDetails) -> Self {
        let t = d.team;
        Self {
            id: t.id,
            workspace_id: t.workspace_id,
            name: t.name,
            description: t.description,
            visibility: t.visibility,
            accessibility: t.accessibility,
            active_member_count: d.active_member_count,
            pending_member_count: 0,
            featured_members: d.featured_members,
            hide_from_views: t.hide_from_views,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// List teams.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/teams", tag = "teams", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), Paging),
    responses((status = 200, body = Listed<TeamOut>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_teams(
    caller: Caller,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
) -> ApiResult<axum::Json<Listed<TeamOut>>> {
    let page = state
        .store
        .list_teams(
            caller.workspace_id(),
            paging.reverse.unwrap_or(false),
            paging.cursor("createdAt")?,
            paging.limit()?,
        )
        .await?;
    Ok(axum::Json(Listed::from_page(page, TeamOut::from)))
}

/// Create a team.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/teams", tag = "teams", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path)), request_body = TeamIn,
    responses((status = 201, body = TeamOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_team(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<TeamIn>,
) -> ApiResult<(StatusCode, axum::Json<TeamOut>)> {
    caller.require_admin()?;
    let team = Team::build(caller.workspace_id(), body.into(), state.now())?;
    Ok((
        StatusCode::CREATED,
        axum::Json(state.store.create_team(team).await?.into()),
    ))
}

/// Get a team.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/teams/{teamId}", tag = "teams", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("teamId" = String, Path)),
    responses((status = 200, body = TeamOut), (status = 404, body = ErrorBody)))]
async fn get_team(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<TeamOut>> {
    let id = path_id(&ids.1, TEAM)?;
    Ok(axum::Json(
        state
            .store
            .get_team(caller.workspace_id(), id)
            .await
            .map_err(or_not_found(TEAM))?
            .into(),
    ))
}

/// Update a team.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/teams/{teamId}", tag = "teams", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("teamId" = String, Path)), request_body = TeamIn,
    responses((status = 200, body = TeamOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_team(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<TeamIn>,
) -> ApiResult<axum::Json<TeamOut>> {
    let id = path_id(&ids.1, TEAM)?;
    caller.require_admin()?;
    // The store checks the changes, for every surface that calls it.
    let changes = TeamChanges::from(body);
    let team = state
        .store
        .update_team(caller.workspace_id(), id, changes, state.now())
        .await
        .map_err(or_not_found(TEAM))?;
    Ok(axum::Json(team.into()))
}

/// Delete a team; its members stay agents.
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/teams/{teamId}", tag = "teams", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("teamId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_team(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = path_id(&ids.1, TEAM)?;
    caller.require_admin()?;
    state
        .store
        .delete_team(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(TEAM))?;
    Ok(StatusCode::NO_CONTENT)
}
