//! Presigned uploads and media downloads, served by this same server.
//!
//! `presigned-upload` hands out a short-lived policy (what may be uploaded: which agent, which
//! file id, what kind, how large) signed with the server's key, in the S3 form-post shape Bird
//! clients already speak. `POST /media-uploads` accepts the form only with an intact, unexpired
//! signature, then keeps the file under the data directory. Downloads answer a signed link that
//! expires, as a 302 (`redirect=true`) or as JSON.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::{Timestamp, Uuid};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use store::Media;
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, or_not_found};
use crate::extract::{Query, path_id};
use crate::state::AppState;

/// How long a presigned upload stays valid.
const UPLOAD_TTL_SECONDS: i64 = 15 * 60;
/// How long a download link stays valid.
const DOWNLOAD_TTL_SECONDS: i64 = 5 * 60;
const ALGORITHM: &str = "SWITCHBOARD-HMAC-SHA256";

/// What each kind of upload accepts.
struct Kind {
    name: &'static str,
    max_bytes: u64,
    types: &'static [&'static str],
}

const AVATAR: Kind = Kind {
    name: "avatar",
    max_bytes: 5 * 1024 * 1024,
    types: &["image/png", "image/jpeg", "image/gif", "image/webp"],
};
const AUDIO: Kind = Kind {
    name: "audio",
    max_bytes: 20 * 1024 * 1024,
    types: &[
        "audio/mpeg",
        "audio/wav",
        "audio/x-wav",
        "audio/ogg",
        "audio/webm",
        "audio/mp4",
        "audio/aac",
    ],
};

/// The presign and download endpoints, and the routes whose signature is their authorization:
/// the upload form (with a body limit that fits the largest file) and the file links.
pub fn routes() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::max(AUDIO.max_bytes as usize + 64 * 1024));
    OpenApiRouter::new()
        .routes(routes!(presign_avatar))
        .routes(routes!(presign_audio))
        .routes(routes!(download))
        .routes(routes!(serve_file))
        .merge(uploads)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Policy {
    expiration: Timestamp,
    workspace_id: Uuid,
    agent_id: Uuid,
    file_id: Uuid,
    kind: String,
    max_bytes: u64,
    content_types: Vec<String>,
}

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

