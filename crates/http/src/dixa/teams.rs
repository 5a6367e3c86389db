//! Dixa's Teams (`/v1/teams`): teams, their members and the members' presence, over the same
//! teams as the native API.

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::availability::dixa;
use domain::team::{Team, TeamChanges};
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use store::{MEMBER_ORDER, MemberOutcome, Removal, TeamMember};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{BulkError, BulkOutcome, Data, DixaError, PageQuery, Paged, data};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, or_not_found};
use crate::extract::{Json, Query, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, delete_team))
        .routes(routes!(list_members, add_members, remove_members))
        .routes(routes!(list_presence))
}

const TEAM: &str = "Team";

/// Dixa's `Team`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DixaTeam)]
pub struct TeamOut {
    id: Uuid,
    name: String,
}

impl From<Team> for TeamOut {
    fn from(team: Team) -> Self {
        Self {
            id: team.id,
            name: team.name,
        }
    }
}

/// Dixa's `CreateTeamInput`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DixaCreateTeamInput)]
pub struct CreateTeamIn {
    /// 1..100 characters.
    name: Option<String>,
}

/// Dixa's `TeamMember`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DixaTeamMember)]
pub struct MemberOut {
    id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
}

impl From<TeamMember> for MemberOut {
    fn from(m: TeamMember) -> Self {
        Self {
            id: m.agent_id,
            name: Some(m.name),
            email: m.email,
            phone_number: m.phone_number,
        }
    }
}

/// Dixa's `AgentsToTeamInput`: agent ids as strings, so that one that is not a UUID fails
/// alone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DixaAgentsToTeamInput)]
pub struct AddMembersIn {
    #[serde(default)]
    agent_ids: Vec<String>,
}

/// Dixa's `DeleteAgentsFromTeamInput`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DixaDeleteAgentsFromTeamInput)]
pub struct RemoveMembersIn {
    #[serde(default)]
    agent_ids: Vec<Uuid>,
}

/// Dixa's `UserPresence`. Times are UTC with milliseconds and no zone, as Dixa's examples
/// write them (`2021-12-01T12:46:35.935`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DixaUserPresence)]
pub struct UserPresenceOut {
    user_id: Uuid,
    #[schema(example = "2021-12-01T12:46:35.935")]
    request_time: String,
    /// When the agent's status last changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "2021-12-01T12:46:35.935")]
    last_seen: Option<String>,
    /// `Working` or `Away`; absent while offline.
    #[serde(skip_serializing_if = "Option::is_none")]
    presence_status: Option<&'static str>,
    /// `Online` or `Offline`.
    connection_status: &'static str,
}

impl UserPresenceOut {
    fn new(member: TeamMember, now: Timestamp) -> Self {
        let presence = dixa::presence(member.account, &member.availability, now);
        Self {
            user_id: member.agent_id,
            request_time: zoneless(now),
            last_seen: Some(zoneless(member.availability.at(now).last_status_set)),
            presence_status: presence.presence_status,
            connection_status: presence.connection_status,
        }
    }
}

/// A UTC time as Dixa's presence examples write it: milliseconds, no zone.
fn zoneless(at: Timestamp) -> String {
    let mut text = at.to_rfc3339();
    text.pop(); // the `Z`
    text
}

/// The team's id from the path: not a UUID, not found.
fn team_id(text: &str) -> ApiResult<Uuid> {
    path_id(text, TEAM)
}

/// Lists all teams in an organization.
#[utoipa::path(get, path = "/v1/teams", tag = "dixa-teams", operation_id = "Teams_listAll",
    security(("workspaceKey" = [])),
    responses((status = 200, body = Data<Vec<TeamOut>>), (status = 400, body = DixaError)))]
async fn list_teams(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Data<Vec<TeamOut>>>> {
    let teams = state.store.all_teams(caller.workspace_id()).await?;
    Ok(data(teams.into_iter().map(TeamOut::from).collect()))
}

/// Create a team.
#[utoipa::path(post, path = "/v1/teams", tag = "dixa-teams", operation_id = "Teams_createTeam",
    security(("workspaceKey" = [])), request_body = CreateTeamIn,
    responses((status = 201, body = Data<TeamOut>), (status = 400, body = DixaError),
        (status = 403, body = DixaError)))]
async fn create_team(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<CreateTeamIn>,
) -> ApiResult<(StatusCode, axum::Json<Data<TeamOut>>)> {
    caller.require_admin()?;
    let changes = TeamChanges {
        name: body.name,
        ..Default::default()
    };
    let team = Team::build(caller.workspace_id(), changes, state.now())?;
    let created = state.store.create_team(team).await?;
    Ok((StatusCode::CREATED, data(created.team.into())))
}

/// Get a team by id.
#[utoipa::path(get, path = "/v1/teams/{teamId}", tag = "dixa-teams", operation_id = "Teams_getById",
    security(("workspaceKey" = [])), params(("teamId" = String, Path)),
    responses((status = 200, body = Data<TeamOut>), (status = 404, body = DixaError)))]
async fn get_team(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Data<TeamOut>>> {
    let id = team_id(&id)?;
    let details = state
        .store
        .get_team(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(TEAM))?;
    Ok(data(details.team.into()))
}

/// Delete a team; its members stay agents.
#[utoipa::path(delete, path = "/v1/teams/{teamId}", tag = "dixa-teams", operation_id = "Teams_removeTeam",
    security(("workspaceKey" = [])), params(("teamId" = String, Path)),
    responses((status = 204), (status = 403, body = DixaError), (status = 404, body = DixaError)))]
