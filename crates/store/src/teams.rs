//! Teams and their members.

use domain::availability::{Account, Availability};
use domain::team::{Team, TeamChanges};
use domain::{Invalid, Timestamp, Uuid};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::members::{MemberOutcome, Membership, Removal, known_agents, remove_members};
use crate::page::{Cursor, Page, SortKey};
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
/// How many agent ids one membership change may name (it keeps the statements well within
/// both databases' limits on bound values).
pub const MEMBERS_PER_CHANGE_MAX: usize = 1000;
/// The ordering of member pages (their cursors belong to it): by `member_since`, ties broken by
/// agent id.
pub const MEMBER_ORDER: &str = "memberSince";

/// A member of a team, with what the member lists show of the agent.
#[derive(Debug, Clone)]
pub struct TeamMember {
    pub agent_id: Uuid,
    pub name: String,
    /// The agent's default e-mail: `user.defaultEmail` when given, else the first of
    /// `userEmails` (as the Bird agent shows it).
    pub email: Option<String>,
    /// `user.phoneNumber`, when the agent's user has one.
    pub phone_number: Option<String>,
    pub account: Account,
    /// As stored: read it through [`Availability::at`].
    pub availability: Availability,
    pub member_since: Timestamp,
}

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

fn member_from(row: &AnyRow) -> Result<TeamMember> {
    let agent = crate::agents::agent_from(row)?;
    let user = agent.profile.user.as_ref();
    let user_text = |field: &str| {
        user.and_then(|u| u.get(field))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    Ok(TeamMember {
        email: user_text("defaultEmail").or_else(|| agent.profile.user_emails.first().cloned()),
        phone_number: user_text("phoneNumber"),
        agent_id: agent.id,
        name: agent.name,
        account: agent.account,
        availability: agent.availability,
        member_since: row.time("member_since")?,
    })
}

/// The team must be a team of the workspace. On PostgreSQL the row is share-locked so that it
/// cannot be deleted under a membership change (a key-share lock, which writes of members and
/// of agents joining teams take too, so they never wait on each other).
async fn require_team(c: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> Result<()> {
    let lock = if c.backend_name() == "PostgreSQL" {
        " FOR KEY SHARE"
    } else {
        ""
    };
    let sql = format!("SELECT id FROM teams WHERE workspace_id = $1 AND id = $2{lock}");
    q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(c)
        .await?
        .map(|_| ())
        .ok_or(StoreError::NotFound)
}

fn limit_members(ids: &[Uuid]) -> Result<()> {
    if ids.len() > MEMBERS_PER_CHANGE_MAX {
        return Err(Invalid::new(
            "agentIds",
            format!("at most {MEMBERS_PER_CHANGE_MAX} agents per request"),
        )
        .into());
    }
    Ok(())
}

/// Appends `(id, id, …)` binding each id.
/// One page of a team's members with their agents, in order of `member_since`, ties broken by
/// agent id; every member when `limit` is `None`.
async fn member_page(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    team_id: Uuid,
    reverse: bool,
    after: Option<Cursor>,
    limit: Option<usize>,
) -> Result<Page<TeamMember>> {
    let limit = limit.map(|limit| limit.max(1));
    let total = q(
        "SELECT COUNT(*) AS total FROM team_members WHERE team_id = $1",
        &[team_id.into()],
    )
    .fetch_one(&mut *c)
    .await?
    .int("total")?;
    let columns: Vec<String> = crate::agents::COLUMNS
        .split(',')
        .map(|column| format!("a.{}", column.trim()))
        .collect();
    let mut sql = Sql::new(&format!(
        "SELECT m.member_since, {} FROM team_members m JOIN agents a ON a.id = m.agent_id \
         WHERE a.workspace_id = ",
        columns.join(", ")
    ));
    sql.bind(workspace_id)
        .push(" AND m.team_id = ")
        .bind(team_id);
    if let Some(cursor) = after {
        let SortKey::Int(since) = cursor.key else {
            return Ok(Page {
                items: vec![],
                next: None,
                total,
            });
        };
        let cmp = if reverse { "<" } else { ">" };
        sql.push(&format!(" AND (m.member_since {cmp} "))
            .bind(since);
        sql.push(" OR (m.member_since = ")
            .bind(since)
            .push(&format!(" AND m.agent_id {cmp} "))
            .bind(cursor.id)
            .push("))");
    }
    let direction = if reverse { "DESC" } else { "ASC" };
    sql.push(&format!(
        " ORDER BY m.member_since {direction}, m.agent_id {direction}"
    ));
    if let Some(limit) = limit {
        sql.push(" LIMIT ").bind(limit as i64 + 1);
    }
    let mut items = sql
        .fetch_all(c)
        .await?
        .iter()
        .map(member_from)
        .collect::<Result<Vec<_>>>()?;
    let mut next = None;
    if let Some(limit) = limit.filter(|&limit| items.len() > limit) {
        items.truncate(limit);
        let last = &items[items.len() - 1];
        next = Some(Cursor {
            order: MEMBER_ORDER.into(),
            key: SortKey::Int(last.member_since.millis()),
            id: last.agent_id,
        });
    }
    Ok(Page { items, next, total })
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
    sql.bind(workspace_id).push(" AND id IN ").bind_list(ids);
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
            Box::pin(async move { crate::sql::delete_row(c, "teams", workspace_id, id).await })
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

    /// Every team of the workspace, oldest first, without member details.
    pub async fn all_teams(&self, workspace_id: Uuid) -> Result<Vec<Team>> {
        self.read(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT {COLUMNS} FROM teams WHERE workspace_id = $1 ORDER BY created_at, id"
                );
                let rows = q(&sql, &[workspace_id.into()]).fetch_all(c).await?;
                rows.iter().map(team_from).collect()
            })
        })
        .await
    }

    /// One page of a team's members (see [`Cursor`] with order `memberSince`), or every member
    /// when `limit` is `None`. An unknown team is not found.
    pub async fn team_members(
        &self,
        workspace_id: Uuid,
        team_id: Uuid,
        reverse: bool,
        after: Option<Cursor>,
        limit: Option<usize>,
    ) -> Result<Page<TeamMember>> {
        self.read(move |c| {
            Box::pin(async move {
                fetch_team(c, workspace_id, team_id, false).await?;
                member_page(c, workspace_id, team_id, reverse, after, limit).await
            })
        })
        .await
    }

    /// Adds agents to a team: one outcome per requested id, in order. Unknown ids are reported
    /// (and change nothing); agents who already are members stay, with their `member_since`.
    pub async fn add_team_members(
        &self,
        workspace_id: Uuid,
        team_id: Uuid,
        agent_ids: Vec<Uuid>,
        now: Timestamp,
    ) -> Result<Vec<MemberOutcome>> {
        limit_members(&agent_ids)?;
        // Through the workspace's caches: a cached agent shows its teams.
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                require_team(c, workspace_id, team_id).await?;
                let known = known_agents(c, workspace_id, &agent_ids).await?;
                let joining: Vec<Uuid> = domain::agent::dedup(agent_ids.clone())
                    .into_iter()
                    .filter(|id| known.contains(id))
                    .collect();
                if !joining.is_empty() {
                    let mut sql = Sql::new(
                        "INSERT INTO team_members (workspace_id, team_id, agent_id, member_since) VALUES ",
                    );
                    for (i, agent_id) in joining.iter().enumerate() {
                        sql.push(if i == 0 { "(" } else { ", (" })
                            .bind(workspace_id)
                            .push(", ")
                            .bind(team_id)
                            .push(", ")
                            .bind(*agent_id)
                            .push(", ")
                            .bind(now)
                            .push(")");
                    }
                    sql.push(" ON CONFLICT (team_id, agent_id) DO NOTHING");
                    sql.execute(c).await?;
                }
                Ok(agent_ids
                    .into_iter()
                    .map(|id| {
                        if known.contains(&id) {
                            MemberOutcome::Member(id)
                        } else {
                            MemberOutcome::UnknownAgent(id)
                        }
                    })
                    .collect())
            })
        })
        .await
    }

    /// Removes agents from a team. Every id must be an agent of the workspace: otherwise
    /// nothing is removed and the answer names the first unknown id. Agents who are not members
    /// are no error.
    pub async fn remove_team_members(
        &self,
        workspace_id: Uuid,
        team_id: Uuid,
        agent_ids: Vec<Uuid>,
    ) -> Result<Removal> {
        limit_members(&agent_ids)?;
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                require_team(c, workspace_id, team_id).await?;
                remove_members(c, workspace_id, Membership::Team(team_id), &agent_ids).await
            })
        })
        .await
    }
}
