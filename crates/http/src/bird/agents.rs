//! Agent Management: list, create, get, update and delete agents (and `me`), availability and
//! workload.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::agent::{AgentType, NewAgent};
use domain::availability::AvailabilityChange;
use domain::{Timestamp, Uuid};
use store::{AgentDetails, AgentFilter, AgentSort};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::*;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::{Json, Query, path_id};
use crate::native::{LIMIT_DEFAULT, parse_limit, parse_token};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_agents, create_agent))
        .routes(routes!(list_all_agents))
        .routes(routes!(get_me, update_me))
        .routes(routes!(get_agent, update_agent, delete_agent))
        .routes(routes!(get_availability, update_availability))
        .routes(routes!(get_workload))
}

type Out<T> = ApiResult<axum::Json<T>>;

const AGENT: &str = "Agent or workspace";
/// How many ids `agentIds` or `roleIds` may name (a page holds at most 100 agents).
const MAX_LISTED_IDS: usize = 100;

/// The filters and paging of List Agents.
struct ListQuery {
    filter: AgentFilter,
    sort: AgentSort,
    reverse: bool,
    limit: Option<usize>,
    token: Option<String>,
}

/// Reads List Agents' query. Arrays may be repeated (`agentIds=a&agentIds=b`), bracketed
/// (`agentIds[]=a`) or comma-separated.
fn parse_list_query(pairs: Vec<(String, String)>) -> ApiResult<ListQuery> {
    let mut filter = AgentFilter::default();
    let (mut sort, mut reverse, mut limit, mut token) = (AgentSort::default(), false, None, None);
    for (name, value) in pairs {
        let invalid = |what: &str| ApiError::Invalid(format!("{name}: {what}"));
        match name.trim_end_matches("[]") {
            "limit" => {
                limit = Some(parse_limit(Some(
                    value
                        .parse()
                        .map_err(|_| invalid("must be a whole number"))?,
                ))?)
            }
            "pageToken" => token = Some(value),
            "reverse" => {
                reverse = value
                    .parse()
                    .map_err(|_| invalid("must be true or false"))?
            }
            "sortBy" => {
                sort = AgentSort::parse(&value).ok_or_else(|| {
                    invalid("must be one of: createdAt, statusAssignedCount, assignedCount, name")
                })?
            }
            "agentStatuses" => {
                for status in value.split(',').filter(|s| !s.is_empty()) {
                    let presence = domain::availability::bird::presence(status.trim())
                        .ok_or_else(|| invalid("must be active, away or offline"))?;
                    filter.presences.push(presence);
                }
            }
            "name" => filter.name = Some(value),
            "email" => filter.email = Some(value),
            "roleIds" | "agentIds" => {
                let ids = value
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| Uuid::parse_str(s.trim()).map_err(|_| invalid("must be UUIDs")))
                    .collect::<ApiResult<Vec<_>>>()?;
                let list = if name.starts_with("role") {
                    &mut filter.role_ids
                } else {
                    &mut filter.agent_ids
                };
                list.extend(ids);
                if list.len() > MAX_LISTED_IDS {
                    return Err(invalid(&format!("at most {MAX_LISTED_IDS} ids")));
                }
            }
            "lastStatusActivitySince" | "lastStatusActivityUpto" => {
                let at = Timestamp::parse(&value)
                    .ok_or_else(|| invalid("must be an RFC 3339 date-time"))?;
                if name.ends_with("Since") {
                    filter.status_activity_since = Some(at)
                } else {
                    filter.status_activity_upto = Some(at)
                }
            }
            _ => {}
        }
    }
    Ok(ListQuery {
        filter,
        sort,
        reverse,
        limit,
        token,
    })
}

