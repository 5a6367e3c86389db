//! Teams: `/workspaces/{workspaceId}/teams`, Bird's Team shape, with the team's members and
//! their presence.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::availability::{bird, connected};
use domain::team::{Team, TeamChanges};
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use store::{MEMBER_ORDER, MemberOutcome, Removal, TeamDetails, TeamMember};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Listed, Paging};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::nullable;
use crate::extract::{Json, Query, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, update_team, delete_team))
        .routes(routes!(list_members, add_members))
        .routes(routes!(remove_member))
        .routes(routes!(list_presence))
}

const TEAM: &str = "Team";

/// Refuses (422) a team that is not one of the workspace's, named by the request's `field`.
pub(crate) async fn require_team(
    state: &AppState,
    workspace_id: Uuid,
    id: Uuid,
    field: &str,
) -> Result<(), ApiError> {
    match state.store.get_team(workspace_id, id).await {
        Ok(_) => Ok(()),
        Err(store::StoreError::NotFound) => Err(ApiError::Invalid(format!(
            "{field}: team {id} does not exist"
        ))),
        Err(error) => Err(error.into()),
    }
}

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

/// A member of a team.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamMemberOut {
    agent_id: Uuid,
    name: String,
    member_since: Timestamp,
}

impl From<TeamMember> for TeamMemberOut {
    fn from(m: TeamMember) -> Self {
        Self {
            agent_id: m.agent_id,
            name: m.name,
            member_since: m.member_since,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamMembersIn {
    /// Agents of the workspace (at most 1000).
    agent_ids: Vec<Uuid>,
}

/// What became of each requested agent id, in the order given.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberResults {
    results: Vec<TeamMemberResult>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamMemberResult {
    agent_id: Uuid,
    /// `member` (now or already a member) or `unknownAgent` (no agent of the workspace).
    #[schema(example = "member")]
    outcome: &'static str,
}

impl From<MemberOutcome> for TeamMemberResult {
    fn from(outcome: MemberOutcome) -> Self {
        let (agent_id, outcome) = match outcome {
            MemberOutcome::Member(id) => (id, "member"),
            MemberOutcome::Removed(id) => (id, "removed"),
            MemberOutcome::UnknownAgent(id) => (id, "unknownAgent"),
        };
        Self { agent_id, outcome }
    }
}

/// The presence of one member as it stands now.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamPresenceOut {
    agent_id: Uuid,
    /// Bird's status: `active`, `away` or `offline`.
    status: &'static str,
    activity: String,
    /// `online` when the account is enabled and the agent is not offline.
    connection: &'static str,
    last_status_set: Timestamp,
}

impl TeamPresenceOut {
    fn new(member: TeamMember, now: Timestamp) -> Self {
        let availability = member.availability.at(now);
        let online = connected(member.account, availability.presence);
        Self {
            agent_id: member.agent_id,
            status: bird::status(availability.presence),
            activity: availability.activity,
            connection: if online { "online" } else { "offline" },
            last_status_set: availability.last_status_set,
        }
    }
}

/// One page of the team's members, in the order they joined.
async fn member_page(
    caller: &Caller,
    state: &AppState,
    team: &str,
    paging: &Paging,
) -> ApiResult<store::Page<TeamMember>> {
    let id = path_id(team, TEAM)?;
    state
        .store
        .team_members(
            caller.workspace_id(),
            id,
            paging.reverse.unwrap_or(false),
            paging.cursor(MEMBER_ORDER)?,
            Some(paging.limit()?),
        )
        .await
        .map_err(or_not_found(TEAM))
}

/// List a team's members, in the order they joined.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/teams/{teamId}/members", tag = "teams",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("teamId" = String, Path), Paging),
    responses((status = 200, body = Listed<TeamMemberOut>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_members(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Query(paging): Query<Paging>,
) -> ApiResult<axum::Json<Listed<TeamMemberOut>>> {
    let page = member_page(&caller, &state, &ids.1, &paging).await?;
    Ok(axum::Json(Listed::from_page(page, TeamMemberOut::from)))
}

/// Add agents to a team. Each id gets an outcome: `member` (also when it already was one) or
/// `unknownAgent`; unknown ids do not stop the others.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/teams/{teamId}/members", tag = "teams",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("teamId" = String, Path)), request_body = TeamMembersIn,
    responses((status = 200, body = TeamMemberResults), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_members(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<TeamMembersIn>,
) -> ApiResult<axum::Json<TeamMemberResults>> {
    let id = path_id(&ids.1, TEAM)?;
    caller.require_admin()?;
    let outcomes = state
        .store
        .add_team_members(caller.workspace_id(), id, body.agent_ids, state.now())
        .await
        .map_err(or_not_found(TEAM))?;
    state.router.roster_changed(caller.workspace_id()).await;
    Ok(axum::Json(TeamMemberResults {
        results: outcomes.into_iter().map(TeamMemberResult::from).collect(),
    }))
}

/// Remove an agent from a team; the agent stays.
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/teams/{teamId}/members/{agentId}",
    tag = "teams", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("teamId" = String, Path), ("agentId" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_member(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let team = path_id(&ids.1, TEAM)?;
    let agent = path_id(&ids.2, "Member")?;
    caller.require_admin()?;
    let removal = state
        .store
        .remove_team_members(caller.workspace_id(), team, vec![agent])
        .await
        .map_err(or_not_found(TEAM))?;
    // An id that is no agent of the workspace is no member either.
    let was_member = matches!(&removal, Removal::Removed(removed) if !removed.is_empty());
    if !was_member {
        return Err(ApiError::NotFound(format!(
            "agent {agent} is not a member of this team"
        )));
    }
    state.router.roster_changed(caller.workspace_id()).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The presence of every member of a team, as it stands now.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/teams/{teamId}/presence", tag = "teams",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("teamId" = String, Path), Paging),
    responses((status = 200, body = Listed<TeamPresenceOut>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_presence(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Query(paging): Query<Paging>,
) -> ApiResult<axum::Json<Listed<TeamPresenceOut>>> {
    let page = member_page(&caller, &state, &ids.1, &paging).await?;
    let now = state.now();
    Ok(axum::Json(Listed::from_page(page, |m| {
        TeamPresenceOut::new(m, now)
    })))
}
