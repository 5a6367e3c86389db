//! What an agent's full representation joins in: its teams, its skills and its capacity rule.

use std::collections::{BTreeMap, HashMap, HashSet};

use domain::agent::Agent;
use domain::capacity::CHANNELS;
use domain::conversation::{Channel, Status};
use domain::skill::{Skill, SkillValue};
use domain::{Timestamp, Uuid};
use sqlx::AnyConnection;

use crate::capacity::RuleDetails;
use crate::sql::{RowExt, Sql};
use crate::{Result, StoreError};

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

/// Loads what the full representation of these agents joins in (given the workspace's
/// capacity rules), with a few queries whatever the number of agents.
pub(crate) async fn details(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    agents: Vec<Agent>,
    rules: Vec<RuleDetails>,
) -> Result<Vec<AgentDetails>> {
    let workloads = load_workloads(c, &agents).await?;
    joined(c, workspace_id, agents, workloads, rules).await
}

/// The details of these agents as routing reads them, every second: all but their workload,
/// which is left empty. Routing counts what each agent holds itself, and the workload is the
/// dearest query of the details (it counts every open conversation of the agents).
pub(crate) async fn details_but_workload(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    agents: Vec<Agent>,
    rules: Vec<RuleDetails>,
) -> Result<Vec<AgentDetails>> {
    joined(c, workspace_id, agents, HashMap::new(), rules).await
}

async fn joined(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    agents: Vec<Agent>,
    workloads: HashMap<Uuid, BTreeMap<String, i64>>,
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
    assemble(agents, teams, workloads, &skills, &rules)
}

/// What each agent holds now, per capacity channel: its assigned conversations and those in
/// wrap-up (offers out are not work yet).
async fn load_workloads(
    c: &mut AnyConnection,
    agents: &[Agent],
) -> Result<HashMap<Uuid, BTreeMap<String, i64>>> {
    if agents.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = agents.iter().map(|a| a.id).collect();
    let mut sql = Sql::new(
        "SELECT assignee_id, channel, COUNT(*) AS held FROM conversations WHERE assignee_id IN ",
    );
    sql.bind_list(&ids)
        .push(" AND status IN ")
        .bind_list(&[Status::Assigned.as_str(), Status::WrapUp.as_str()])
        .push(" GROUP BY assignee_id, channel");
    let mut workloads: HashMap<Uuid, BTreeMap<String, i64>> = HashMap::new();
    for row in sql.fetch_all(c).await? {
        let channel = row.text("channel")?;
        let Some(media) = Channel::from_dixa(&channel).map(Channel::media) else {
            continue;
        };
        *workloads
            .entry(row.uuid("assignee_id")?)
            .or_default()
            .entry(media.as_str().to_owned())
            .or_default() += row.int("held")?;
    }
    Ok(workloads)
}

/// Puts agents together with their teams, skills and capacity rule.
pub(super) fn assemble(
    agents: Vec<Agent>,
    mut teams: HashMap<Uuid, Vec<AgentTeam>>,
    mut workloads: HashMap<Uuid, BTreeMap<String, i64>>,
    skills: &[Skill],
    rules: &[RuleDetails],
) -> Result<Vec<AgentDetails>> {
    let default_rule = rules.iter().find(|r| r.rule.is_default).cloned();
    let idle: BTreeMap<String, i64> = CHANNELS.iter().map(|c| (c.to_string(), 0)).collect();
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
                workload: {
                    let mut held = idle.clone();
                    held.extend(workloads.remove(&agent.id).unwrap_or_default());
                    held
                },
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

pub(super) async fn one_with_details(
    c: &mut AnyConnection,
    agent: Agent,
    rules: Vec<RuleDetails>,
) -> Result<AgentDetails> {
    let workspace_id = agent.workspace_id;
    Ok(details(c, workspace_id, vec![agent], rules)
        .await?
        .remove(0))
}
