//! Teams and their members.

use domain::team::{Team, TeamChanges};
use domain::{Invalid, Timestamp, Uuid};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::page::{Cursor, Page};
use crate::sql::{RowExt, Sql, for_update, q};
use crate::{Result, Store, StoreError};

/// A team with its member count and a few members to show.
#[derive(Debug, Clone)]
pub struct TeamDetails {
    pub team: Team,
    pub active_member_count: i64,
    pub featured_members: Vec<Uuid>,
}

const COLUMNS: &str = "id, workspace_id, name, description, visibility, accessibility, hide_from_views, \
    created_at, updated_at";
/// How many members a team shows as featured.
const FEATURED: usize = 5;

fn team_from(row: &AnyRow) -> Result<Team> {
    Ok(Team {
        id: row.uuid("id")?,
        workspace_id: row.uuid("workspace_id")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        visibility: row.text("visibility")?,
        accessibility: row.text("accessibility")?,
        hide_from_views: row.flag("hide_from_views")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

async fn with_members(c: &mut AnyConnection, team: Team) -> Result<TeamDetails> {
    let rows = q(
        "SELECT agent_id FROM team_members WHERE team_id = $1 ORDER BY member_since, agent_id",
        &[team.id.into()],
    )
    .fetch_all(c)
    .await?;
    let members = rows
        .iter()
        .map(|r| r.uuid("agent_id"))
        .collect::<Result<Vec<_>>>()?;
    Ok(TeamDetails {
        active_member_count: members.len() as i64,
        featured_members: members.into_iter().take(FEATURED).collect(),
        team,
    })
}

async fn fetch_team(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<Team> {
    let lock = if lock { for_update(c) } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM teams WHERE workspace_id = $1 AND id = $2{lock}");
    let row = q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(c)
        .await?;
    team_from(&row.ok_or(StoreError::NotFound)?)
}

async fn save_team(c: &mut AnyConnection, team: &Team, insert: bool) -> Result<()> {
    let args = [
        team.id.into(),
        team.workspace_id.into(),
        team.name.as_str().into(),
        team.description.clone().into(),
        team.visibility.as_str().into(),
        team.accessibility.as_str().into(),
        team.hide_from_views.into(),
        team.created_at.into(),
        team.updated_at.into(),
    ];
    let sql = if insert {
        "INSERT INTO teams (id, workspace_id, name, description, visibility, accessibility, \
         hide_from_views, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    } else {
        "UPDATE teams SET name = $3, description = $4, visibility = $5, accessibility = $6, \
         hide_from_views = $7, created_at = $8, updated_at = $9 WHERE id = $1 AND workspace_id = $2"
    };
    q(sql, &args).execute(c).await?;
    Ok(())
}

/// Refuses (422) team ids that are not teams of the workspace.
pub(crate) async fn require_teams(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("SELECT id FROM teams WHERE workspace_id = ");
    sql.bind(workspace_id).push(" AND id IN (");
    for (i, id) in ids.iter().enumerate() {
        sql.push(if i == 0 { "" } else { ", " }).bind(*id);
    }
    sql.push(")");
    let found = sql
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| r.uuid("id"))
        .collect::<Result<Vec<_>>>()?;
    match ids.iter().find(|id| !found.contains(id)) {
        Some(missing) => {
            Err(Invalid::new("teamIds", format!("team {missing} does not exist")).into())
        }
        None => Ok(()),
    }
}

impl Store {
    pub async fn create_team(&self, team: Team) -> Result<TeamDetails> {
        self.write_in(team.workspace_id, move |c| {
            Box::pin(async move {
                save_team(c, &team, true).await?;
                with_members(c, team).await
            })
        })
        .await
    }

    pub async fn get_team(&self, workspace_id: Uuid, id: Uuid) -> Result<TeamDetails> {
        self.read(move |c| {
            Box::pin(async move {
                let team = fetch_team(c, workspace_id, id, false).await?;
                with_members(c, team).await
            })
        })
        .await
    }

    pub async fn update_team(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        changes: TeamChanges,
        now: Timestamp,
    ) -> Result<TeamDetails> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut team = fetch_team(c, workspace_id, id, true).await?;
                changes.validate()?;
                changes.apply(&mut team);
                team.updated_at = now;
                save_team(c, &team, false).await?;
                with_members(c, team).await
            })
        })
        .await
    }

    pub async fn delete_team(&self, workspace_id: Uuid, id: Uuid) -> Result<()> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let args = [workspace_id.into(), id.into()];
                let gone = q(
                    "DELETE FROM teams WHERE workspace_id = $1 AND id = $2",
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

    pub async fn list_teams(
        &self,
        workspace_id: Uuid,
        reverse: bool,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page<TeamDetails>> {
        self.read(move |c| {
            Box::pin(async move {
                let page = crate::page::by_created(
                    c,
                    "teams",
                    COLUMNS,
                    workspace_id,
                    reverse,
                    after,
                    limit,
                    team_from,
                )
                .await?;
                let mut items = Vec::with_capacity(page.items.len());
                for team in page.items {
                    items.push(with_members(c, team).await?);
                }
                Ok(Page {
                    items,
                    next: page.next,
                    total: page.total,
                })
            })
        })
        .await
    }
}
