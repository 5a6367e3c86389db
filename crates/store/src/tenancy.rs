//! Workspaces, API keys and server settings.

use domain::Uuid;
use domain::capacity::CapacityRule;
use domain::tenancy::{ApiKey, KeyRole, Workspace, WorkspaceSettings};
use sqlx::any::AnyRow;

use crate::coherence::Change;
use crate::sql::{Arg, RowExt, q};
use crate::{Result, Store, StoreError};

fn workspace_from(row: &AnyRow) -> Result<Workspace> {
    Ok(Workspace {
        id: row.uuid("id")?,
        name: row.text("name")?,
        created_at: row.time("created_at")?,
    })
}

pub(crate) async fn settings_of(
    c: &mut sqlx::AnyConnection,
    id: Uuid,
) -> Result<WorkspaceSettings> {
    let row = q(
        "SELECT enforce_schedules FROM workspaces WHERE id = $1",
        &[id.into()],
    )
    .fetch_optional(c)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(WorkspaceSettings {
        enforce_schedules: row.flag("enforce_schedules")?,
    })
}

fn key_from(row: &AnyRow) -> Result<ApiKey> {
    let role = row.text("role")?;
    Ok(ApiKey {
        id: row.uuid("id")?,
        workspace_id: row.uuid("workspace_id")?,
        name: row.text("name")?,
        role: KeyRole::parse(&role).ok_or_else(|| StoreError::Other(format!("key role {role}")))?,
        agent_id: row.opt_uuid("agent_id")?,
        created_at: row.time("created_at")?,
    })
}

const KEY_COLUMNS: &str = "id, workspace_id, name, role, agent_id, created_at";

impl Store {
    /// Creates a workspace together with its default capacity rule.
    pub async fn create_workspace(
        &self,
        workspace: Workspace,
        default_rule: CapacityRule,
    ) -> Result<Workspace> {
        self.write(move |c| {
            Box::pin(async move {
                let args = [
                    workspace.id.into(),
                    workspace.name.as_str().into(),
                    workspace.created_at.into(),
                ];
                q(
                    "INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)",
                    &args,
                )
                .execute(&mut *c)
                .await?;
                crate::capacity::insert_rule(c, &default_rule).await?;
                Ok(workspace)
            })
        })
        .await
    }

    pub async fn list_workspaces(&self) -> Result<Vec<Workspace>> {
        self.read(|c| {
            Box::pin(async move {
                let rows = q(
                    "SELECT id, name, created_at FROM workspaces ORDER BY created_at, id",
                    &[],
                )
                .fetch_all(c)
                .await?;
                rows.iter().map(workspace_from).collect()
            })
        })
        .await
    }

    pub async fn get_workspace(&self, id: Uuid) -> Result<Workspace> {
        self.read(move |c| {
            Box::pin(async move {
                let args = [id.into()];
                let row = q(
                    "SELECT id, name, created_at FROM workspaces WHERE id = $1",
                    &args,
                )
                .fetch_optional(c)
                .await?;
                workspace_from(&row.ok_or(StoreError::NotFound)?)
            })
        })
        .await
    }

    pub async fn workspace_settings(&self, id: Uuid) -> Result<WorkspaceSettings> {
        self.read(move |c| Box::pin(settings_of(c, id))).await
    }

    /// Changes what `settings` gives; answers the settings as they now stand.
    pub async fn update_workspace_settings(
        &self,
        id: Uuid,
        enforce_schedules: Option<bool>,
    ) -> Result<WorkspaceSettings> {
        self.write_in(id, move |c| {
            Box::pin(async move {
                if let Some(enforce) = enforce_schedules {
                    let sql = "UPDATE workspaces SET enforce_schedules = $2 WHERE id = $1";
                    q(sql, &[id.into(), i64::from(enforce).into()])
                        .execute(&mut *c)
                        .await?;
                }
                settings_of(c, id).await
            })
        })
        .await
    }

    /// Stores a key by the hash of its secret; the secret itself is never stored.
    pub async fn create_api_key(&self, key: ApiKey, key_hash: String) -> Result<ApiKey> {
        self.write(move |c| {
            Box::pin(async move {
                let args: Vec<Arg> = vec![
                    key.id.into(),
                    key.workspace_id.into(),
                    key.name.as_str().into(),
                    key.role.as_str().into(),
                    key.agent_id.into(),
                    key_hash.into(),
                    key.created_at.into(),
                ];
                q(
                    "INSERT INTO api_keys (id, workspace_id, name, role, agent_id, key_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &args,
                )
                .execute(c)
                .await?;
                Ok(key)
            })
        })
        .await
    }

    pub async fn list_api_keys(&self, workspace_id: Uuid) -> Result<Vec<ApiKey>> {
        self.read(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys WHERE workspace_id = $1 ORDER BY created_at, id"
                );
                let rows = q(&sql, &[workspace_id.into()]).fetch_all(c).await?;
                rows.iter().map(key_from).collect()
            })
        })
        .await
    }

    /// Revokes a key at once: the row goes, so the next request with it is refused.
    pub async fn delete_api_key(&self, workspace_id: Uuid, id: Uuid) -> Result<()> {
        self.write_changing(&[Change::Keys], move |c| {
            Box::pin(async move {
                let args = [workspace_id.into(), id.into()];
                let done = q(
                    "DELETE FROM api_keys WHERE workspace_id = $1 AND id = $2",
                    &args,
                )
                .execute(c)
                .await?;
                if done.rows_affected() == 0 {
                    Err(StoreError::NotFound)
                } else {
                    Ok(())
                }
            })
        })
        .await
    }

    /// The key with this hash, from the node's cache when it can be trusted (see
    /// [`crate::coherence`]).
    pub async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let cache = &self.caches().keys;
        let key_hash = key_hash.to_owned();
        let read_at = match cache.get(self.caches().is_live(), Uuid::nil(), &key_hash) {
            Ok(key) => return Ok(Some(key)),
            Err(read_at) => read_at,
        };
        let hash = key_hash.clone();
        let key = self
            .read(move |c| {
                Box::pin(async move {
                    let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1");
                    let row = q(&sql, &[hash.into()]).fetch_optional(c).await?;
                    row.as_ref().map(key_from).transpose()
                })
            })
            .await?;
        if let Some(key) = &key {
            cache.put(Uuid::nil(), key_hash, key, read_at);
        }
        Ok(key)
    }

    /// Stores `value` under `key` unless a value is there already; returns the stored value.
    /// Nodes that start together agree on one value (a generated secret, say).
    pub async fn setting_or_insert(&self, key: &str, value: String) -> Result<String> {
        let key = key.to_owned();
        self.write(move |c| {
            Box::pin(async move {
                let args = [key.as_str().into(), value.into()];
                q("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", &args)
                    .execute(&mut *c)
                    .await?;
                let row = q("SELECT value FROM settings WHERE key = $1", &args[..1]).fetch_one(c).await?;
                row.text("value")
            })
        })
        .await
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_owned();
        self.read(move |c| {
            Box::pin(async move {
                let row = q("SELECT value FROM settings WHERE key = $1", &[key.into()])
                    .fetch_optional(c)
                    .await?;
                row.as_ref().map(|r| r.text("value")).transpose()
            })
        })
        .await
    }
}
