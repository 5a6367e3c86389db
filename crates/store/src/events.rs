//! The event log. Writes record their events with [`record`] inside their own transaction, so
//! an event exists exactly when its change does; streams read the log in `seq` order and wait
//! for news of writes (this node's at once; another node's when its change notice arrives).

use domain::Uuid;
use domain::event::{Event, NewEvent};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tokio::sync::watch;

use crate::sql::{RowExt, Sql, json, q};
use crate::{Result, Store};

/// Appends an event to the log, in the caller's transaction.
pub(crate) async fn record(c: &mut AnyConnection, event: &NewEvent) -> Result<()> {
    record_all(c, std::slice::from_ref(event)).await
}

/// How many events one INSERT carries (six values each, well under either database's limit on
/// the values of one statement).
const EVENTS_PER_INSERT: usize = 500;

/// The advisory lock that PostgreSQL transactions writing events hold from their first event to
/// their commit.
const EVENT_LOG_LOCK: i64 = 0x5357_4254_4556; // "SWBTEV"

/// Appends events to the log in their order, in the caller's transaction: many at a time, since
/// each statement costs a round trip (on SQLite, a hop to its thread). Call it last in a
/// transaction, after its other writes.
///
/// A stream resumes after the last `seq` it delivered, so a transaction must never commit an
/// event below a `seq` someone may already have read. On SQLite the one writer commits in
/// order. PostgreSQL hands out `seq` at the insert and commits concurrent transactions in any
/// order, so there each transaction takes [`EVENT_LOG_LOCK`] before its first event and holds
/// it to its commit: events become visible in `seq` order. Taken last, after the transaction's
/// row locks, it cannot be part of a deadlock.
pub(crate) async fn record_all(c: &mut AnyConnection, events: &[NewEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    if c.backend_name() == "PostgreSQL" {
        q("SELECT pg_advisory_xact_lock($1)", &[EVENT_LOG_LOCK.into()])
            .execute(&mut *c)
            .await?;
    }
    for chunk in events.chunks(EVENTS_PER_INSERT) {
        let mut rows = Vec::with_capacity(chunk.len());
        for event in chunk {
            rows.push(vec![
                event.workspace_id.into(),
                event.agent_id.into(),
                event.conversation_id.into(),
                event.kind.into(),
                json(&event.data)?.into(),
                event.at.into(),
            ]);
        }
        Sql::new(
            "INSERT INTO events (workspace_id, agent_id, conversation_id, kind, data, at) VALUES ",
        )
        .bind_rows(rows)
        .execute(c)
        .await?;
    }
    Ok(())
}

const COLUMNS: &str = "seq, workspace_id, agent_id, conversation_id, kind, data, at";

fn event_from(row: &AnyRow) -> Result<Event> {
    Ok(Event {
        seq: row.int("seq")?,
        workspace_id: row.uuid("workspace_id")?,
        agent_id: row.opt_uuid("agent_id")?,
        conversation_id: row.opt_uuid("conversation_id")?,
        kind: row.text("kind")?,
        data: row.json("data")?,
        at: row.time("at")?,
    })
}

impl Store {
    /// Up to `limit` events of a workspace after `after`, oldest first; only those of one
    /// agent when `agent` is given.
    pub async fn events_after(
        &self,
        workspace_id: Uuid,
        agent: Option<Uuid>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Event>> {
        self.read(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(&format!(
                    "SELECT {COLUMNS} FROM events WHERE workspace_id = "
                ));
                sql.bind(workspace_id);
                if let Some(agent) = agent {
                    sql.push(" AND agent_id = ").bind(agent);
                }
                sql.push(" AND seq > ")
                    .bind(after)
                    .push(" ORDER BY seq LIMIT ")
                    .bind(limit as i64);
                sql.fetch_all(c).await?.iter().map(event_from).collect()
            })
        })
        .await
    }

    /// Every event of one conversation, oldest first: its history. NotFound when the workspace
    /// has no such conversation.
    pub async fn conversation_history(
        &self,
        workspace_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<Vec<Event>> {
        self.read(move |c| {
            Box::pin(async move {
                let known =
                    crate::sql::row_exists(c, "conversations", workspace_id, conversation_id)
                        .await?;
                if !known {
                    return Err(crate::StoreError::NotFound);
                }
                let sql = format!(
                    "SELECT {COLUMNS} FROM events WHERE workspace_id = $1 AND conversation_id = $2 \
                     ORDER BY seq"
                );
                let rows = q(&sql, &[workspace_id.into(), conversation_id.into()])
                    .fetch_all(c)
                    .await?;
                rows.iter().map(event_from).collect()
            })
        })
        .await
    }

    /// The `seq` of the newest event in the log (0 when it is empty): a stream that starts
    /// without a resumption point starts after it.
    pub async fn last_event_seq(&self) -> Result<i64> {
        self.read(|c| {
            Box::pin(async move {
                let row = q("SELECT MAX(seq) AS last FROM events", &[])
                    .fetch_one(c)
                    .await?;
                Ok(row.opt_int("last")?.unwrap_or(0))
            })
        })
        .await
    }

    /// Changes after every write this node commits or hears of; wait on it for new events.
    pub fn written(&self) -> watch::Receiver<u64> {
        self.caches().written.subscribe()
    }
}
