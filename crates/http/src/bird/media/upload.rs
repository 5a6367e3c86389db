//! The upload form: checked against its signed policy, then kept durably under the data directory.

use std::path::PathBuf;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::Uuid;
use store::Media;
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

use super::{Policy, agent_dir, verify};

/// Upload a file with a presigned form: every field of `formData`, `Content-Type`, then `file`.
/// The signed policy is the authorization.
#[utoipa::path(post, path = "/media-uploads", tag = "agents",
    request_body(content_type = "multipart/form-data",
        description = "`policy`, `x-amz-algorithm`, `x-amz-credential`, `x-amz-date`, `x-amz-signature`, `Content-Type`, then `file`"),
    responses((status = 204, description = "Stored"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Bad or expired signature"),
        (status = 409, body = ErrorBody, description = "The form was used already"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub(super) async fn upload(
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
