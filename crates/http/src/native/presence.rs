//! An agent's presence, with what happens to its work when it steps away:
//! `PUT /workspaces/{workspaceId}/agents/{agentId}/presence` (and `…/agents/me/presence`); and
//! `GET` of the same paths, the state routing drives as well: `ringing` while an offer is out,
//! `busy` while the agent holds work (VoIPBIN's words).
//!
//! Bird's availability endpoint sets presence too (and routing hears of it at once, as of every
//! change to an agent); this one can also move the agent's conversations to a team, as
//! Sendbird's connection change does with `groupKeyForTransfer`.

use axum::extract::{Path, State};
use domain::Uuid;
use domain::availability::{AvailabilityChange, Presence, voipbin};
use routing::{Command, Decision, Rejection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::{Json, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_presence, get_presence))
        .routes(routes!(set_my_presence, get_my_presence))
}

const AGENT: &str = "Agent";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PresenceIn {
    /// `available`, `away` or `offline`.
    presence: String,
    /// When going away or offline: the team whose members take over the agent's assigned
    /// conversations. Without it the agent keeps them.
    transfer_to_team_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PresenceOut {
    presence: String,
    /// The conversations taken from the agent and routed again in the team.
    transferred_conversation_ids: Vec<Uuid>,
}

/// An agent's state as routing sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StateOut {
    /// `available`, `away` or `offline`: what the agent chose.
    presence: String,
    /// The activity while available (`available` takes work; others, like `inMeeting`, do not).
    activity: String,
    /// What routing knows the agent is doing: `idle`, `offered`, `engaged` or `wrap_up`.
    work: String,
    /// Both in one word, as VoIPBIN shows an agent: `available`, `ringing` (an offer is out),
    /// `busy` (holding or wrapping up work), `away` or `offline`.
    status: String,
}

/// Get an agent's presence and what routing has it doing.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/agents/{agentId}/presence", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("agentId" = String, Path)),
    responses((status = 200, body = StateOut), (status = 404, body = ErrorBody)))]
async fn get_presence(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<StateOut>> {
    let id = path_id(&ids.1, AGENT)?;
    show(&state, &caller, id).await
}

/// Get the presence of the calling agent key's agent, and what routing has it doing.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/agents/me/presence", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path)),
    responses((status = 200, body = StateOut), (status = 404, body = ErrorBody)))]
async fn get_my_presence(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<StateOut>> {
    let me = caller.me()?;
    show(&state, &caller, me).await
}

async fn show(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<axum::Json<StateOut>> {
    let details = state
        .store
        .get_agent(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(AGENT))?;
    let agent = &details.agent;
    let now = state.now();
    let availability = agent.availability.at(now);
    Ok(axum::Json(StateOut {
        status: voipbin::status(agent.account, &availability, agent.work, now).into(),
        presence: availability.presence.as_str().into(),
        activity: availability.activity,
        work: agent.work.as_str().into(),
    }))
}

/// Set an agent's presence; going away or offline cancels its offers at once and, with
/// `transferToTeamId`, moves its assigned conversations to that team.
#[utoipa::path(put, path = "/workspaces/{workspaceId}/agents/{agentId}/presence", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("agentId" = String, Path)),
    request_body = PresenceIn,
    responses((status = 200, body = PresenceOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_presence(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<PresenceIn>,
) -> ApiResult<axum::Json<PresenceOut>> {
    let id = path_id(&ids.1, AGENT)?;
    change(&state, &caller, id, body).await
}

/// Set the presence of the calling agent key's agent.
#[utoipa::path(put, path = "/workspaces/{workspaceId}/agents/me/presence", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path)),
    request_body = PresenceIn,
    responses((status = 200, body = PresenceOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_my_presence(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<PresenceIn>,
) -> ApiResult<axum::Json<PresenceOut>> {
    let me = caller.me()?;
    change(&state, &caller, me, body).await
}

async fn change(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    body: PresenceIn,
) -> ApiResult<axum::Json<PresenceOut>> {
    caller.require_may_change(id)?;
    let ws = caller.workspace_id();
    let presence = Presence::parse(&body.presence).ok_or_else(|| {
        ApiError::Invalid("presence: must be one of available, away, offline".into())
    })?;
    let team = body.transfer_to_team_id;
    if team.is_some() && presence == Presence::Available {
        return Err(ApiError::Invalid(
            "transferToTeamId: only when going away or offline".into(),
        ));
    }
    if let Some(team) = team {
        super::teams::require_team(state, ws, team, "transferToTeamId").await?;
    }
    if presence != Presence::Available {
        // Stepping away is routed: where another node routes the workspace, the request goes
        // there (see `crate::forward`) before anything is written here.
        state.router.route_here(ws).await?;
    }
    let now = state.now();
    let change = AvailabilityChange {
        presence: Some(presence),
        ..Default::default()
    };
    state
        .store
        .update_agent(ws, id, None, now, move |agent| {
            agent.availability = agent.availability.apply(&change, now)?;
            Ok(())
        })
        .await
        .map_err(or_not_found(AGENT))?;
    let transferred = match presence {
        Presence::Available => {
            state.router.roster_changed(ws).await;
            Vec::new()
        }
        Presence::Away | Presence::Offline => step_away(state, ws, id, team).await?,
    };
    Ok(axum::Json(PresenceOut {
        presence: presence.as_str().into(),
        transferred_conversation_ids: transferred,
    }))
}

/// Tells routing the agent is away; answers the conversations moved to the team.
async fn step_away(
    state: &AppState,
    ws: Uuid,
    agent: Uuid,
    team: Option<Uuid>,
) -> ApiResult<Vec<Uuid>> {
    let command = Command::AgentAway {
        agent,
        transfer_to_team: team,
    };
    let decisions = match state.router.command(ws, command).await {
        Ok(decisions) => decisions,
        // Routing has not met the agent yet: it holds nothing to move.
        Err(router::RouteError::Rejected(Rejection::UnknownAgent)) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    Ok(decisions
        .into_iter()
        .filter_map(|d| match d {
            Decision::Requeued {
                conversation,
                from_agent: Some(from),
                ..
            } if from == agent => Some(conversation),
            _ => None,
        })
        .collect())
}
