//! Agents: one row per agent with the columns queries filter and sort on, and the rest of the
//! profile as one JSON document. Details (teams, skills, capacity) are joined on read.

mod details;
mod list;
mod rows;

use std::collections::HashMap;

use domain::agent::{Agent, NewAgent, SkillAssignment};
use domain::event::{AGENT_CREATED, AGENT_UPDATED, NewEvent};
use domain::{Invalid, Timestamp, Uuid};
use sqlx::AnyConnection;

use crate::coherence::Change;
use crate::events::{record, record_all};
use crate::gather::Gather;
use crate::sql::{Sql, q};
use crate::writer::{Statements, Writer};
use crate::{Result, Store, StoreError};

pub use details::{AgentDetails, AgentTeam, AssignedSkill};
use details::{assemble, one_with_details};
pub(crate) use details::{details, details_but_workload};
pub use list::{AgentFilter, AgentSort};
pub(crate) use rows::{COLUMNS, agent_from};
use rows::{fetch_agent, insert_agent, insert_agents, save_agent};

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
        keep.push(" AND team_id NOT IN ").bind_list(team_ids);
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

/// Every agent of the workspace, oldest first.
pub(crate) async fn all_of(c: &mut AnyConnection, workspace_id: Uuid) -> Result<Vec<Agent>> {
    let sql =
        format!("SELECT {COLUMNS} FROM agents WHERE workspace_id = $1 ORDER BY created_at, id");
    let rows = q(&sql, &[workspace_id.into()]).fetch_all(c).await?;
    rows.iter().map(agent_from).collect()
}

/// Inserts a new agent with its team memberships.
async fn insert_new(c: &mut AnyConnection, new: NewAgent) -> Result<Agent> {
    let NewAgent {
        mut agent,
        team_ids,
    } = new;
    check_skills(c, &agent, &[]).await?;
    agent.desk_id = insert_agent(c, &agent).await?;
    set_teams(c, &agent, &team_ids, agent.created_at, true).await?;
    record(c, &NewEvent::agent(AGENT_CREATED, &agent, agent.created_at)).await?;
    Ok(agent)
}

/// New agents of no team and no skill, gathered into rounds: each round is one INSERT and one
/// write (see [`crate::gather`]). Each answers its `desk_id`, or nothing when it was left out.
pub(crate) type NewAgents = Gather<Agent, Option<i64>>;

pub(crate) fn gather_new_agents(writer: Writer) -> NewAgents {
    Gather::start(move |agents: Vec<Agent>| {
        let writer = writer.clone();
        Box::pin(async move {
            let count = agents.len();
            let written = writer
                .write(Statements::One, &[], move |c| {
                    Box::pin(insert_round(c, agents))
                })
                .await;
            match written {
                Ok(desk_ids) => desk_ids.into_iter().map(Ok).collect(),
                Err(error) => {
                    let message = error.to_string();
                    let failed = || Err(StoreError::Unavailable(message.clone()));
                    (0..count).map(|_| failed()).collect()
                }
            }
        })
    })
}

/// Inserts a round of new agents and records the creation of each one inserted; answers each
/// agent's `desk_id`, or nothing for one left out for a conflict.
async fn insert_round(c: &mut AnyConnection, agents: Vec<Agent>) -> Result<Vec<Option<i64>>> {
    let desk_ids = insert_agents(c, &agents).await?;
    let events: Vec<NewEvent> = agents
        .iter()
        .filter(|agent| desk_ids.contains_key(&agent.id))
        .map(|agent| NewEvent::agent(AGENT_CREATED, agent, agent.created_at))
        .collect();
    record_all(c, &events).await?;
    Ok(agents
        .iter()
        .map(|agent| desk_ids.get(&agent.id).copied())
        .collect())
}