async fn delete_team(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = team_id(&id)?;
    caller.require_admin()?;
    state
        .store
        .delete_team(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(TEAM))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists all agents/admins in a team, in the order they joined.
#[utoipa::path(get, path = "/v1/teams/{teamId}/agents", tag = "dixa-teams", operation_id = "Teams_listMembers",
    security(("workspaceKey" = [])), params(("teamId" = String, Path)),
    responses((status = 200, body = Data<Vec<MemberOut>>), (status = 404, body = DixaError)))]
async fn list_members(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Data<Vec<MemberOut>>>> {
    let id = team_id(&id)?;
    let members = state
        .store
        .team_members(caller.workspace_id(), id, false, None, None)
        .await
        .map_err(or_not_found(TEAM))?;
    Ok(data(
        members.items.into_iter().map(MemberOut::from).collect(),
    ))
}

/// Add agents/admins to a team: one outcome per requested id, in order. An id that is not a
/// UUID fails with `Validation`, one that is no agent with `NotFound`; neither stops the others.
#[utoipa::path(patch, path = "/v1/teams/{teamId}/agents", tag = "dixa-teams", operation_id = "Teams_addMembers",
    security(("workspaceKey" = [])), params(("teamId" = String, Path)), request_body = AddMembersIn,
    responses((status = 200, body = Data<Vec<BulkOutcome>>), (status = 400, body = DixaError),
        (status = 403, body = DixaError), (status = 404, body = DixaError)))]
async fn add_members(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<AddMembersIn>,
) -> ApiResult<axum::Json<Data<Vec<BulkOutcome>>>> {
    let id = team_id(&id)?;
    caller.require_admin()?;
    let parsed: Vec<Result<Uuid, String>> = body
        .agent_ids
        .into_iter()
        .map(|text| Uuid::parse_str(&text).map_err(|_| text))
        .collect();
    let valid: Vec<Uuid> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .copied()
        .collect();
    let unknown: HashSet<Uuid> = state
        .store
        .add_team_members(caller.workspace_id(), id, valid, state.now())
        .await
        .map_err(or_not_found(TEAM))?
        .into_iter()
        .filter_map(|outcome| match outcome {
            MemberOutcome::UnknownAgent(id) => Some(id),
            _ => None,
        })
        .collect();
    let results = parsed
        .into_iter()
        .map(|requested| match requested {
            Ok(id) if unknown.contains(&id) => failure(BulkError::NotFound {
                id: id.to_string(),
                message: "User not found".into(),
            }),
            Ok(id) => BulkOutcome::BulkActionSuccess { data: id },
            Err(text) => failure(BulkError::Validation {
                id: text,
                message: "Invalid value for: agentIds (not a UUID)".into(),
            }),
        })
        .collect();
    state.router.roster_changed(caller.workspace_id()).await;
    Ok(data(results))
}

fn failure(error: BulkError) -> BulkOutcome {
    BulkOutcome::BulkActionFailure { error }
}

/// Remove agents/admins from a team. Every id must be an agent: an unknown one is not found
/// and nothing is removed. Agents who are not members are no error.
#[utoipa::path(delete, path = "/v1/teams/{teamId}/agents", tag = "dixa-teams", operation_id = "Teams_removeMembers",
    security(("workspaceKey" = [])), params(("teamId" = String, Path)), request_body = RemoveMembersIn,
    responses((status = 204), (status = 400, body = DixaError), (status = 403, body = DixaError),
        (status = 404, body = DixaError)))]
async fn remove_members(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<RemoveMembersIn>,
) -> ApiResult<StatusCode> {
    let id = team_id(&id)?;
    caller.require_admin()?;
    let removal = state
        .store
        .remove_team_members(caller.workspace_id(), id, body.agent_ids)
        .await
        .map_err(or_not_found(TEAM))?;
    state.router.roster_changed(caller.workspace_id()).await;
    match removal {
        Removal::Removed(_) => Ok(StatusCode::NO_CONTENT),
        Removal::UnknownAgent(agent) => Err(ApiError::NotFound(format!("User not found: {agent}"))),
    }
}

/// List the presence status of all agents/admins in a team, as it stands now.
#[utoipa::path(get, path = "/v1/teams/{teamId}/presence", tag = "dixa-teams",
    operation_id = "Teams_listPresenceStatus", security(("workspaceKey" = [])),
    params(("teamId" = String, Path), PageQuery),
    responses((status = 200, body = Paged<UserPresenceOut>), (status = 400, body = DixaError),
        (status = 404, body = DixaError)))]
async fn list_presence(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(paging): Query<PageQuery>,
) -> ApiResult<axum::Json<Paged<UserPresenceOut>>> {
    let id = team_id(&id)?;
    let limit = paging.limit()?;
    let page = state
        .store
        .team_members(
            caller.workspace_id(),
            id,
            false,
            paging.cursor(MEMBER_ORDER)?,
            Some(limit),
        )
        .await
        .map_err(or_not_found(TEAM))?;
    let now = state.now();
    let path = format!("/v1/teams/{id}/presence");
    Ok(axum::Json(Paged::from_page(page, &path, limit, |m| {
        UserPresenceOut::new(m, now)
    })))
}
