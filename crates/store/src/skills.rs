//! Skills and their values.

use domain::skill::{Skill, SkillChanges};
use domain::{Timestamp, Uuid};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::page::{Cursor, Page};
use crate::sql::{RowExt, Sql, json, q};
use crate::{Result, Store, StoreError};

const COLUMNS: &str = "id, workspace_id, name, description, value_type, value_list, created_at, created_by, updated_at, updated_by";

fn skill_from(row: &AnyRow) -> Result<Skill> {
    Ok(Skill {
        id: row.uuid("id")?,
        workspace_id: row.uuid("workspace_id")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        value_type: row.text("value_type")?,
        values: row.json("value_list")?,
        created_at: row.time("created_at")?,
        created_by: row.opt_uuid("created_by")?,
        updated_at: row.time("updated_at")?,
        updated_by: row.opt_uuid("updated_by")?,
    })
}

async fn save_skill(c: &mut AnyConnection, skill: &Skill, insert: bool) -> Result<()> {
    let args = [
        skill.id.into(),
        skill.workspace_id.into(),
        skill.name.as_str().into(),
        skill.description.clone().into(),
        skill.value_type.as_str().into(),
        json(&skill.values)?.into(),
        skill.created_at.into(),
        skill.created_by.into(),
        skill.updated_at.into(),
        skill.updated_by.into(),
    ];
    let sql = if insert {
        "INSERT INTO skills (id, workspace_id, name, description, value_type, value_list, created_at, \
         created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    } else {
        "UPDATE skills SET name = $3, description = $4, value_type = $5, value_list = $6, created_at = $7, \
         created_by = $8, updated_at = $9, updated_by = $10 WHERE id = $1 AND workspace_id = $2"
    };
    q(sql, &args).execute(c).await?;
    Ok(())
}

async fn fetch_skill(c: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> Result<Skill> {
    let sql = format!("SELECT {COLUMNS} FROM skills WHERE workspace_id = $1 AND id = $2");
    let row = q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(c)
        .await?;
    skill_from(&row.ok_or(StoreError::NotFound)?)
}

/// The skills of the workspace among `ids` (unknown ids are simply absent).
pub(crate) async fn load_skills(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Skill>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM skills WHERE workspace_id = "
    ));
    sql.bind(workspace_id).push(" AND id IN (");
    for (i, id) in ids.iter().enumerate() {
        sql.push(if i == 0 { "" } else { ", " }).bind(*id);
    }
    sql.push(")");
    sql.fetch_all(c).await?.iter().map(skill_from).collect()
}

impl Store {
    pub async fn create_skill(&self, skill: Skill) -> Result<Skill> {
        self.write(move |c| {
            Box::pin(async move {
                save_skill(c, &skill, true).await?;
                Ok(skill)
            })
        })
        .await
    }

    pub async fn get_skill(&self, workspace_id: Uuid, id: Uuid) -> Result<Skill> {
        self.read(move |c| Box::pin(fetch_skill(c, workspace_id, id)))
            .await
    }

    pub async fn update_skill(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        changes: SkillChanges,
        by: Option<Uuid>,
        now: Timestamp,
    ) -> Result<Skill> {
        self.write(move |c| {
            Box::pin(async move {
                let mut skill = fetch_skill(c, workspace_id, id).await?;
                changes.validate()?;
                changes.apply(&mut skill, by, now);
                save_skill(c, &skill, false).await?;
                Ok(skill)
            })
        })
        .await
    }

    /// Deletes a skill; agents that had it simply no longer show it.
    pub async fn delete_skill(&self, workspace_id: Uuid, id: Uuid) -> Result<()> {
        self.write(move |c| {
            Box::pin(async move {
                let args = [workspace_id.into(), id.into()];
                let gone = q(
                    "DELETE FROM skills WHERE workspace_id = $1 AND id = $2",
                    &args,
                )
                .execute(c)
                .await?;
                if gone.rows_affected() == 0 {
                    Err(StoreError::NotFound)
                } else {
                    Ok(())
                }
            })
        })
        .await
    }

    pub async fn list_skills(
        &self,
        workspace_id: Uuid,
        reverse: bool,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page<Skill>> {
        self.read(move |c| {
            Box::pin(crate::page::by_created(
                c,
                "skills",
                COLUMNS,
                workspace_id,
                reverse,
                after,
                limit,
                skill_from,
            ))
        })
        .await
    }
}