impl Store {
    /// Creates an agent and its team memberships; a user who is already an agent is a conflict.
    pub async fn create_agent(&self, new: NewAgent) -> Result<AgentDetails> {
        let workspace_id = new.agent.workspace_id;
        let agent = if !new.team_ids.is_empty() {
            let changes = [Change::Workspace(workspace_id)];
            self.write_changing(&changes, move |c| Box::pin(insert_new(c, new)))
                .await?
        } else if !new.agent.profile.assigned_skills.is_empty() {
            self.write_single(move |c| Box::pin(insert_new(c, new)))
                .await?
        } else {
            return self.insert_gathered(new.agent).await;
        };
        self.with_details(agent).await
    }

    /// Creates an agent of no team and no skill in a round with others (see
    /// [`gather_new_agents`]); one its round left out for a conflict goes in alone, which tells
    /// the conflict. Such an agent changes nothing another agent shows (team member counts
    /// would), so no cache needs to forget anything.
    async fn insert_gathered(&self, mut agent: Agent) -> Result<AgentDetails> {
        let workspace_id = agent.workspace_id;
        match self.new_agents().submit(agent.clone()).await? {
            Some(desk_id) => {
                agent.desk_id = desk_id;
                self.caches().wrote();
            }
            None => {
                let new = NewAgent {
                    agent,
                    team_ids: Vec::new(),
                };
                agent = self
                    .write_single(move |c| Box::pin(insert_new(c, new)))
                    .await?;
            }
        }
        let rules = self.capacity_rules(workspace_id).await?;
        let (teams, workloads) = (HashMap::new(), HashMap::new());
        Ok(assemble(vec![agent], teams, workloads, &[], &rules)?.remove(0))
    }

    /// Joins in the details of an agent just written. It reads after the write committed, off
    /// the SQLite writer, which then spends its time on writes alone.
    async fn with_details(&self, agent: Agent) -> Result<AgentDetails> {
        let rules = self.capacity_rules(agent.workspace_id).await?;
        self.read(move |c| Box::pin(one_with_details(c, agent, rules)))
            .await
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
                    record(c, &NewEvent::agent(AGENT_UPDATED, &agent, now)).await?;
                    Ok(agent)
                })
            })
            .await?;
        self.with_details(agent).await
    }

    /// Deletes an agent with its memberships, keys and media records.
    pub async fn delete_agent(&self, workspace_id: Uuid, id: Uuid, now: Timestamp) -> Result<()> {
        let changes = [Change::Workspace(workspace_id), Change::Keys];
        self.write_changing(&changes, move |c| {
            Box::pin(async move {
                let args = [workspace_id.into(), id.into()];
                crate::sql::delete_row(&mut *c, "agents", workspace_id, id).await?;
                q(
                    "DELETE FROM api_keys WHERE workspace_id = $1 AND agent_id = $2",
                    &args,
                )
                .execute(&mut *c)
                .await?;
                record(c, &NewEvent::agent_deleted(workspace_id, id, now)).await
            })
        })
        .await
    }

    /// Every agent of the workspace, oldest first.
    pub async fn all_agents(&self, workspace_id: Uuid) -> Result<Vec<Agent>> {
        self.read(move |c| Box::pin(all_of(c, workspace_id))).await
    }

    /// Persists every activity whose TTL ran out by `now` as returned to `available`, and tells
    /// of each agent's change.
    pub async fn expire_activities(&self, now: Timestamp) -> Result<u64> {
        self.write(move |c| {
            Box::pin(async move {
                let sql = format!("SELECT {COLUMNS} FROM agents WHERE activity_expires_at <= $1");
                let expiring = q(&sql, &[now.into()]).fetch_all(&mut *c).await?;
                let mut events = Vec::with_capacity(expiring.len());
                for row in &expiring {
                    let agent = agent_from(row)?;
                    let at = agent.availability.activity_expires_at.unwrap_or(now);
                    events.push(NewEvent::agent(AGENT_UPDATED, &agent, at));
                }
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
                .execute(&mut *c)
                .await?;
                record_all(c, &events).await?;
                Ok(done.rows_affected())
            })
        })
        .await
    }
}
