//! Queues and their members. Routing filters and sorts on the columns; everything else of a queue
//! is the JSON document `settings`. A workspace has at most one default queue.

use domain::queue::{OfferAlgorithm, Queue, QueueChanges, QueueMember, check_member_priority};
use domain::{Timestamp, Uuid};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::members::{MemberOutcome, Membership, Removal, known_agents, remove_members};
use crate::page::{Cursor, Page};
use crate::sql::{RowExt, for_update, json, opt_int, q};
use crate::{Result, Store, StoreError};

const COLUMNS: &str = "id, workspace_id, name, is_default, priority, offer_algorithm, settings, created_at, updated_at";

fn queue_from(row: &AnyRow) -> Result<Queue> {
    let algorithm = row.text("offer_algorithm")?;
    Ok(Queue {
        id: row.uuid("id")?,
        workspace_id: row.uuid("workspace_id")?,
        name: row.text("name")?,
        is_default: row.flag("is_default")?,
        priority: row.int("priority")?,
        offer_algorithm: OfferAlgorithm::parse(&algorithm)
            .map_err(|_| StoreError::Other(format!("stored offer algorithm {algorithm:?}")))?,
        settings: row.json("settings")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

fn member_from(row: &AnyRow) -> Result<QueueMember> {
    Ok(QueueMember {
        agent_id: row.uuid("agent_id")?,
        priority: row.opt_int("priority")?,
        member_since: row.time("member_since")?,
    })
}

async fn fetch_queue(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<Queue> {
    let lock = if lock { for_update(c) } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM queues WHERE workspace_id = $1 AND id = $2{lock}");
    let row = q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(c)
        .await?;
    queue_from(&row.ok_or(StoreError::NotFound)?)
}

/// Makes writes that may move a workspace's default flag take turns, even when the workspace has
/// no queue yet to lock: on PostgreSQL they lock the workspace row (`NO KEY`, so inserts that
/// merely reference the workspace are not held up); on SQLite one writer does every write.
async fn take_default_turn(c: &mut AnyConnection, workspace_id: Uuid) -> Result<()> {
    if c.backend_name() == "PostgreSQL" {
        q(
            "SELECT id FROM workspaces WHERE id = $1 FOR NO KEY UPDATE",
            &[workspace_id.into()],
        )
        .fetch_optional(c)
        .await?;
    }
    Ok(())
}

async fn save_queue(c: &mut AnyConnection, queue: &Queue, insert: bool) -> Result<()> {
    if queue.is_default {
        take_default_turn(c, queue.workspace_id).await?;
        let args = [
            queue.updated_at.into(),
            queue.workspace_id.into(),
            queue.id.into(),
        ];
        q(
            "UPDATE queues SET is_default = 0, updated_at = $1 \
             WHERE workspace_id = $2 AND id <> $3 AND is_default = 1",
            &args,
        )
        .execute(&mut *c)
        .await?;
    }
    let args = [
        queue.id.into(),
        queue.workspace_id.into(),
        queue.name.as_str().into(),
        queue.is_default.into(),
        queue.priority.into(),
        queue.offer_algorithm.as_str().into(),
        json(&queue.settings)?.into(),
        queue.created_at.into(),
        queue.updated_at.into(),
    ];
    let sql = if insert {
        "INSERT INTO queues (id, workspace_id, name, is_default, priority, offer_algorithm, settings, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    } else {
        "UPDATE queues SET name = $3, is_default = $4, priority = $5, offer_algorithm = $6, \
         settings = $7, created_at = $8, updated_at = $9 WHERE id = $1 AND workspace_id = $2"
    };
    q(sql, &args).execute(c).await?;
    Ok(())
}

/// Makes `agent_id` a member; `priority` `None` keeps a member's tier (a new member has none),
/// `Some(tier)` sets it.
async fn upsert_member(
    c: &mut AnyConnection,
    queue: &Queue,
    agent_id: Uuid,
    priority: Option<Option<i64>>,
    now: Timestamp,
) -> Result<()> {
    let conflict = match priority {
        None => "DO NOTHING",
        Some(_) => "DO UPDATE SET priority = excluded.priority",
    };
    let sql = format!(
        "INSERT INTO queue_members (workspace_id, queue_id, agent_id, priority, member_since) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (queue_id, agent_id) {conflict}"
    );
    let args = [
        queue.workspace_id.into(),
        queue.id.into(),
        agent_id.into(),
        opt_int(priority.flatten()),
        now.into(),
    ];
    q(&sql, &args).execute(c).await?;
    Ok(())
}

/// Every queue of the workspace, oldest first.
pub(crate) async fn all_of(c: &mut AnyConnection, workspace_id: Uuid) -> Result<Vec<Queue>> {
    let sql =
        format!("SELECT {COLUMNS} FROM queues WHERE workspace_id = $1 ORDER BY created_at, id");
    q(&sql, &[workspace_id.into()])
        .fetch_all(c)
        .await?
        .iter()
        .map(queue_from)
        .collect()
}

pub(crate) async fn members_of(c: &mut AnyConnection, queue_id: Uuid) -> Result<Vec<QueueMember>> {
    q(
        "SELECT agent_id, priority, member_since FROM queue_members WHERE queue_id = $1 \
         ORDER BY member_since, agent_id",
        &[queue_id.into()],
    )
    .fetch_all(c)
    .await?
    .iter()
    .map(member_from)
    .collect()
}

impl Store {
    /// Creates a queue; a new default queue takes the flag from the old one.
    pub async fn create_queue(&self, queue: Queue) -> Result<Queue> {
        self.write_in(queue.workspace_id, move |c| {
            Box::pin(async move {
                save_queue(c, &queue, true).await?;
                Ok(queue)
            })
        })
        .await
    }

    pub async fn get_queue(&self, workspace_id: Uuid, id: Uuid) -> Result<Queue> {
        self.read(move |c| Box::pin(fetch_queue(c, workspace_id, id, false)))
            .await
    }

    /// Changes a queue; making it the default takes the flag from the old default.
    pub async fn update_queue(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        changes: QueueChanges,
        now: Timestamp,
    ) -> Result<Queue> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut queue = fetch_queue(c, workspace_id, id, true).await?;
                changes.validate()?;
                changes.apply(&mut queue, now);
                save_queue(c, &queue, false).await?;
                Ok(queue)
            })
        })
        .await
    }

    /// Deletes a queue with its memberships; its conversations are left without a queue.
    pub async fn delete_queue(&self, workspace_id: Uuid, id: Uuid) -> Result<()> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move { crate::sql::delete_row(c, "queues", workspace_id, id).await })
        })
        .await
    }

    pub async fn list_queues(
        &self,
        workspace_id: Uuid,
        reverse: bool,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page<Queue>> {
        self.read(move |c| {
            Box::pin(crate::page::by_created(
                c,
                "queues",
                COLUMNS,
                workspace_id,
                reverse,
                after,
                limit,
                queue_from,
            ))
        })
        .await
    }

    /// Every queue of the workspace, oldest first.
    pub async fn all_queues(&self, workspace_id: Uuid) -> Result<Vec<Queue>> {
        self.read(move |c| Box::pin(all_of(c, workspace_id))).await
    }

    /// The members of a queue, longest-standing first.
    pub async fn queue_members(
        &self,
        workspace_id: Uuid,
        queue_id: Uuid,
    ) -> Result<Vec<QueueMember>> {
        self.read(move |c| {
            Box::pin(async move {
                fetch_queue(c, workspace_id, queue_id, false).await?;
                members_of(c, queue_id).await
            })
        })
        .await
    }

    /// Adds members: one outcome per id, in order. Agents of the workspace become (or stay)
    /// members, with the priority given (`None` keeps a member's tier); other ids are reported
    /// as unknown and change nothing.
    pub async fn add_queue_members(
        &self,
        workspace_id: Uuid,
        queue_id: Uuid,
        members: Vec<(Uuid, Option<i64>)>,
        now: Timestamp,
    ) -> Result<Vec<MemberOutcome>> {
        for (_, priority) in &members {
            check_member_priority(*priority)?;
        }
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let queue = fetch_queue(c, workspace_id, queue_id, true).await?;
                let ids: Vec<Uuid> = members.iter().map(|(id, _)| *id).collect();
                let agents = known_agents(c, workspace_id, &ids).await?;
                let mut outcomes = Vec::with_capacity(members.len());
                for (agent_id, priority) in members {
                    if agents.contains(&agent_id) {
                        upsert_member(c, &queue, agent_id, priority.map(Some), now).await?;
                        outcomes.push(MemberOutcome::Member(agent_id));
                    } else {
                        outcomes.push(MemberOutcome::UnknownAgent(agent_id));
                    }
                }
                Ok(outcomes)
            })
        })
        .await
    }

    /// Makes an agent a member with a priority tier (`None` keeps the tier, `Some(None)` clears
    /// it) and answers the membership; `None` when the id is no agent of the workspace.
    pub async fn set_queue_member(
        &self,
        workspace_id: Uuid,
        queue_id: Uuid,
        agent_id: Uuid,
        priority: Option<Option<i64>>,
        now: Timestamp,
    ) -> Result<Option<QueueMember>> {
        check_member_priority(priority.flatten())?;
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let queue = fetch_queue(c, workspace_id, queue_id, true).await?;
                if known_agents(c, workspace_id, &[agent_id]).await?.is_empty() {
                    return Ok(None);
                }
                upsert_member(c, &queue, agent_id, priority, now).await?;
                let members = members_of(c, queue_id).await?;
                Ok(members.into_iter().find(|m| m.agent_id == agent_id))
            })
        })
        .await
    }

    /// Removes members, all or nothing. Either every id is an agent of the workspace and each is
    /// no member afterwards (one `Removed` per id; ids that were no members are fine), or
    /// nothing changes and the answer lists only the ids that are no agents (`UnknownAgent`).
    pub async fn remove_queue_members(
        &self,
        workspace_id: Uuid,
        queue_id: Uuid,
        agent_ids: Vec<Uuid>,
    ) -> Result<Removal> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                fetch_queue(c, workspace_id, queue_id, true).await?;
                remove_members(c, workspace_id, Membership::Queue(queue_id), &agent_ids).await
            })
        })
        .await
    }

    /// Removes one member; `false` when the agent was no member of the queue.
    pub async fn remove_queue_member(
        &self,
        workspace_id: Uuid,
        queue_id: Uuid,
        agent_id: Uuid,
    ) -> Result<bool> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                fetch_queue(c, workspace_id, queue_id, true).await?;
                let gone = q(
                    "DELETE FROM queue_members WHERE queue_id = $1 AND agent_id = $2",
                    &[queue_id.into(), agent_id.into()],
                )
                .execute(c)
                .await?;
                Ok(gone.rows_affected() > 0)
            })
        })
        .await
    }
}
