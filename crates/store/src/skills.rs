//! Skills and their values.

use domain::agent::Profile;
use domain::skill::{Skill, SkillChanges};
use domain::{Timestamp, Uuid};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::page::{Cursor, Page};
use crate::sql::{RowExt, Sql, for_update, json, q};
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

async fn fetch_skill(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<Skill> {
    let lock = if lock { for_update(c) } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM skills WHERE workspace_id = $1 AND id = $2{lock}");
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
    sql.bind(workspace_id).push(" AND id IN ").bind_list(ids);
    sql.fetch_all(c).await?.iter().map(skill_from).collect()
}

/// Brings the agents that hold skill `skill_id` in line with what the skill now is: a deleted
/// skill (`None`) leaves them, a changed one keeps only the values it still has. A `single`
/// skill cannot become so while an agent holds several of its values (409).
async fn follow_skill(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    skill_id: Uuid,
    skill: Option<&Skill>,
) -> Result<()> {
    let rows = q(
        &format!(
            "SELECT id, profile FROM agents WHERE workspace_id = $1 AND profile LIKE $2{}",
            for_update(c)
        ),
        &[workspace_id.into(), format!("%{skill_id}%").into()],
    )
    .fetch_all(&mut *c)
    .await?;
    for row in rows {
        let mut profile: Profile = row.json("profile")?;
        let before = profile.assigned_skills.clone();
        match skill {
            None => profile.assigned_skills.retain(|a| a.skill_id != skill_id),
            Some(skill) => {
                for held in profile
                    .assigned_skills
                    .iter_mut()
                    .filter(|a| a.skill_id == skill_id)
                {
                    held.value_ids
                        .retain(|id| skill.values.iter().any(|v| v.id == *id));
                    if skill.value_type == "single" && held.value_ids.len() > 1 {
                        return Err(StoreError::Conflict(format!(
                            "agent {} holds several values of skill {}; leave it one before making the skill single",
                            row.text("id")?,
                            skill.name
                        )));
                    }
                }
            }
        }
        if profile.assigned_skills != before {
            let args = [
                json(&profile)?.into(),
                workspace_id.into(),
                row.uuid("id")?.into(),
            ];
            q(
                "UPDATE agents SET profile = $1 WHERE workspace_id = $2 AND id = $3",
                &args,
            )
            .execute(&mut *c)
            .await?;
        }
    }
    Ok(())
}

impl Store {
    pub async fn create_skill(&self, skill: Skill) -> Result<Skill> {
        self.write_in(skill.workspace_id, move |c| {
            Box::pin(async move {
                save_skill(c, &skill, true).await?;
                Ok(skill)
            })
        })
        .await
    }

    pub async fn get_skill(&self, workspace_id: Uuid, id: Uuid) -> Result<Skill> {
        self.read(move |c| Box::pin(fetch_skill(c, workspace_id, id, false)))
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
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut skill = fetch_skill(c, workspace_id, id, true).await?;
                changes.validate()?;
                changes.check_value_ids(Some(&skill))?;
                changes.apply(&mut skill, by, now);
                save_skill(c, &skill, false).await?;
                follow_skill(c, workspace_id, id, Some(&skill)).await?;
                Ok(skill)
            })
        })
        .await
    }

    /// Deletes a skill and takes it from the agents that had it.
    pub async fn delete_skill(&self, workspace_id: Uuid, id: Uuid) -> Result<()> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                crate::sql::delete_row(&mut *c, "skills", workspace_id, id).await?;
                follow_skill(c, workspace_id, id, None).await
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