/// List Agents.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/agents", tag = "agents", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path),
        ("limit" = Option<i64>, Query, description = "1..100, default 10"),
        ("pageToken" = Option<String>, Query, description = "Opaque, at most 8000 characters"),
        ("reverse" = Option<bool>, Query),
        ("sortBy" = Option<String>, Query, description = "createdAt | statusAssignedCount | assignedCount | name"),
        ("name" = Option<String>, Query, description = "Part of the name, any case"),
        ("email" = Option<String>, Query, description = "Part of an e-mail address, any case"),
        ("roleIds" = Option<Vec<String>>, Query), ("lastStatusActivitySince" = Option<String>, Query),
        ("lastStatusActivityUpto" = Option<String>, Query),
        ("agentStatuses" = Option<Vec<String>>, Query, description = "active | away | offline"),
        ("agentIds" = Option<Vec<String>>, Query, description = "When given, the other filters are ignored")),
    responses((status = 200, body = AgentList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_agents(
    caller: Caller,
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Out<AgentList> {
    let ListQuery {
        filter,
        sort,
        reverse,
        limit,
        token,
    } = parse_list_query(pairs)?;
    let after = parse_token(token.as_deref(), sort.as_str())?;
    let limit = limit.unwrap_or(LIMIT_DEFAULT);
    let page = state
        .store
        .list_agents(caller.workspace_id(), filter, sort, reverse, after, limit)
        .await?;
    let now = state.now();
    Ok(axum::Json(AgentList {
        next_page_token: page.next.map(|c| c.token()),
        total: page.total,
        results: page
            .items
            .into_iter()
            .map(|d| AgentOut::new(d, now))
            .collect(),
    }))
}

/// Create Agent. 409 when the user is already an agent of the workspace.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/agents", tag = "agents", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path)), request_body = CreateAgentIn,
    responses((status = 201, body = AgentOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Agent already exists"),
        (status = 422, body = ErrorBody, description = "Invalid agent")))]
async fn create_agent(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<CreateAgentIn>,
) -> ApiResult<(StatusCode, axum::Json<AgentOut>)> {
    caller.require_admin()?;
    let now = state.now();
    let kind = match body.kind {
        AgentKind::User => AgentType::User,
        AgentKind::Bot => AgentType::Bot,
    };
    let (changes, status, team_ids) = body.fields.split();
    let mut new = NewAgent::build(
        caller.workspace_id(),
        kind,
        body.user_id,
        changes,
        team_ids.unwrap_or_default(),
        now,
    )?;
    if let Some(status) = status {
        let change = AvailabilityChange {
            presence: Some(status.presence()),
            ..Default::default()
        };
        new.agent.availability = new.agent.availability.apply(&change, now)?;
    }
    let details = state.store.create_agent(new).await?;
    Ok((StatusCode::CREATED, axum::Json(AgentOut::new(details, now))))
}

/// List All Agents, with minimal fields.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/all-agents", tag = "agents", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path)),
    responses((status = 200, body = MinimalAgentList), (status = 404, body = ErrorBody)))]
async fn list_all_agents(caller: Caller, State(state): State<AppState>) -> Out<MinimalAgentList> {
    let now = state.now();
    let agents = state.store.all_agents(caller.workspace_id()).await?;
    let results = agents
        .into_iter()
        .map(|a| {
            let availability = a.availability.at(now);
            MinimalAgentOut {
                id: a.id,
                status: domain::availability::bird::status(availability.presence),
                activity: availability.activity,
                name: a.name,
                avatar_url: a.profile.avatar_url,
                created_at: a.created_at,
            }
        })
        .collect();
    Ok(axum::Json(MinimalAgentList { results }))
}

/// An agent of the caller's workspace with everything its representation joins in.
async fn load(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<AgentDetails> {
    state
        .store
        .get_agent(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(AGENT))
}

async fn show(state: &AppState, caller: &Caller, id: Uuid) -> Out<AgentOut> {
    Ok(axum::Json(AgentOut::new(
        load(state, caller, id).await?,
        state.now(),
    )))
}

/// Changes an agent: profile fields, and `status` exactly as the availability endpoint would.
async fn change(state: &AppState, caller: &Caller, id: Uuid, body: AgentFieldsIn) -> Out<AgentOut> {
    caller.require_may_change(id)?;
    let (changes, status, team_ids) = body.split();
    if team_ids.is_some() {
        caller.require_admin()?;
    }
    changes.validate()?;
    let now = state.now();
    let details = state
        .store
        .update_agent(caller.workspace_id(), id, team_ids, now, move |agent| {
            changes.apply(agent);
            if let Some(status) = status {
                let change = AvailabilityChange {
                    presence: Some(status.presence()),
                    ..Default::default()
                };
                agent.availability = agent.availability.apply(&change, now)?;
            }
            Ok(())
        })
        .await
        .map_err(or_not_found(AGENT))?;
    state.router.roster_changed(caller.workspace_id()).await;
    Ok(axum::Json(AgentOut::new(details, now)))
}

/// Get Agent.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/agents/{agentId}", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("agentId" = String, Path)),
    responses((status = 200, body = AgentOut), (status = 404, body = ErrorBody, description = "Agent or workspace not found")))]
