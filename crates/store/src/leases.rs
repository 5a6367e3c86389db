//! Which node routes a workspace. Routing decisions must come from one node at a time, so a
//! node routes a workspace only while it holds that workspace's lease, renewing it before it
//! runs out; another node takes it over only once it has run out. Every new holder gets a
//! higher `epoch`, which its writes carry, so a node that lost its lease (paused, cut off)
//! cannot write over its successor's decisions.

use domain::{Timestamp, Uuid};

use crate::sql::{RowExt, q};
use crate::{Result, Store};

/// A node's hold on routing one workspace, valid until `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub workspace_id: Uuid,
    pub node_id: Uuid,
    pub epoch: i64,
    pub expires_at: Timestamp,
}

impl Store {
    /// Takes the lease on routing `workspace_id` for `node_id` (reached at `node_url`) until
    /// `until`, or renews it when the node holds it already; `None` while another node's lease
    /// runs.
    pub async fn take_lease(
        &self,
        workspace_id: Uuid,
        node_id: Uuid,
        node_url: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Option<Lease>> {
        let node_url = node_url.to_owned();
        self.write(move |c| {
            Box::pin(async move {
                // The SET expressions read the row as it was: a new holder moves the epoch on.
                let row = q(
                    "INSERT INTO routing_leases (workspace_id, node_id, epoch, expires_at, node_url) \
                     VALUES ($1, $2, 1, $3, $5) \
                     ON CONFLICT (workspace_id) DO UPDATE SET \
                       epoch = CASE WHEN routing_leases.node_id = excluded.node_id \
                         THEN routing_leases.epoch ELSE routing_leases.epoch + 1 END, \
                       node_id = excluded.node_id, expires_at = excluded.expires_at, \
                       node_url = excluded.node_url \
                     WHERE routing_leases.node_id = excluded.node_id \
                       OR routing_leases.expires_at <= $4 \
                     RETURNING epoch, expires_at",
                    &[
                        workspace_id.into(),
                        node_id.into(),
                        until.into(),
                        now.into(),
                        node_url.into(),
                    ],
                )
                .fetch_optional(c)
                .await?;
                row.map(|row| {
                    Ok(Lease {
                        workspace_id,
                        node_id,
                        epoch: row.int("epoch")?,
                        expires_at: row.time("expires_at")?,
                    })
                })
                .transpose()
            })
        })
        .await
    }

    /// The URL of the node whose lease on routing `workspace_id` runs at `now`, if one does.
    pub async fn routing_node_url(
        &self,
        workspace_id: Uuid,
        now: Timestamp,
    ) -> Result<Option<String>> {
        self.read(move |c| {
            Box::pin(async move {
                let row = q(
                    "SELECT node_url FROM routing_leases WHERE workspace_id = $1 AND expires_at > $2",
                    &[workspace_id.into(), now.into()],
                )
                .fetch_optional(c)
                .await?;
                Ok(row.map(|row| row.opt_text("node_url")).transpose()?.flatten())
            })
        })
        .await
    }

    /// The workspaces with routed work still open (a conversation naming a queue, a team or an
    /// agent, not yet closed or abandoned) that no node routes now: no lease, a lease run out,
    /// or a lease of `node_id` itself (taken before it restarted).
    pub async fn workspaces_to_route(&self, node_id: Uuid, now: Timestamp) -> Result<Vec<Uuid>> {
        self.read(move |c| {
            Box::pin(async move {
                // The status list names each open status so that the (workspace, status) index
                // answers the probe.
                let rows = q(
                    "SELECT w.id FROM workspaces w \
                     LEFT JOIN routing_leases l ON l.workspace_id = w.id \
                     WHERE (l.workspace_id IS NULL OR l.expires_at <= $2 OR l.node_id = $1) \
                       AND EXISTS (SELECT 1 FROM conversations c WHERE c.workspace_id = w.id \
                         AND c.status IN ('pending', 'offered', 'assigned', 'wrapUp') \
                         AND (c.queue_id IS NOT NULL OR c.team_id IS NOT NULL \
                           OR c.target_agent_id IS NOT NULL))",
                    &[node_id.into(), now.into()],
                )
                .fetch_all(c)
                .await?;
                rows.iter().map(|row| row.uuid("id")).collect()
            })
        })
        .await
    }

    /// Gives the lease up at once (on shutdown), so that another node need not wait it out.
    pub async fn release_lease(&self, lease: Lease, now: Timestamp) -> Result<()> {
        self.write(move |c| {
            Box::pin(async move {
                q(
                    "UPDATE routing_leases SET expires_at = $4 \
                     WHERE workspace_id = $1 AND node_id = $2 AND epoch = $3",
                    &[
                        lease.workspace_id.into(),
                        lease.node_id.into(),
                        lease.epoch.into(),
                        now.into(),
                    ],
                )
                .execute(c)
                .await?;
                Ok(())
            })
        })
        .await
    }
}
