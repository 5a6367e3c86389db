//! Presigned uploads and media downloads, served by this same server.
//!
//! `presigned-upload` hands out a short-lived policy (what may be uploaded: which agent, which
//! file id, what kind, how large) signed with the server's key, in the S3 form-post shape Bird
//! clients already speak. `POST /media-uploads` accepts the form only with an intact, unexpired
//! signature, then keeps the file under the data directory. Downloads answer a signed link that
//! expires, as a 302 (`redirect=true`) or as JSON.

use std::path::PathBuf;

use axum::extract::DefaultBodyLimit;
use domain::{Timestamp, Uuid};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

mod download;
mod presign;
mod upload;

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
        .routes(routes!(upload::upload))
        .layer(DefaultBodyLimit::max(AUDIO.max_bytes as usize + 64 * 1024));
    OpenApiRouter::new()
        .routes(routes!(presign::presign_avatar))
        .routes(routes!(presign::presign_audio))
        .routes(routes!(download::download))
        .routes(routes!(download::serve_file))
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
