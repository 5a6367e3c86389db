//! The agents table: its columns, and agents to and from rows.

use std::collections::HashMap;

use domain::Uuid;
use domain::agent::{Agent, AgentType};
use domain::availability::{Account, Availability, Presence, Work};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::sql::{Arg, RowExt, Sql, for_update, json, opt_int, q};
use crate::{Result, StoreError};

pub(crate) const COLUMNS: &str = "id, workspace_id, desk_id, kind, user_id, username, name, account, presence, \
    activity, activity_text, activity_ttl, activity_expires_at, last_status_set, last_activity_set, \
    availability_updated_at, status_before_offline, last_set_to_away_at, work, capacity_rule_id, \
    last_assigned_at, assigned_count, profile, created_at, updated_at";

fn parse_enum<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let text = row.text(column)?;
    parse(&text).ok_or_else(|| StoreError::Other(format!("stored {column} {text:?}")))
}

pub(crate) fn agent_from(row: &AnyRow) -> Result<Agent> {
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

/// `INSERT INTO agents …` with a row for each agent.
fn insert_rows(agents: &[Agent]) -> Result<Sql> {
    let mut insert = Sql::new("INSERT INTO agents (id, workspace_id, ");
    insert.push(&SAVED.join(", ")).push(") ");
    let mut rows = Vec::with_capacity(agents.len());
    for agent in agents {
        let mut values = vec![agent.id.into(), agent.workspace_id.into()];
        values.extend(saved_values(agent)?);
        rows.push(values);
    }
    insert.select_rows(rows)?;
    Ok(insert)
}

/// Inserts a new agent; the database gives it its `desk_id`, which is returned.
pub(super) async fn insert_agent(c: &mut AnyConnection, agent: &Agent) -> Result<i64> {
    let mut insert = insert_rows(std::slice::from_ref(agent))?;
    insert.push(" RETURNING desk_id");
    match insert.fetch_optional(c).await {
        Ok(Some(row)) => row.int("desk_id"),
        Ok(None) => Err(StoreError::Other(
            "an agent's INSERT answered no row".into(),
        )),
        Err(error) => Err(conflict_as_agent_exists(error)),
    }
}

/// Inserts new agents in one statement and answers the `desk_id` the database gave each. An
/// agent whose id, user or username is taken (also by an agent before it in the list) is left
/// out, not refused: the caller learns why by inserting it alone.
pub(super) async fn insert_agents(
    c: &mut AnyConnection,
    agents: &[Agent],
) -> Result<HashMap<Uuid, i64>> {
    let mut insert = insert_rows(agents)?;
    insert.push(" ON CONFLICT DO NOTHING RETURNING id, desk_id");
    let rows = insert.fetch_all(c).await?;
    rows.iter()
        .map(|row| Ok((row.uuid("id")?, row.int("desk_id")?)))
        .collect()
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
        .map_err(|e| conflict_as_agent_exists(e.into()))?;
    Ok(())
}

fn conflict_as_agent_exists(error: StoreError) -> StoreError {
    match error {
        StoreError::Conflict(index) if index.contains("username") => {
            StoreError::Conflict("an agent with this username already exists".into())
        }
        StoreError::Conflict(_) => StoreError::Conflict("this user is already an agent".into()),
        other => other,
    }
}

pub(super) async fn fetch_agent(
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