fn sign(key: &[u8], message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn verify(key: &[u8], message: &str, signature: &str) -> bool {
    let Ok(signature) = hex::decode(signature) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    mac.verify_slice(&signature).is_ok()
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
async fn presign_avatar(
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
async fn presign_audio(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<PresignedUpload>> {
    presign(&state, &caller, &ids.1, &AUDIO).await
}

fn agent_dir(state: &AppState, workspace_id: Uuid, agent_id: Uuid) -> PathBuf {
    state
        .media_dir
        .join(workspace_id.to_string())
        .join(agent_id.to_string())
}

/// Removes a deleted agent's files (their records went with the agent).
pub async fn forget_agent_files(state: &AppState, workspace_id: Uuid, agent_id: Uuid) {
    let dir = agent_dir(state, workspace_id, agent_id);
    if let Err(error) = tokio::fs::remove_dir_all(&dir).await
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(%error, dir = %dir.display(), "could not remove a deleted agent's files");
    }
}

/// Upload a file with a presigned form: every field of `formData`, `Content-Type`, then `file`.
/// The signed policy is the authorization.
#[utoipa::path(post, path = "/media-uploads", tag = "agents",
    request_body(content_type = "multipart/form-data",
        description = "`policy`, `x-amz-algorithm`, `x-amz-credential`, `x-amz-date`, `x-amz-signature`, `Content-Type`, then `file`"),
    responses((status = 204, description = "Stored"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Bad or expired signature"),
        (status = 409, body = ErrorBody, description = "The form was used already"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
async fn upload(
    State(state): State<AppState>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<StatusCode> {
    let bad = |message: &str| ApiError::BadRequest(message.to_owned());
    let mut form = form.map_err(|_| {
        ApiError::UnsupportedMediaType(
            "expected `Content-Type: multipart/form-data` with a boundary".into(),
        )
    })?;
    let (mut policy_text, mut signature, mut content_type) = (None, None, None);
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| bad(&format!("malformed form: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            let value = field
                .text()
                .await
                .map_err(|e| bad(&format!("malformed form: {e}")))?;
            match name.as_str() {
                "policy" => policy_text = Some(value),
                "x-amz-signature" => signature = Some(value),
                "Content-Type" | "content-type" => content_type = Some(value),
                _ => {}
            }
            continue;
        }
        let policy_text = policy_text
            .take()
            .ok_or_else(|| bad("the form needs `policy` before `file`"))?;
        let signature = signature
            .take()
            .ok_or_else(|| bad("the form needs `x-amz-signature` before `file`"))?;
        if !verify(&state.signing_key, &policy_text, &signature) {
            return Err(ApiError::Forbidden(
                "the upload signature does not match its policy".into(),
            ));
        }
        let policy: Policy = STANDARD
            .decode(policy_text.as_bytes())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| bad("unreadable policy"))?;
        let now = state.now();
        if policy.expiration <= now {
            return Err(ApiError::Forbidden("the upload policy has expired".into()));
        }
        // Media types are case-insensitive and may carry parameters (`; charset=…`).
        let content_type = content_type
            .take()
            .or_else(|| field.content_type().map(str::to_owned))
            .unwrap_or_default();
        let content_type = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !policy.content_types.contains(&content_type) {
            let allowed = policy.content_types.join(", ");
            return Err(ApiError::UnsupportedMediaType(format!(
                "a {} must be one of: {allowed}",
                policy.kind
            )));
        }
        let file_name = field.file_name().map(str::to_owned);
        let dir = agent_dir(&state, policy.workspace_id, policy.agent_id);
        let (size, saved) = save_file(&dir, policy.file_id, policy.max_bytes, &mut field).await?;
        let media = Media {
            id: policy.file_id,
            workspace_id: policy.workspace_id,
            agent_id: policy.agent_id,
            kind: policy.kind,
            content_type,
            size: size as i64,
            file_name,
            created_at: now,
        };
        // Without its record the file is not kept (`saved` removes it when dropped).
        return match state.store.record_media(media).await {
            Ok(_) => {
                saved.keep();
                Ok(StatusCode::NO_CONTENT)
            }
            Err(store::StoreError::Conflict(_)) => Err(already_used()),
            // The agent went away meanwhile (its foreign key refused the record).
            Err(store::StoreError::Other(_)) => Err(ApiError::not_found("Agent")),
            Err(other) => Err(other.into()),
        };
    }
    Err(bad("the form has no `file` field"))
}

fn already_used() -> ApiError {
    ApiError::Conflict("this upload was already used".into())
}

/// A file being uploaded, removed when dropped unless kept: an upload that fails, or whose
/// request goes away midway, leaves nothing behind and its form usable again.
struct Unkept(Option<PathBuf>);

impl Unkept {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Unkept {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Streams the file to disk, refusing it past `max_bytes`; durable before it is recorded.
///
/// The file is created new under its final name, so a form used twice (one after the other or
/// at once) can never replace the bytes of its first upload: the second finds the name taken.
/// Nothing serves the file before its record exists, and the record is written only after this.
async fn save_file(
    dir: &PathBuf,
    file_id: Uuid,
    max_bytes: u64,
    field: &mut axum::extract::multipart::Field<'_>,
) -> ApiResult<(u64, Unkept)> {
    let io = |e: std::io::Error| ApiError::Internal(format!("saving an upload: {e}"));
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let path = dir.join(file_id.to_string());
    let mut file = match tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .await
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(already_used()),
        Err(e) => return Err(io(e)),
    };
    let saved = Unkept(Some(path));
    let written = write_chunks(&mut file, max_bytes, field).await;
    drop(file); // closed before `saved` may remove it
    Ok((written?, saved))
}

async fn write_chunks(
    file: &mut tokio::fs::File,
    max_bytes: u64,
    field: &mut axum::extract::multipart::Field<'_>,
) -> ApiResult<u64> {
    let io = |e: std::io::Error| ApiError::Internal(format!("saving an upload: {e}"));
    let mut size = 0u64;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::PayloadTooLarge);
            }
            Err(e) => return Err(ApiError::BadRequest(format!("malformed form: {e}"))),
        };
        size += chunk.len() as u64;
        if size > max_bytes {
            return Err(ApiError::PayloadTooLarge);
        }
        file.write_all(&chunk).await.map_err(io)?;
    }
    if size == 0 {
        return Err(ApiError::BadRequest("the file is empty".into()));
    }
    file.sync_all().await.map_err(io)?;
    Ok(size)
}

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
async fn download(
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
        return Ok(Redirect::to(&url)
            .into_response()
            .with_status(StatusCode::FOUND));
    }
    let location = FileLocation {
        url,
        expires_at: expires,
        content_type: media.content_type,
        size: media.size,
    };
    Ok(axum::Json(location).into_response())
}

trait WithStatus {
    fn with_status(self, status: StatusCode) -> Self;
}

impl WithStatus for Response {
    fn with_status(mut self, status: StatusCode) -> Self {
        *self.status_mut() = status;
        self
    }
}

/// The bytes of a file, for a link (from the download endpoint) whose signature holds and has
/// not expired.
#[utoipa::path(get, path = "/media/{workspaceId}/{agentId}/{fileId}", tag = "agents",
    params(("workspaceId" = String, Path), ("agentId" = String, Path), ("fileId" = String, Path),
        ("expires" = i64, Query), ("signature" = String, Query)),
    responses((status = 200, description = "The file"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn serve_file(
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
