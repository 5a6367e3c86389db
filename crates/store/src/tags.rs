//! Tags: a workspace has one per name, whatever the case (the unique index `tags_name` on the
//! trimmed, lower-cased `name_key`).

use domain::tag::{Tag, TagChanges, name_key};
use domain::{Timestamp, Uuid};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::page::{Cursor, Listing, Page, by_created_where};
use crate::sql::{RowExt, for_update, q};
use crate::{Result, Store, StoreError};

const COLUMNS: &str = "id, workspace_id, name, color, active, created_at, updated_at";

/// What creating a tag came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewTag {
    Created(Tag),
    /// The workspace already had a tag of that name: here it is, unchanged.
    Existing(Tag),
}

fn tag_from(row: &AnyRow) -> Result<Tag> {
    Ok(Tag {
        id: row.uuid("id")?,
        workspace_id: row.uuid("workspace_id")?,
        name: row.text("name")?,
        color: row.opt_text("color")?,
        active: row.flag("active")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

async fn fetch_tag(c: &mut AnyConnection, workspace_id: Uuid, id: Uuid, lock: bool) -> Result<Tag> {
    let lock = if lock { for_update(c) } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM tags WHERE workspace_id = $1 AND id = $2{lock}");
    let row = q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(c)
        .await?;
    tag_from(&row.ok_or(StoreError::NotFound)?)
}

/// The workspace's tag whose name is `name`, whatever the case.
async fn tag_named(c: &mut AnyConnection, workspace_id: Uuid, name: &str) -> Result<Option<Tag>> {
    let sql = format!("SELECT {COLUMNS} FROM tags WHERE workspace_id = $1 AND name_key = $2");
    let row = q(&sql, &[workspace_id.into(), name_key(name).into()])
        .fetch_optional(c)
        .await?;
    row.as_ref().map(tag_from).transpose()
}

/// The conflict of a name that `existing` already has.
pub fn name_taken(existing: &Tag) -> StoreError {
    StoreError::Conflict(format!(
        "a tag named {:?} already exists: {}",
        existing.name, existing.id
    ))
}

impl Store {
    /// Creates a tag; when the workspace already has one of that name (whatever the case), that
    /// one is answered unchanged. Two concurrent creates of one name make one tag: the insert
    /// that loses the race to the unique index does nothing and reads the winner's.
    pub async fn create_tag(&self, tag: Tag) -> Result<NewTag> {
        self.write_in(tag.workspace_id, move |c| {
            Box::pin(async move {
                let args = [
                    tag.id.into(),
                    tag.workspace_id.into(),
                    tag.name.as_str().into(),
                    tag.name_key().into(),
                    tag.color.clone().into(),
                    tag.active.into(),
                    tag.created_at.into(),
                    tag.updated_at.into(),
                ];
                let inserted = q(
                    "INSERT INTO tags (id, workspace_id, name, name_key, color, active, created_at, \
                     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (workspace_id, name_key) DO NOTHING",
                    &args,
                )
                .execute(&mut *c)
                .await?
                .rows_affected();
                if inserted == 1 {
                    return Ok(NewTag::Created(tag));
                }
                let existing = tag_named(c, tag.workspace_id, &tag.name).await?;
                existing.map(NewTag::Existing).ok_or_else(|| {
                    StoreError::Other(format!("tag {:?} neither inserted nor found", tag.name))
                })
            })
        })
        .await
    }

    pub async fn get_tag(&self, workspace_id: Uuid, id: Uuid) -> Result<Tag> {
        self.read(move |c| Box::pin(fetch_tag(c, workspace_id, id, false)))
            .await
    }

    /// Changes a tag; a name another tag of the workspace has is a conflict naming that tag.
    pub async fn update_tag(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        changes: TagChanges,
        now: Timestamp,
    ) -> Result<Tag> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut tag = fetch_tag(c, workspace_id, id, true).await?;
                changes.validate()?;
                if let Some(name) = &changes.name
                    && let Some(other) = tag_named(c, workspace_id, name).await?
                    && other.id != id
                {
                    return Err(name_taken(&other));
                }
                changes.apply(&mut tag, now);
                let args = [
                    tag.name.as_str().into(),
                    tag.name_key().into(),
                    tag.color.clone().into(),
                    tag.active.into(),
                    tag.updated_at.into(),
                    workspace_id.into(),
                    id.into(),
                ];
                q(
                    "UPDATE tags SET name = $1, name_key = $2, color = $3, active = $4, \
                     updated_at = $5 WHERE workspace_id = $6 AND id = $7",
                    &args,
                )
                .execute(&mut *c)
                .await
                .map_err(|e| match StoreError::from(e) {
                    // A concurrent write took the name between the check and the update.
                    StoreError::Conflict(_) => {
                        StoreError::Conflict("another tag already has this name".into())
                    }
                    other => other,
                })?;
                Ok(tag)
            })
        })
        .await
    }

    /// Activates or deactivates a tag. A deactivated tag stays on what carries it.
    pub async fn set_tag_active(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        active: bool,
        now: Timestamp,
    ) -> Result<Tag> {
        let changes = TagChanges {
            active: Some(active),
            ..TagChanges::default()
        };
        self.update_tag(workspace_id, id, changes, now).await
    }

    /// Deletes a tag; it comes off every conversation that carried it.
    pub async fn delete_tag(&self, workspace_id: Uuid, id: Uuid) -> Result<()> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move { crate::sql::delete_row(c, "tags", workspace_id, id).await })
        })
        .await
    }

    /// A page of the workspace's tags in creation order, all of them or only the active (or
    /// inactive) ones.
    pub async fn list_tags(
        &self,
        workspace_id: Uuid,
        active: Option<bool>,
        reverse: bool,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page<Tag>> {
        self.read(move |c| {
            Box::pin(async move {
                let list = Listing {
                    table: "tags",
                    columns: COLUMNS,
                    workspace_id,
                    filters: active.map(|a| ("active", a.into())).into_iter().collect(),
                };
                by_created_where(c, list, reverse, after, limit, tag_from).await
            })
        })
        .await
    }

    /// Every tag of the workspace, active or not, oldest first.
    pub async fn all_tags(&self, workspace_id: Uuid) -> Result<Vec<Tag>> {
        self.read(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT {COLUMNS} FROM tags WHERE workspace_id = $1 ORDER BY created_at, id"
                );
                q(&sql, &[workspace_id.into()])
                    .fetch_all(c)
                    .await?
                    .iter()
                    .map(tag_from)
                    .collect()
            })
        })
        .await
    }
}
