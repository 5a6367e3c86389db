//! Agents: one row per agent with the columns queries filter and sort on, and the rest of the
//! profile as one JSON document. Details (teams, skills, capacity) are joined on read.

use std::collections::{BTreeMap, HashMap, HashSet};

use domain::agent::{Agent, AgentType, NewAgent, SkillAssignment};
use domain::availability::{Account, Availability, Presence, Work};
use domain::capacity::CHANNELS;
use domain::skill::{Skill, SkillValue};
use domain::{Invalid, Timestamp, Uuid};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::capacity::{RuleDetails, load_rules};
use crate::coherence::Change;
use crate::page::{Cursor, Page, SortKey};
use crate::sql::{Arg, RowExt, Sql, for_update, json, like_contains, opt_int, placeholders, q};
use crate::{Result, Store, StoreError};

/// An agent with everything its full representation joins in.
#[derive(Debug, Clone)]
pub struct AgentDetails {
    pub agent: Agent,
    pub teams: Vec<AgentTeam>,
    pub skills: Vec<AssignedSkill>,
    pub capacity: RuleDetails,
    /// Open work per capacity channel.
    pub workload: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTeam {
    pub id: Uuid,
    pub name: String,
    pub member_since: Timestamp,
    pub active_member_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedSkill {
    pub id: Uuid,
    pub name: String,
    pub value_type: String,
    pub selected_values: Vec<SkillValue>,
}

/// Filters of the agent list. `agent_ids`, when given, overrides the others (as Bird says).
#[derive(Debug, Clone, Default)]
pub struct AgentFilter {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role_ids: Vec<Uuid>,
    pub status_activity_since: Option<Timestamp>,
    pub status_activity_upto: Option<Timestamp>,
    /// Any of these presences.
    pub presences: Vec<Presence>,
    pub agent_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgentSort {
    #[default]
    CreatedAt,
    Name,
    AssignedCount,
    /// Bird's `statusAssignedCount`: by presence first, then assignments.
    StatusAssignedCount,
}

impl AgentSort {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "createdAt" => Some(Self::CreatedAt),
            "name" => Some(Self::Name),
            "assignedCount" => Some(Self::AssignedCount),
            "statusAssignedCount" => Some(Self::StatusAssignedCount),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreatedAt => "createdAt",
            Self::Name => "name",
            Self::AssignedCount => "assignedCount",
            Self::StatusAssignedCount => "statusAssignedCount",
        }
    }

    /// The sort column; the id breaks ties so the order is total.
    fn column(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::Name => "name_key",
            Self::AssignedCount => "assigned_count",
            Self::StatusAssignedCount => "status_rank",
        }
    }

    fn key_of(self, agent: &Agent) -> SortKey {
        match self {
            Self::CreatedAt => SortKey::Int(agent.created_at.millis()),
            Self::Name => SortKey::Text(agent.name.to_lowercase()),
            Self::AssignedCount => SortKey::Int(agent.assigned_count),
            Self::StatusAssignedCount => SortKey::Int(status_rank(agent)),
        }
    }
}

/// Online agents first, then by how much they were assigned (as an integer key).
fn status_rank(agent: &Agent) -> i64 {
    let presence = match agent.availability.presence {
        Presence::Available => 0,
        Presence::Away => 1,
        Presence::Offline => 2,
    };
    presence * 1_000_000_000_000 + agent.assigned_count
}

const STATUS_RANK_SQL: &str = "(CASE presence WHEN 'available' THEN 0 WHEN 'away' THEN 1 ELSE 2 END \
    * 1000000000000 + assigned_count)";

const COLUMNS: &str = "id, workspace_id, desk_id, kind, user_id, username, name, account, presence, \
    activity, activity_text, activity_ttl, activity_expires_at, last_status_set, last_activity_set, \
    availability_updated_at, status_before_offline, last_set_to_away_at, work, capacity_rule_id, \
    last_assigned_at, assigned_count, profile, created_at, updated_at";

fn parse_enum<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let text = row.text(column)?;
    parse(&text).ok_or_else(|| StoreError::Other(format!("stored {column} {text:?}")))
}

