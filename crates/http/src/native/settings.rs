//! A workspace's routing settings: `GET`/`PATCH /workspaces/{workspaceId}/settings`.

use axum::extract::State;
use domain::tenancy::WorkspaceSettings;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, update_settings))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsOut {
    /// Agents are offered work only inside their `weeklySchedule` (in their `timezone`, UTC
    /// when they have none) and not on their `holidays`. Off by default: schedules are then
    /// shown but not acted on.
    enforce_schedules: bool,
}

impl From<WorkspaceSettings> for SettingsOut {
    fn from(s: WorkspaceSettings) -> Self {
        Self {
            enforce_schedules: s.enforce_schedules,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsIn {
    enforce_schedules: Option<bool>,
}

/// Get the workspace's routing settings.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/settings", tag = "settings",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path)),
    responses((status = 200, body = SettingsOut), (status = 404, body = ErrorBody)))]
async fn get_settings(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<SettingsOut>> {
    let settings = state
        .store
        .workspace_settings(caller.workspace_id())
        .await?;
    Ok(axum::Json(settings.into()))
}

/// Change the workspace's routing settings (an admin key); routing acts on them before the answer.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/settings", tag = "settings",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path)), request_body = SettingsIn,
    responses((status = 200, body = SettingsOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_settings(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<SettingsIn>,
) -> ApiResult<axum::Json<SettingsOut>> {
    caller.require_admin()?;
    let settings = state
        .store
        .update_workspace_settings(caller.workspace_id(), body.enforce_schedules)
        .await?;
    state.router.roster_changed(caller.workspace_id()).await;
    Ok(axum::Json(settings.into()))
}
