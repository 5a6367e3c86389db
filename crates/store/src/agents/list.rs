//! List Agents: filters, orderings and keyset pages.

use domain::agent::Agent;
use domain::availability::Presence;
use domain::{Timestamp, Uuid};

use crate::page::{Cursor, Page, SortKey};
use crate::sql::{RowExt, Sql, like_contains};
use crate::{Result, Store};

use super::{AgentDetails, COLUMNS, agent_from, details};

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

impl Store {
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
}

fn bind_key(sql: &mut Sql, key: SortKey) {
    match key {
        SortKey::Int(v) => sql.bind(v),
        SortKey::Text(v) => sql.bind(v),
    };
}

fn push_filter(sql: &mut Sql, filter: &AgentFilter) {
    if !filter.agent_ids.is_empty() {
        sql.push(" AND id IN ").bind_list(&filter.agent_ids);
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
