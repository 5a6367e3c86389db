//! The event log. Writes record their events with [`record`] inside their own transaction, so
//! an event exists exactly when its change does; streams read the log in `seq` order and wait
//! for news of writes (this node's at once; another node's when its change notice arrives).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use domain::Uuid;
use domain::event::{Event, NewEvent};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tokio::sync::watch;

use crate::sql::{ROWS_PER_STATEMENT, RowExt, Sql, json, q};
use crate::{Result, Store};

/// Appends an event to the log, in the caller's transaction.
pub(crate) async fn record(c: &mut AnyConnection, event: &NewEvent) -> Result<()> {
    record_all(c, std::slice::from_ref(event)).await
}

/// Appends events to the log in their order, in the caller's transaction: many at a time, since
/// each statement costs a round trip (on SQLite, a hop to its thread). Inside a SQLite batch
/// (see [`crate::writer`]) they are kept for the batch to write with everyone else's just before
/// its commit; every write records its events last, so nothing it does comes after them.
pub(crate) async fn record_all(c: &mut AnyConnection, events: &[NewEvent]) -> Result<()> {
    if DEFERRED
        .try_with(|deferred| lock(deferred).extend_from_slice(events))
        .is_ok()
    {
        return Ok(());
    }
    for insert in inserts(events)? {
        insert.execute(c).await?;
    }
    Ok(())
}

tokio::task_local! {
    /// The events recorded by the write running now in a SQLite batch.
    pub(crate) static DEFERRED: Arc<Mutex<Vec<NewEvent>>>;
}

pub(crate) fn lock(events: &Mutex<Vec<NewEvent>>) -> MutexGuard<'_, Vec<NewEvent>> {
    events.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The statements that append `events` to the log, in their order.
pub(crate) fn inserts(events: &[NewEvent]) -> Result<Vec<Sql>> {
    let mut statements = Vec::with_capacity(events.len().div_ceil(ROWS_PER_STATEMENT));
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
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
        let mut insert = Sql::new(
            "INSERT INTO events (workspace_id, agent_id, conversation_id, kind, data, at) ",
        );
        insert.select_rows(rows)?;
        statements.push(insert);
    }
    Ok(statements)
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

/// Where a stream stands in the log: after the event `seq` of the transaction `tx`.
///
/// A stream must never pass an event that becomes visible later. SQLite's one writer commits
/// in `seq` order (its `tx` is always 0). PostgreSQL commits concurrent transactions in any
/// order, so there the log is read by (`tx`, `seq`), and only as far as the oldest transaction
/// still running: every event before that point is final (see migration 0006).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LogPosition {
    tx: i64,
    seq: i64,
}

impl LogPosition {
    /// Before every event.
    pub const START: Self = Self {
        tx: i64::MIN,
        seq: i64::MIN,
    };
}

/// Appends "after `position`, as far as the log is final" to a query of the events, in the
/// database's dialect.
fn push_after(sql: &mut Sql, c: &AnyConnection, position: LogPosition) {
    if is_postgres(c) {
        sql.push(" AND (tx, seq) > (")
            .bind(position.tx)
            .push(", ")
            .bind(position.seq)
            .push(&format!(") AND tx < {OLDEST_RUNNING}"));
    } else {
        // Every `tx` is 0 here; said so, the index serves the `seq` range.
        sql.push(" AND tx = 0 AND seq > ").bind(position.seq);
    }
}

/// On PostgreSQL, the oldest transaction still running: it and every later one may yet
/// commit events.
const OLDEST_RUNNING: &str = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

fn is_postgres(c: &AnyConnection) -> bool {
    c.backend_name() == "PostgreSQL"
}

impl Store {
    /// Up to `limit` events of a workspace after `after`, in log order, each with its
    /// position; only those of one agent when `agent` is given.
    pub async fn events_after(
        &self,
        workspace_id: Uuid,
        agent: Option<Uuid>,
        after: LogPosition,
        limit: usize,
    ) -> Result<Vec<(LogPosition, Event)>> {
        self.read(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(&format!(
                    "SELECT {COLUMNS}, tx FROM events WHERE workspace_id = "
                ));
                sql.bind(workspace_id);
                if let Some(agent) = agent {
                    sql.push(" AND agent_id = ").bind(agent);
                }
                push_after(&mut sql, c, after);
                sql.push(" ORDER BY tx, seq LIMIT ").bind(limit as i64);
                sql.fetch_all(c)
                    .await?
                    .iter()
                    .map(|row| {
                        let at = LogPosition {
                            tx: row.int("tx")?,
                            seq: row.int("seq")?,
                        };
                        Ok((at, event_from(row)?))
                    })
                    .collect()
            })
        })
        .await
    }

    /// Where the event `seq` of a workspace stands in the log, to resume after it; None when
    /// the workspace has no such event.
    pub async fn log_position_of(
        &self,
        workspace_id: Uuid,
        seq: i64,
    ) -> Result<Option<LogPosition>> {
        self.read(move |c| {
            Box::pin(async move {
                let row = q(
                    "SELECT tx FROM events WHERE workspace_id = $1 AND seq = $2",
                    &[workspace_id.into(), seq.into()],
                )
                .fetch_optional(c)
                .await?;
                row.map(|row| {
                    Ok(LogPosition {
                        tx: row.int("tx")?,
                        seq,
                    })
                })
                .transpose()
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

    /// The end of the log as far as it is final: a stream that starts without a resumption
    /// point starts there, so it gets every event that becomes visible from now on.
    pub async fn log_end(&self) -> Result<LogPosition> {
        self.read(|c| {
            Box::pin(async move {
                if is_postgres(c) {
                    let sql = format!("SELECT {OLDEST_RUNNING} AS oldest");
                    let oldest = q(&sql, &[]).fetch_one(c).await?.int("oldest")?;
                    // Every event of a transaction from `oldest` on is still to come.
                    return Ok(LogPosition {
                        tx: oldest - 1,
                        seq: i64::MAX,
                    });
                }
                let row = q("SELECT MAX(seq) AS last FROM events", &[])
                    .fetch_one(c)
                    .await?;
                Ok(LogPosition {
                    tx: 0,
                    seq: row.opt_int("last")?.unwrap_or(0),
                })
            })
        })
        .await
    }

    /// Changes after every write this node commits or hears of; wait on it for new events.
    pub fn written(&self) -> watch::Receiver<u64> {
        self.caches().written.subscribe()
    }

    /// Changes after every write this node commits or hears of, but routing's own: routing
    /// reads agents and queues again after it.
    pub fn written_outside_routing(&self) -> watch::Receiver<u64> {
        self.caches().written_outside_routing.subscribe()
    }
}