fn agent_from(row: &AnyRow) -> Result<Agent> {
    let status_before_offline = row.opt_text("status_before_offline")?;
    Ok(Agent {
        id: row.uuid("id")?,
        workspace_id: row.uuid("workspace_id")?,
        desk_id: row.int("desk_id")?,
        kind: parse_enum(row, "kind", AgentType::parse)?,
        user_id: row.opt_uuid("user_id")?,
        username: row.opt_text("username")?,
        name: row.text("name")?,
        account: parse_enum(row, "account", Account::parse)?,
        availability: Availability {
            presence: parse_enum(row, "presence", Presence::parse)?,
            activity: row.text("activity")?,
            activity_text: row.opt_text("activity_text")?,
            activity_ttl: row.opt_int("activity_ttl")?,
            activity_expires_at: row.opt_time("activity_expires_at")?,
            last_status_set: row.time("last_status_set")?,
            last_activity_set: row.time("last_activity_set")?,
            updated_at: row.time("availability_updated_at")?,
            status_before_offline: status_before_offline.as_deref().and_then(Presence::parse),
            last_set_to_away_at: row.opt_time("last_set_to_away_at")?,
        },
        work: parse_enum(row, "work", Work::parse)?,
        capacity_rule_id: row.opt_uuid("capacity_rule_id")?,
        last_assigned_at: row.opt_time("last_assigned_at")?,
        assigned_count: row.int("assigned_count")?,
        profile: row.json("profile")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

/// The values of every stored column but the id and workspace, in [`SAVED`] order.
fn saved_values(agent: &Agent) -> Result<Vec<Arg>> {
    let a = &agent.availability;
    let p = &agent.profile;
    let emails = format!("\n{}\n", p.user_emails.join("\n")).to_lowercase();
    let roles: String = p
        .roles
        .iter()
        .map(|r| format!(",{}", r.id))
        .collect::<String>()
        + ",";
    Ok(vec![
        agent.kind.as_str().into(),
        agent.user_id.into(),
        agent.username.clone().into(),
        agent.name.as_str().into(),
        agent.name.to_lowercase().into(),
        emails.into(),
        roles.into(),
        agent.account.as_str().into(),
        a.presence.as_str().into(),
        a.activity.as_str().into(),
        a.activity_text.clone().into(),
        opt_int(a.activity_ttl),
        opt_int(a.activity_expires_at),
        a.last_status_set.into(),
        a.last_activity_set.into(),
        a.updated_at.into(),
        a.status_before_offline.map(Presence::as_str).into(),
        opt_int(a.last_set_to_away_at),
        a.last_status_activity().into(),
        agent.work.as_str().into(),
        agent.capacity_rule_id.into(),
        opt_int(agent.last_assigned_at),
        agent.assigned_count.into(),
        json(p)?.into(),
        agent.created_at.into(),
        agent.updated_at.into(),
    ])
}

const SAVED: [&str; 26] = [
    "kind",
    "user_id",
    "username",
    "name",
    "name_key",
    "email_search",
    "role_search",
    "account",
    "presence",
    "activity",
    "activity_text",
    "activity_ttl",
    "activity_expires_at",
    "last_status_set",
    "last_activity_set",
    "availability_updated_at",
    "status_before_offline",
    "last_set_to_away_at",
    "status_activity_at",
    "work",
    "capacity_rule_id",
    "last_assigned_at",
    "assigned_count",
    "profile",
    "created_at",
    "updated_at",
];

/// Inserts a new agent; the database gives it its `desk_id`, which is returned.
async fn insert_agent(c: &mut AnyConnection, agent: &Agent) -> Result<i64> {
    let mut args = vec![agent.id.into(), agent.workspace_id.into()];
    args.extend(saved_values(agent)?);
    let sql = format!(
        "INSERT INTO agents (id, workspace_id, {}) VALUES ({}) RETURNING desk_id",
        SAVED.join(", "),
        placeholders(1, args.len())
    );
    let row = q(&sql, &args)
        .fetch_one(c)
        .await
        .map_err(conflict_as_agent_exists)?;
    row.int("desk_id")
}

pub(crate) async fn save_agent(c: &mut AnyConnection, agent: &Agent) -> Result<()> {
    let mut args = saved_values(agent)?;
    let sets: Vec<String> = SAVED
        .iter()
        .enumerate()
        .map(|(i, col)| format!("{col} = ${}", i + 1))
        .collect();
    let sql = format!(
        "UPDATE agents SET {} WHERE workspace_id = ${} AND id = ${}",
        sets.join(", "),
        args.len() + 1,
        args.len() + 2
    );
    args.extend([agent.workspace_id.into(), agent.id.into()]);
    q(&sql, &args)
        .execute(c)
        .await
        .map_err(conflict_as_agent_exists)?;
    Ok(())
}

fn conflict_as_agent_exists(error: sqlx::Error) -> StoreError {
    match StoreError::from(error) {
        StoreError::Conflict(index) if index.contains("username") => {
            StoreError::Conflict("an agent with this username already exists".into())
        }
        StoreError::Conflict(_) => StoreError::Conflict("this user is already an agent".into()),
        other => other,
    }
}

async fn fetch_agent(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<Agent> {
    let lock = if lock { for_update(c) } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM agents WHERE workspace_id = $1 AND id = $2{lock}");
    let row = q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(c)
        .await?;
    agent_from(&row.ok_or(StoreError::NotFound)?)
}

/// Checks that every team exists in the workspace and replaces the agent's memberships,
/// keeping the `member_since` of teams it stays in. A new agent has none to replace.
async fn set_teams(
    c: &mut AnyConnection,
    agent: &Agent,
    team_ids: &[Uuid],
    now: Timestamp,
    is_new: bool,
) -> Result<()> {
    crate::teams::require_teams(c, agent.workspace_id, team_ids).await?;
    if !is_new {
        remove_other_teams(c, agent.id, team_ids).await?;
    }
    for team_id in team_ids {
        let args = [
            agent.workspace_id.into(),
            (*team_id).into(),
            agent.id.into(),
            now.into(),
        ];
        q(
            "INSERT INTO team_members (workspace_id, team_id, agent_id, member_since) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (team_id, agent_id) DO NOTHING",
            &args,
        )
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

async fn remove_other_teams(
    c: &mut AnyConnection,
    agent_id: Uuid,
    team_ids: &[Uuid],
) -> Result<()> {
    let mut keep = Sql::new("DELETE FROM team_members WHERE agent_id = ");
    keep.bind(agent_id);
    if !team_ids.is_empty() {
        keep.push(" AND team_id NOT IN (");
        for (i, id) in team_ids.iter().enumerate() {
            keep.push(if i == 0 { "" } else { ", " }).bind(*id);
        }
        keep.push(")");
    }
    keep.execute(c).await?;
    Ok(())
}

/// Checks the skill assignments that are new since `before` against the skills of the
/// workspace (assignments kept as they were were checked when made).
async fn check_skills(
    c: &mut AnyConnection,
    agent: &Agent,
    before: &[SkillAssignment],
) -> Result<()> {
    let new: Vec<&SkillAssignment> = agent
        .profile
        .assigned_skills
        .iter()
        .filter(|a| !before.contains(a))
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    let wanted: Vec<Uuid> = new.iter().map(|s| s.skill_id).collect();
    let skills = crate::skills::load_skills(c, agent.workspace_id, &wanted).await?;
    for assignment in new {
        let skill = skills
            .iter()
            .find(|s| s.id == assignment.skill_id)
            .ok_or_else(|| {
                Invalid::new(
                    "assignedSkills",
                    format!("skill {} does not exist", assignment.skill_id),
                )
            })?;
        skill.check(assignment)?;
    }
    Ok(())
}

/// Loads what the full representation of these agents joins in (given the workspace's
/// capacity rules), with one or two queries whatever the number of agents.
pub(crate) async fn details(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    agents: Vec<Agent>,
    rules: Vec<RuleDetails>,
) -> Result<Vec<AgentDetails>> {
    if agents.is_empty() {
        return Ok(Vec::new());
    }
    let teams = load_agent_teams(c, &agents).await?;
    let skill_ids: HashSet<Uuid> = agents
        .iter()
        .flat_map(|a| a.profile.assigned_skills.iter().map(|s| s.skill_id))
        .collect();
    let skills =
        crate::skills::load_skills(c, workspace_id, &skill_ids.into_iter().collect::<Vec<_>>())
            .await?;
    assemble(agents, teams, &skills, &rules)
}

/// Puts agents together with their teams, skills and capacity rule.
fn assemble(
    agents: Vec<Agent>,
    mut teams: HashMap<Uuid, Vec<AgentTeam>>,
    skills: &[Skill],
    rules: &[RuleDetails],
) -> Result<Vec<AgentDetails>> {
    let default_rule = rules.iter().find(|r| r.rule.is_default).cloned();
    let workload: BTreeMap<String, i64> = CHANNELS.iter().map(|c| (c.to_string(), 0)).collect();
    agents
        .into_iter()
        .map(|agent| {
            let capacity = agent
                .capacity_rule_id
                .and_then(|id| rules.iter().find(|r| r.rule.id == id).cloned())
                .or_else(|| default_rule.clone())
                .ok_or_else(|| {
                    StoreError::Other("workspace has no default capacity rule".into())
                })?;
            let skills = agent
                .profile
                .assigned_skills
                .iter()
                .filter_map(|a| {
                    let skill = skills.iter().find(|s| s.id == a.skill_id)?;
                    let selected_values = skill
                        .values
                        .iter()
                        .filter(|v| a.value_ids.contains(&v.id))
                        .cloned()
                        .collect();
                    Some(AssignedSkill {
                        id: skill.id,
                        name: skill.name.clone(),
                        value_type: skill.value_type.clone(),
                        selected_values,
                    })
                })
                .collect();
            Ok(AgentDetails {
                teams: teams.remove(&agent.id).unwrap_or_default(),
                skills,
                capacity,
                workload: workload.clone(),
                agent,
            })
        })
        .collect()
}

async fn load_agent_teams(
    c: &mut AnyConnection,
    agents: &[Agent],
) -> Result<HashMap<Uuid, Vec<AgentTeam>>> {
    let mut sql = Sql::new(
        "SELECT m.agent_id, t.id, t.name, m.member_since, \
         (SELECT COUNT(*) FROM team_members x WHERE x.team_id = t.id) AS members \
         FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.agent_id IN (",
    );
    for (i, agent) in agents.iter().enumerate() {
        sql.push(if i == 0 { "" } else { ", " }).bind(agent.id);
    }
    sql.push(") ORDER BY m.member_since, t.id");
    let mut teams: HashMap<Uuid, Vec<AgentTeam>> = HashMap::new();
    for row in sql.fetch_all(c).await? {
        teams
            .entry(row.uuid("agent_id")?)
            .or_default()
            .push(AgentTeam {
                id: row.uuid("id")?,
                name: row.text("name")?,
                member_since: row.time("member_since")?,
                active_member_count: row.int("members")?,
            });
    }
    Ok(teams)
}

async fn one_with_details(
    c: &mut AnyConnection,
    agent: Agent,
    rules: Vec<RuleDetails>,
) -> Result<AgentDetails> {
    let workspace_id = agent.workspace_id;
    Ok(details(c, workspace_id, vec![agent], rules)
        .await?
        .remove(0))
}

impl Store {
    /// Creates an agent and its team memberships; a user who is already an agent is a conflict.
    pub async fn create_agent(&self, new: NewAgent) -> Result<AgentDetails> {
        let workspace_id = new.agent.workspace_id;
        // A new agent outside any team changes nothing another agent shows (team member
        // counts are what it would change), so the caches need not forget anything.
        let joins_teams = !new.team_ids.is_empty();
        let changes = if joins_teams {
            vec![Change::Workspace(workspace_id)]
        } else {
            vec![]
        };
        let agent = self
            .write_changing(&changes, move |c| {
                Box::pin(async move {
                    let NewAgent {
                        mut agent,
                        team_ids,
                    } = new;
                    check_skills(c, &agent, &[]).await?;
                    agent.desk_id = insert_agent(c, &agent).await?;
                    set_teams(c, &agent, &team_ids, agent.created_at, true).await?;
                    Ok(agent)
                })
            })
            .await?;
        if joins_teams || !agent.profile.assigned_skills.is_empty() {
            return self.with_details(agent).await;
        }
        let rules = self.capacity_rules(workspace_id).await?;
        Ok(assemble(vec![agent], HashMap::new(), &[], &rules)?.remove(0))
    }

    /// Joins in the details of an agent just written. It reads after the write committed, off
    /// the SQLite writer, which then spends its time on writes alone.
    async fn with_details(&self, agent: Agent) -> Result<AgentDetails> {
        let rules = self.capacity_rules(agent.workspace_id).await?;
        self.read(move |c| Box::pin(one_with_details(c, agent, rules)))
            .await
    }

    /// The workspace's capacity rules, from the node's cache when it can be trusted.
    pub(crate) async fn capacity_rules(&self, workspace_id: Uuid) -> Result<Vec<RuleDetails>> {
        let cache = &self.caches().rules;
        let read_at = match cache.get(self.caches().is_live(), workspace_id, &()) {
            Ok(rules) => return Ok(rules),
            Err(read_at) => read_at,
        };
        let rules = self
            .read(move |c| Box::pin(load_rules(c, workspace_id)))
            .await?;
        cache.put(workspace_id, (), &rules, read_at);
        Ok(rules)
    }

    /// An agent with its details, from the node's cache when it can be trusted (see
    /// [`crate::coherence`]).
    pub async fn get_agent(&self, workspace_id: Uuid, id: Uuid) -> Result<AgentDetails> {
        let cache = &self.caches().agents;
        let read_at = match cache.get(self.caches().is_live(), workspace_id, &id) {
            Ok(details) => return Ok(details),
            Err(read_at) => read_at,
        };
        let rules = self.capacity_rules(workspace_id).await?;
        let details = self
            .read(move |c| {
                Box::pin(async move {
                    let agent = fetch_agent(c, workspace_id, id, false).await?;
                    one_with_details(c, agent, rules).await
                })
            })
            .await?;
        cache.put(workspace_id, id, &details, read_at);
        Ok(details)
    }

    /// Reads, changes and saves an agent in one transaction. `change` holds the rules (it may
    /// refuse); `team_ids`, when given, replaces the agent's teams.
    pub async fn update_agent(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        team_ids: Option<Vec<Uuid>>,
        now: Timestamp,
        change: impl FnOnce(&mut Agent) -> Result<(), Invalid> + Send + 'static,
    ) -> Result<AgentDetails> {
        let agent = self
            .write_in(workspace_id, move |c| {
                Box::pin(async move {
                    let mut agent = fetch_agent(c, workspace_id, id, true).await?;
                    let skills_before = agent.profile.assigned_skills.clone();
                    change(&mut agent)?;
                    agent.updated_at = now;
                    check_skills(c, &agent, &skills_before).await?;
                    save_agent(c, &agent).await?;
                    if let Some(team_ids) = team_ids {
                        set_teams(c, &agent, &domain::agent::dedup(team_ids), now, false).await?;
                    }
                    Ok(agent)
                })
            })
            .await?;
        self.with_details(agent).await
    }

    /// Deletes an agent with its memberships, keys and media records.
    pub async fn delete_agent(&self, workspace_id: Uuid, id: Uuid) -> Result<()> {
        let changes = [Change::Workspace(workspace_id), Change::Keys];
        self.write_changing(&changes, move |c| {
            Box::pin(async move {
                let args = [workspace_id.into(), id.into()];
                let gone = q(
                    "DELETE FROM agents WHERE workspace_id = $1 AND id = $2",
                    &args,
                )
                .execute(&mut *c)
                .await?;
                if gone.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                q(
                    "DELETE FROM api_keys WHERE workspace_id = $1 AND agent_id = $2",
                    &args,
                )
                .execute(c)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Every agent of the workspace, oldest first.
    pub async fn all_agents(&self, workspace_id: Uuid) -> Result<Vec<Agent>> {
        self.read(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT {COLUMNS} FROM agents WHERE workspace_id = $1 ORDER BY created_at, id"
                );
                let rows = q(&sql, &[workspace_id.into()]).fetch_all(c).await?;
                rows.iter().map(agent_from).collect()
            })
        })
        .await
    }

    /// One page of agents in the given order, after `after`, with the total that match.
    pub async fn list_agents(
        &self,
        workspace_id: Uuid,
        filter: AgentFilter,
        sort: AgentSort,
        reverse: bool,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page<AgentDetails>> {
        let rules = self.capacity_rules(workspace_id).await?;
        self.read(move |c| {
            Box::pin(async move {
                let mut count =
                    Sql::new("SELECT COUNT(*) AS total FROM agents WHERE workspace_id = ");
                count.bind(workspace_id);
                push_filter(&mut count, &filter);
                let total = count
                    .fetch_optional(&mut *c)
                    .await?
                    .map_or(Ok(0), |r| r.int("total"))?;

                let column = match sort {
                    AgentSort::StatusAssignedCount => STATUS_RANK_SQL,
                    other => other.column(),
                };
                let mut page = Sql::new(&format!(
                    "SELECT {COLUMNS} FROM agents WHERE workspace_id = "
                ));
                page.bind(workspace_id);
                push_filter(&mut page, &filter);
                if let Some(cursor) = after {
                    let (cmp, key) = (if reverse { "<" } else { ">" }, cursor.key);
                    page.push(&format!(" AND ({column} {cmp} "));
                    bind_key(&mut page, key.clone());
                    page.push(&format!(" OR ({column} = "));
                    bind_key(&mut page, key);
                    page.push(&format!(" AND id {cmp} "))
                        .bind(cursor.id)
                        .push("))");
                }
                let direction = if reverse { "DESC" } else { "ASC" };
                page.push(&format!(
                    " ORDER BY {column} {direction}, id {direction} LIMIT "
                ));
                page.bind(limit as i64 + 1);
                let mut agents = page
                    .fetch_all(&mut *c)
                    .await?
                    .iter()
                    .map(agent_from)
                    .collect::<Result<Vec<_>>>()?;
                let next = if agents.len() > limit {
                    agents.truncate(limit);
                    agents.last().map(|last| Cursor {
                        order: sort.as_str().into(),
                        key: sort.key_of(last),
                        id: last.id,
                    })
                } else {
                    None
                };
                Ok(Page {
                    items: details(c, workspace_id, agents, rules).await?,
                    next,
                    total,
                })
            })
        })
        .await
    }

    /// Persists every activity whose TTL ran out by `now` as returned to `available`.
    pub async fn expire_activities(&self, now: Timestamp) -> Result<u64> {
        self.write(move |c| {
            Box::pin(async move {
                let done = q(
                    "UPDATE agents SET activity = 'available', activity_text = NULL, activity_ttl = NULL, \
                     last_activity_set = activity_expires_at, \
                     availability_updated_at = CASE WHEN availability_updated_at > activity_expires_at \
                         THEN availability_updated_at ELSE activity_expires_at END, \
                     status_activity_at = CASE WHEN last_status_set > activity_expires_at \
                         THEN last_status_set ELSE activity_expires_at END, \
                     activity_expires_at = NULL \
                     WHERE activity_expires_at <= $1",
                    &[now.into()],
                )
                .execute(c)
                .await?;
                Ok(done.rows_affected())
            })
        })
        .await
    }
}

fn bind_key(sql: &mut Sql, key: SortKey) {
    match key {
        SortKey::Int(v) => sql.bind(v),
        SortKey::Text(v) => sql.bind(v),
    };
}

fn push_filter(sql: &mut Sql, filter: &AgentFilter) {
    if !filter.agent_ids.is_empty() {
        sql.push(" AND id IN (");
        for (i, id) in filter.agent_ids.iter().enumerate() {
            sql.push(if i == 0 { "" } else { ", " }).bind(*id);
        }
        sql.push(")");
        return;
    }
    if let Some(name) = &filter.name {
        sql.push(" AND name_key LIKE ")
            .bind(like_contains(name))
            .push(" ESCAPE '\\'");
    }
    if let Some(email) = &filter.email {
        sql.push(" AND email_search LIKE ")
            .bind(like_contains(email))
            .push(" ESCAPE '\\'");
    }
    if !filter.role_ids.is_empty() {
        sql.push(" AND (");
        for (i, id) in filter.role_ids.iter().enumerate() {
            sql.push(if i == 0 { "" } else { " OR " });
            sql.push("role_search LIKE ").bind(format!("%,{id},%"));
        }
        sql.push(")");
    }
    if let Some(since) = filter.status_activity_since {
        sql.push(" AND status_activity_at >= ").bind(since);
    }
    if let Some(upto) = filter.status_activity_upto {
        sql.push(" AND status_activity_at <= ").bind(upto);
    }
    if !filter.presences.is_empty() {
        sql.push(" AND presence IN (");
        for (i, presence) in filter.presences.iter().enumerate() {
            sql.push(if i == 0 { "" } else { ", " })
                .bind(presence.as_str());
        }
        sql.push(")");
    }
}
