//! Capacity rules and which agents they apply to. Exactly one rule of a workspace is the
//! default; making another rule the default takes the flag from the old one.

use domain::capacity::{CapacityRule, CapacityRuleChanges};
use domain::{Invalid, Timestamp, Uuid};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::page::{Cursor, Page};
use crate::sql::{RowExt, Sql, for_update, json, q};
use crate::{Result, Store, StoreError};

/// A rule with the agents explicitly assigned to it.
#[derive(Debug, Clone)]
pub struct RuleDetails {
    pub rule: CapacityRule,
    pub assigned_agent_ids: Vec<Uuid>,
}

const COLUMNS: &str =
    "id, workspace_id, name, description, is_default, capacity, created_at, updated_at";

fn rule_from(row: &AnyRow) -> Result<CapacityRule> {
    Ok(CapacityRule {
        id: row.uuid("id")?,
        workspace_id: row.uuid("workspace_id")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        is_default: row.flag("is_default")?,
        capacity: row.json("capacity")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

pub(crate) async fn insert_rule(c: &mut AnyConnection, rule: &CapacityRule) -> Result<()> {
    save_rule(c, rule, true).await
}

/// Locks every rule of the workspace, always in id order, before a change that may move the
/// default flag: changes of a workspace's rules then take turns instead of deadlocking.
async fn lock_rules(c: &mut AnyConnection, workspace_id: Uuid) -> Result<()> {
    let sql = format!(
        "SELECT id FROM capacity_rules WHERE workspace_id = $1 ORDER BY id{}",
        for_update(c)
    );
    q(&sql, &[workspace_id.into()]).fetch_all(c).await?;
    Ok(())
}

async fn save_rule(c: &mut AnyConnection, rule: &CapacityRule, insert: bool) -> Result<()> {
    if rule.is_default {
        lock_rules(c, rule.workspace_id).await?;
        let args = [rule.workspace_id.into(), rule.id.into()];
        q(
            "UPDATE capacity_rules SET is_default = 0 WHERE workspace_id = $1 AND id <> $2",
            &args,
        )
        .execute(&mut *c)
        .await?;
    }
    let args = [
        rule.id.into(),
        rule.workspace_id.into(),
        rule.name.as_str().into(),
        rule.description.clone().into(),
        rule.is_default.into(),
        json(&rule.capacity)?.into(),
        rule.created_at.into(),
        rule.updated_at.into(),
    ];
    let sql = if insert {
        "INSERT INTO capacity_rules (id, workspace_id, name, description, is_default, capacity, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    } else {
        "UPDATE capacity_rules SET name = $3, description = $4, is_default = $5, capacity = $6, \
         created_at = $7, updated_at = $8 WHERE id = $1 AND workspace_id = $2"
    };
    q(sql, &args).execute(c).await?;
    Ok(())
}

/// Makes `agent_ids` exactly the agents the rule names; unknown agents are refused (422).
async fn assign_agents(
    c: &mut AnyConnection,
    rule: &CapacityRule,
    agent_ids: &[Uuid],
) -> Result<()> {
    let mut clear = Sql::new("UPDATE agents SET capacity_rule_id = NULL WHERE capacity_rule_id = ");
    clear.bind(rule.id);
    clear.execute(&mut *c).await?;
    for id in agent_ids {
        let args = [rule.id.into(), rule.workspace_id.into(), (*id).into()];
        let done = q(
            "UPDATE agents SET capacity_rule_id = $1 WHERE workspace_id = $2 AND id = $3",
            &args,
        )
        .execute(&mut *c)
        .await?;
        if done.rows_affected() == 0 {
            return Err(
                Invalid::new("assignedAgentIds", format!("agent {id} does not exist")).into(),
            );
        }
    }
    Ok(())
}

/// Every rule of the workspace with its assigned agents, oldest first.
pub(crate) async fn load_rules(
    c: &mut AnyConnection,
    workspace_id: Uuid,
) -> Result<Vec<RuleDetails>> {
    let sql = "SELECT r.id, r.workspace_id, r.name, r.description, r.is_default, r.capacity, r.created_at, \
        r.updated_at, a.id AS agent_id FROM capacity_rules r LEFT JOIN agents a ON a.capacity_rule_id = r.id \
        WHERE r.workspace_id = $1 ORDER BY r.created_at, r.id, a.created_at, a.id";
    let mut rules: Vec<RuleDetails> = Vec::new();
    for row in q(sql, &[workspace_id.into()]).fetch_all(c).await? {
        let id = row.uuid("id")?;
        if rules.last().is_none_or(|last| last.rule.id != id) {
            rules.push(RuleDetails {
                rule: rule_from(&row)?,
                assigned_agent_ids: Vec::new(),
            });
        }
        if let (Some(agent), Some(last)) = (row.opt_uuid("agent_id")?, rules.last_mut()) {
            last.assigned_agent_ids.push(agent);
        }
    }
    Ok(rules)
}

async fn one_rule(c: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> Result<RuleDetails> {
    load_rules(c, workspace_id)
        .await?
        .into_iter()
        .find(|r| r.rule.id == id)
        .ok_or(StoreError::NotFound)
}

impl Store {
    pub async fn create_capacity_rule(
        &self,
        rule: CapacityRule,
        agent_ids: Vec<Uuid>,
    ) -> Result<RuleDetails> {
        self.write_in(rule.workspace_id, move |c| {
            Box::pin(async move {
                insert_rule(c, &rule).await?;
                assign_agents(c, &rule, &agent_ids).await?;
                one_rule(c, rule.workspace_id, rule.id).await
            })
        })
        .await
    }

    pub async fn get_capacity_rule(&self, workspace_id: Uuid, id: Uuid) -> Result<RuleDetails> {
        self.read(move |c| Box::pin(one_rule(c, workspace_id, id)))
            .await
    }

    pub async fn update_capacity_rule(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        mut changes: CapacityRuleChanges,
        now: Timestamp,
    ) -> Result<RuleDetails> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                lock_rules(c, workspace_id).await?;
                let mut rule = one_rule(c, workspace_id, id).await?.rule;
                changes.validate()?;
                changes.check_default(&rule)?;
                let agent_ids = changes.assigned_agent_ids.take();
                changes.apply(&mut rule);
                rule.updated_at = now;
                save_rule(c, &rule, false).await?;
                if let Some(agent_ids) = agent_ids {
                    assign_agents(c, &rule, &domain::agent::dedup(agent_ids)).await?;
                }
                one_rule(c, workspace_id, id).await
            })
        })
        .await
    }

    /// Deletes a rule; its agents fall back to the default. The default itself cannot go.
    pub async fn delete_capacity_rule(&self, workspace_id: Uuid, id: Uuid) -> Result<()> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let rule = one_rule(c, workspace_id, id).await?.rule;
                if rule.is_default {
                    return Err(StoreError::Conflict(
                        "the default capacity rule cannot be deleted; make another rule the default first".into(),
                    ));
                }
                assign_agents(c, &rule, &[]).await?;
                q("DELETE FROM capacity_rules WHERE workspace_id = $1 AND id = $2", &[workspace_id.into(), id.into()])
                    .execute(c)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn list_capacity_rules(
        &self,
        workspace_id: Uuid,
        reverse: bool,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page<RuleDetails>> {
        self.read(move |c| {
            Box::pin(async move {
                let page = crate::page::by_created(
                    c,
                    "capacity_rules",
                    COLUMNS,
                    workspace_id,
                    reverse,
                    after,
                    limit,
                    rule_from,
                )
                .await?;
                let all = load_rules(c, workspace_id).await?;
                let items = page
                    .items
                    .into_iter()
                    .filter_map(|rule| all.iter().find(|r| r.rule.id == rule.id).cloned())
                    .collect();
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

impl Store {
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
}
