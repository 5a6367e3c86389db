//! Records of files agents uploaded (avatars, audio); the bytes live under the data directory.

use domain::{Timestamp, Uuid};
use sqlx::any::AnyRow;

use crate::sql::{RowExt, q};
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub agent_id: Uuid,
    /// `avatar` or `audio`.
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub file_name: Option<String>,
    pub created_at: Timestamp,
}

fn media_from(row: &AnyRow) -> Result<Media> {
    Ok(Media {
        id: row.uuid("id")?,
        workspace_id: row.uuid("workspace_id")?,
        agent_id: row.uuid("agent_id")?,
        kind: row.text("kind")?,
        content_type: row.text("content_type")?,
        size: row.int("size")?,
        file_name: row.opt_text("file_name")?,
        created_at: row.time("created_at")?,
    })
}

impl Store {
    /// Records an uploaded file once its bytes are safely on disk; a second upload to the same
    /// id is refused.
    pub async fn record_media(&self, media: Media) -> Result<Media> {
        self.write(move |c| {
            Box::pin(async move {
                let args = [
                    media.id.into(),
                    media.workspace_id.into(),
                    media.agent_id.into(),
                    media.kind.as_str().into(),
                    media.content_type.as_str().into(),
                    media.size.into(),
                    media.file_name.clone().into(),
                    media.created_at.into(),
                ];
                q(
                    "INSERT INTO media (id, workspace_id, agent_id, kind, content_type, size, file_name, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &args,
                )
                .execute(c)
                .await?;
                Ok(media)
            })
        })
        .await
    }

    pub async fn get_media(&self, workspace_id: Uuid, agent_id: Uuid, id: Uuid) -> Result<Media> {
        self.read(move |c| {
            Box::pin(async move {
                let row = q(
                    "SELECT id, workspace_id, agent_id, kind, content_type, size, file_name, created_at FROM media \
                     WHERE workspace_id = $1 AND agent_id = $2 AND id = $3",
                    &[workspace_id.into(), agent_id.into(), id.into()],
                )
                .fetch_optional(c)
                .await?;
                media_from(&row.ok_or(StoreError::NotFound)?)
            })
        })
        .await
    }
}
