//! Downloads: a signed, expiring link to the file, and the bytes behind it.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::{Query, path_id};
use crate::state::AppState;

use super::{DOWNLOAD_TTL_SECONDS, agent_dir, sign, verify};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileLocation {
    /// A link to the file that works without credentials until `expiresAt`.
    url: String,
    expires_at: Timestamp,
    content_type: String,
    size: i64,
}

/// Get agent media download: the file's location, or a redirect to it with `redirect=true`.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/agents/{agentId}/media/{fileId}/download", tag = "agents",
    security(("workspaceKey" = [])),
    params(("workspaceId" = String, Path), ("agentId" = String, Path), ("fileId" = String, Path),
        ("redirect" = Option<bool>, Query)),
    responses((status = 200, body = FileLocation, description = "Return file location"),
        (status = 302, description = "Redirect to file location"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn download(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let mut redirect = None;
    for (name, value) in pairs.iter().filter(|(name, _)| name == "redirect") {
        let wanted = match value.as_str() {
            "false" => false,
            "true" => true,
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "{name}: must be true or false"
                )));
            }
        };
        if redirect.is_some_and(|r| r != wanted) {
            return Err(ApiError::BadRequest(
                "redirect: given twice with different values".into(),
            ));
        }
        redirect = Some(wanted);
    }
    let redirect = redirect.unwrap_or(false);
    let agent_id = path_id(&ids.1, "Agent")?;
    let file_id = path_id(&ids.2, "Media")?;
    let media = state
        .store
        .get_media(caller.workspace_id(), agent_id, file_id)
        .await
        .map_err(or_not_found("Media"))?;
    let expires = state.now().plus_seconds(DOWNLOAD_TTL_SECONDS);
    let path = format!("/media/{}/{agent_id}/{file_id}", caller.workspace_id());
    let signature = sign(
        &state.signing_key,
        &format!("{path}?expires={}", expires.millis()),
    );
    let url = format!(
        "{}{path}?expires={}&signature={signature}",
        state.public_url,
        expires.millis()
    );
    if redirect {
        return Ok((StatusCode::FOUND, [(header::LOCATION, url)]).into_response());
    }
    let location = FileLocation {
        url,
        expires_at: expires,
        content_type: media.content_type,
        size: media.size,
    };
    Ok(axum::Json(location).into_response())
}

/// The bytes of a file, for a link (from the download endpoint) whose signature holds and has
/// not expired.
#[utoipa::path(get, path = "/media/{workspaceId}/{agentId}/{fileId}", tag = "agents",
    params(("workspaceId" = String, Path), ("agentId" = String, Path), ("fileId" = String, Path),
        ("expires" = i64, Query), ("signature" = String, Query)),
    responses((status = 200, description = "The file"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn serve_file(
    State(state): State<AppState>,
    Path((workspace, agent, file)): Path<(String, String, String)>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let (workspace_id, agent_id, file_id) = (
        path_id(&workspace, "Media")?,
        path_id(&agent, "Media")?,
        path_id(&file, "Media")?,
    );
    // Each parameter once: a link with a mangled or repeated parameter is no link we signed.
    let once = |name: &str| {
        let mut values = query.iter().filter(|(n, _)| n == name).map(|(_, v)| v);
        match (values.next(), values.next()) {
            (Some(value), None) => Some(value),
            _ => None,
        }
    };
    let expires = once("expires").and_then(|e| e.parse::<i64>().ok());
    let (Some(expires), Some(signature)) = (expires, once("signature")) else {
        return Err(ApiError::Forbidden(
            "this link needs a numeric `expires` and a `signature`".into(),
        ));
    };
    let path = format!("/media/{workspace_id}/{agent_id}/{file_id}");
    if !verify(
        &state.signing_key,
        &format!("{path}?expires={expires}"),
        signature,
    ) {
        return Err(ApiError::Forbidden(
            "the link signature does not match".into(),
        ));
    }
    if Timestamp::from_millis(expires) <= state.now() {
        return Err(ApiError::Forbidden("the link has expired".into()));
    }
    let media = state
        .store
        .get_media(workspace_id, agent_id, file_id)
        .await
        .map_err(or_not_found("Media"))?;
    let bytes =
        tokio::fs::read(agent_dir(&state, workspace_id, agent_id).join(file_id.to_string()))
            .await
            .map_err(|_| ApiError::not_found("Media"))?;
    Ok((
        [
            (header::CONTENT_TYPE, media.content_type),
            // Served as the type it was accepted as, never as whatever it looks like.
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        Body::from(bytes),
    )
        .into_response())
}