async fn get_agent(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> Out<AgentOut> {
    show(&state, &caller, path_id(&ids.1, AGENT)?).await
}

/// Update Agent.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/agents/{agentId}", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("agentId" = String, Path)),
    request_body = AgentFieldsIn,
    responses((status = 200, body = AgentOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_agent(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<AgentFieldsIn>,
) -> Out<AgentOut> {
    change(&state, &caller, path_id(&ids.1, AGENT)?, body).await
}

/// Delete Agent: its profile, memberships, keys and media go with it.
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/agents/{agentId}", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("agentId" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_agent(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = path_id(&ids.1, AGENT)?;
    caller.require_admin()?;
    state
        .store
        .delete_agent(caller.workspace_id(), id, state.now())
        .await
        .map_err(or_not_found(AGENT))?;
    super::media::forget_agent_files(&state, caller.workspace_id(), id).await;
    state.router.roster_changed(caller.workspace_id()).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Get Agent (the agent of the calling agent key).
#[utoipa::path(get, path = "/workspaces/{workspaceId}/agents/me", tag = "agents", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path)),
    responses((status = 200, body = AgentOut), (status = 404, body = ErrorBody)))]
async fn get_me(caller: Caller, State(state): State<AppState>) -> Out<AgentOut> {
    show(&state, &caller, caller.me()?).await
}

/// Update Agent (the agent of the calling agent key).
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/agents/me", tag = "agents", security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path)), request_body = AgentFieldsIn,
    responses((status = 200, body = AgentOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_me(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<AgentFieldsIn>,
) -> Out<AgentOut> {
    let me = caller.me()?;
    change(&state, &caller, me, body).await
}

/// Get Agent Availability.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/agents/{agentId}/availability", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("agentId" = String, Path)),
    responses((status = 200, body = AvailabilityOut), (status = 404, body = ErrorBody)))]
async fn get_availability(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> Out<AvailabilityOut> {
    let details = load(&state, &caller, path_id(&ids.1, AGENT)?).await?;
    Ok(axum::Json(
        (&details.agent.availability.at(state.now())).into(),
    ))
}

/// Update Agent Availability.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/agents/{agentId}/availability", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("agentId" = String, Path)),
    request_body = AvailabilityIn,
    responses((status = 200, body = AvailabilityOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_availability(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<AvailabilityIn>,
) -> Out<AvailabilityOut> {
    let id = path_id(&ids.1, AGENT)?;
    caller.require_may_change(id)?;
    let change = body.change();
    change.validate()?;
    let now = state.now();
    let details = state
        .store
        .update_agent(caller.workspace_id(), id, None, now, move |agent| {
            agent.availability = agent.availability.apply(&change, now)?;
            Ok(())
        })
        .await
        .map_err(or_not_found(AGENT))?;
    state.router.roster_changed(caller.workspace_id()).await;
    Ok(axum::Json((&details.agent.availability.at(now)).into()))
}

/// Get Agent Workload: open work per channel against the agent's capacity rule.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/agents/{agentId}/workload", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("agentId" = String, Path)),
    responses((status = 200, body = WorkloadOut), (status = 404, body = ErrorBody)))]
async fn get_workload(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> Out<WorkloadOut> {
    let details = load(&state, &caller, path_id(&ids.1, AGENT)?).await?;
    Ok(axum::Json((&details).into()))
}
