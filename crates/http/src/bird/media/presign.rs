//! The presigned upload: a signed policy in the S3 form-post shape Bird clients speak.

use axum::extract::{Path, State};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::Uuid;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::path_id;
use crate::state::AppState;

use super::{ALGORITHM, AUDIO, AVATAR, Kind, Policy, UPLOAD_TTL_SECONDS, sign};

#[derive(Debug, Serialize, ToSchema)]
pub struct FormData {
    policy: String,
    #[serde(rename = "x-amz-algorithm")]
    algorithm: String,
    #[serde(rename = "x-amz-credential")]
    credential: String,
    #[serde(rename = "x-amz-date")]
    date: String,
    #[serde(rename = "x-amz-signature")]
    signature: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PresignedUpload {
    /// Where the file can be fetched once uploaded (the authenticated download endpoint).
    media_url: String,
    file_id: Uuid,
    /// Where to POST the form (`multipart/form-data`: every `formData` field, then `file`).
    url: String,
    form_data: FormData,
    /// The fields the form must carry besides `formData`.
    expected_fields: Vec<String>,
}

async fn presign(
    state: &AppState,
    caller: &Caller,
    agent: &str,
    kind: &Kind,
) -> ApiResult<axum::Json<PresignedUpload>> {
    let agent_id = path_id(agent, "Agent")?;
    caller.require_may_change(agent_id)?;
    let workspace_id = caller.workspace_id();
    state
        .store
        .get_agent(workspace_id, agent_id)
        .await
        .map_err(or_not_found("Agent or workspace"))?;
    let now = state.now();
    let policy = Policy {
        expiration: now.plus_seconds(UPLOAD_TTL_SECONDS),
        workspace_id,
        agent_id,
        file_id: Uuid::new_v4(),
        kind: kind.name.into(),
        max_bytes: kind.max_bytes,
        content_types: kind.types.iter().map(|t| t.to_string()).collect(),
    };
    let encoded = STANDARD
        .encode(serde_json::to_vec(&policy).map_err(|e| ApiError::Internal(e.to_string()))?);
    let date = now.to_rfc3339().replace(['-', ':'], "");
    let day = &date[..8];
    Ok(axum::Json(PresignedUpload {
        media_url: format!(
            "{}/workspaces/{workspace_id}/agents/{agent_id}/media/{}/download",
            state.public_url, policy.file_id
        ),
        file_id: policy.file_id,
        url: format!("{}/media-uploads", state.public_url),
        form_data: FormData {
            signature: sign(&state.signing_key, &encoded),
            policy: encoded,
            algorithm: ALGORITHM.into(),
            credential: format!("switchboard/{day}/{workspace_id}/media/upload"),
            date: format!("{}Z", &date[..15]),
        },
        expected_fields: vec!["Content-Type".into(), "file".into()],
    }))
}

/// Get url to upload profile avatar to.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/agents/{agentId}/presigned-upload", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("agentId" = String, Path)),
    responses((status = 200, body = PresignedUpload), (status = 404, body = ErrorBody)))]
pub(super) async fn presign_avatar(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<PresignedUpload>> {
    presign(&state, &caller, &ids.1, &AVATAR).await
}

/// Get url to upload audio files.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/agents/{agentId}/presigned-upload/audio", tag = "agents",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("agentId" = String, Path)),
    responses((status = 200, body = PresignedUpload), (status = 404, body = ErrorBody)))]
pub(super) async fn presign_audio(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<PresignedUpload>> {
    presign(&state, &caller, &ids.1, &AUDIO).await
}
