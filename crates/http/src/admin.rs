//! The admin API: workspaces (the tenants) and their API keys, under the server admin token.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::Timestamp;
use domain::capacity::CapacityRule;
use domain::tenancy::{ApiKey, KeyRole, Workspace};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Admin, hash_secret, new_secret};
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::{Json, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_workspace, list_workspaces))
        .routes(routes!(create_api_key, list_api_keys))
        .routes(routes!(delete_api_key))
}

#[derive(Deserialize, ToSchema)]
pub struct WorkspaceIn {
    name: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceOut {
    id: String,
    name: String,
    created_at: Timestamp,
}

impl From<Workspace> for WorkspaceOut {
    fn from(w: Workspace) -> Self {
        Self {
            id: w.id.to_string(),
            name: w.name,
            created_at: w.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WorkspaceList {
    results: Vec<WorkspaceOut>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyIn {
    name: String,
    /// `admin` or `agent`.
    role: String,
    /// Required for an `agent` key: the agent the key acts as.
    agent_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyOut {
    id: String,
    name: String,
    role: String,
    agent_id: Option<String>,
    /// The secret; returned once, when the key is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    created_at: Timestamp,
}

impl ApiKeyOut {
    fn new(key: ApiKey, secret: Option<String>) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.name,
            role: key.role.as_str().to_owned(),
            agent_id: key.agent_id.map(|a| a.to_string()),
            key: secret,
            created_at: key.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyList {
    results: Vec<ApiKeyOut>,
}

/// The id of a workspace that exists (404 otherwise).
async fn existing_workspace(state: &AppState, id: &str) -> ApiResult<domain::Uuid> {
    let id = path_id(id, "Workspace")?;
    state
        .store
        .get_workspace(id)
        .await
        .map_err(or_not_found("Workspace"))?;
    Ok(id)
}

/// Create a workspace, with its default capacity rule.
#[utoipa::path(post, path = "/admin/workspaces", tag = "admin", security(("adminToken" = [])),
    request_body = WorkspaceIn,
    responses((status = 201, body = WorkspaceOut), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_workspace(
    _: Admin,
    State(state): State<AppState>,
    Json(body): Json<WorkspaceIn>,
) -> ApiResult<(StatusCode, axum::Json<WorkspaceOut>)> {
    let now = state.now();
    let workspace = Workspace::build(&body.name, now)?;
    let rule = CapacityRule::workspace_default(workspace.id, now);
    let workspace = state.store.create_workspace(workspace, rule).await?;
    Ok((StatusCode::CREATED, axum::Json(workspace.into())))
}

/// List every workspace.
#[utoipa::path(get, path = "/admin/workspaces", tag = "admin", security(("adminToken" = [])),
    responses((status = 200, body = WorkspaceList), (status = 401, body = ErrorBody)))]
async fn list_workspaces(
    _: Admin,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<WorkspaceList>> {
    let workspaces = state.store.list_workspaces().await?;
    Ok(axum::Json(WorkspaceList {
        results: workspaces.into_iter().map(Into::into).collect(),
    }))
}

/// Create an API key for a workspace; the secret `key` is shown only in this answer.
#[utoipa::path(post, path = "/admin/workspaces/{workspaceId}/api-keys", tag = "admin",
    security(("adminToken" = [])), params(("workspaceId" = String, Path)), request_body = ApiKeyIn,
    responses((status = 201, body = ApiKeyOut), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_api_key(
    _: Admin,
    State(state): State<AppState>,
    Path(workspace_id): Path<String>,
    Json(body): Json<ApiKeyIn>,
) -> ApiResult<(StatusCode, axum::Json<ApiKeyOut>)> {
    let workspace_id = existing_workspace(&state, &workspace_id).await?;
    let role = KeyRole::parse(&body.role)
        .ok_or_else(|| ApiError::Invalid("role: must be one of: admin, agent".into()))?;
    let agent_id = match body.agent_id.as_deref() {
        None => None,
        Some(text) => {
            let id = domain::Uuid::parse_str(text)
                .map_err(|_| ApiError::Invalid("agentId: must be a UUID".into()))?;
            state.store.get_agent(workspace_id, id).await.map_err(|_| {
                ApiError::Invalid(format!(
                    "agentId: agent {id} does not exist in this workspace"
                ))
            })?;
            Some(id)
        }
    };
    let key = ApiKey::build(workspace_id, &body.name, role, agent_id, state.now())?;
    let secret = new_secret("sbk_");
    let key = state
        .store
        .create_api_key(key, hash_secret(&secret))
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ApiKeyOut::new(key, Some(secret))),
    ))
}

/// List a workspace's API keys (without their secrets).
#[utoipa::path(get, path = "/admin/workspaces/{workspaceId}/api-keys", tag = "admin",
    security(("adminToken" = [])), params(("workspaceId" = String, Path)),
    responses((status = 200, body = ApiKeyList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_api_keys(
    _: Admin,
    State(state): State<AppState>,
    Path(workspace_id): Path<String>,
) -> ApiResult<axum::Json<ApiKeyList>> {
    let workspace_id = existing_workspace(&state, &workspace_id).await?;
    let keys = state.store.list_api_keys(workspace_id).await?;
    Ok(axum::Json(ApiKeyList {
        results: keys.into_iter().map(|k| ApiKeyOut::new(k, None)).collect(),
    }))
}

/// Revoke an API key at once.
#[utoipa::path(delete, path = "/admin/workspaces/{workspaceId}/api-keys/{keyId}", tag = "admin",
    security(("adminToken" = [])), params(("workspaceId" = String, Path), ("keyId" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_api_key(
    _: Admin,
    State(state): State<AppState>,
    Path((workspace_id, key_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let workspace_id = path_id(&workspace_id, "Workspace")?;
    let key_id = path_id(&key_id, "API key")?;
    state
        .store
        .delete_api_key(workspace_id, key_id)
        .await
        .map_err(or_not_found("API key"))?;
    Ok(StatusCode::NO_CONTENT)
}
