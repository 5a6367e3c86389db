//! How writes reach the database.
//!
//! PostgreSQL commits concurrent transactions together by itself, so each write takes a pooled
//! connection and its own transaction. SQLite allows one writer at a time, and a durable
//! (`synchronous=FULL`) commit costs an fsync, so one task owns the write connection and puts
//! every write that is waiting into the same transaction: each write runs inside its own
//! savepoint (a failed write is rolled back alone), then one COMMIT makes the whole batch
//! durable, and only then is each caller answered.
//!
//! A write of a single statement needs no savepoint: SQLite undoes a statement that breaks a
//! constraint by itself and keeps the transaction. Any other failure of such a write may have
//! cost the whole transaction, so it ends the batch: nothing after it runs, nothing commits.
//!
//! The writer also finishes the checkpoints of the write-ahead log. A read connection copies
//! the log back into the database file every second beside the writer, but under steady
//! writes new commits land behind every such checkpoint, so it never covers the whole log, and
//! the log only starts over from its beginning after one that does: it grew without end (half
//! a gigabyte in eight seconds of the routing benchmark), every commit growing the file and
//! every read searching a longer index of it. So after each of those checkpoints the writer,
//! between two batches, copies back the little written since: nothing is written meanwhile,
//! so that one covers the whole log, and the next commit starts it over.
//!
//! The events the writes of a batch record are kept aside and written together with its
//! commit, in one call: a write that is one statement and an event then costs one hop to
//! SQLite's thread, not two. A write that is undone keeps none.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use domain::event::NewEvent;
use futures::future::BoxFuture;
use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use crate::coherence::{Change, begin_announcing};
use crate::events::{DEFERRED, inserts, lock};
use crate::sql::Sql;
use crate::{Result, StoreError};

/// Copies the write-ahead log back into the database file as far as no reader needs it, waiting
/// for no one.
pub(crate) const CHECKPOINT: &str = "PRAGMA wal_checkpoint(PASSIVE)";

/// How many writes may share one SQLite commit.
const MAX_BATCH: usize = 512;

type Reply = Box<dyn FnOnce(Result<()>) + Send>;
type Run = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, (Outcome, Reply)> + Send>;

/// A queued write and whether it runs inside its own savepoint.
pub(crate) struct Job {
    run: Run,
    statements: Statements,
}

/// How many statements a write may run; one needs no savepoint of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Statements {
    One,
    Many,
}

/// How a write ended, as the batch needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    /// Refused by a rule or a constraint: its statement, if any, was undone and the
    /// transaction goes on.
    Refused,
    /// Failed otherwise: the transaction may be gone.
    Failed,
}

impl Outcome {
    fn of<T>(result: &Result<T>) -> Self {
        match result {
            Ok(_) => Self::Done,
            Err(StoreError::NotFound | StoreError::Conflict(_) | StoreError::Invalid(_)) => {
                Self::Refused
            }
            Err(_) => Self::Failed,
        }
    }
}

/// A write operation: runs its statements on the connection it is given.
pub(crate) trait WriteOp<T>:
    for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + 'static
{
}
impl<T, F> WriteOp<T> for F where
    F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + 'static
{
}

#[derive(Clone)]
pub(crate) enum Writer {
    /// PostgreSQL: a transaction per write on the shared pool.
    Pooled(AnyPool),
    /// SQLite: the queue of the task that owns the write connection.
    Batched(mpsc::Sender<Job>),
}

impl Writer {
    /// Starts the batching task that owns `conn`; it ends once every sender is gone. It
    /// finishes a checkpoint whenever `bulk_copied` says one was made beside it.
    pub fn batched(conn: AnyConnection, bulk_copied: Arc<AtomicBool>) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run_batches(conn, receiver, bulk_copied));
        Self::Batched(sender)
    }

    /// Runs `op` in a transaction that, on PostgreSQL, tells the other nodes of `changes` as it
    /// commits (on SQLite one process owns the database: there is no one else to tell).
    pub async fn write<T: Send + 'static>(
        &self,
        statements: Statements,
        changes: &[Change],
        op: impl WriteOp<T>,
    ) -> Result<T> {
        match self {
            Self::Pooled(pool) => {
                let mut tx = pool.begin_with(begin_announcing(changes)).await?;
                let value = op(&mut tx).await?;
                tx.commit().await?;
                Ok(value)
            }
            Self::Batched(queue) => {
                let (answer, answered) = oneshot::channel();
                let run: Run = Box::new(move |conn| {
                    Box::pin(async move {
                        let result = op(conn).await;
                        let outcome = Outcome::of(&result);
                        let reply: Reply = Box::new(move |committed: Result<()>| {
                            let _ = answer.send(committed.and(result));
                        });
                        (outcome, reply)
                    })
                });
                let job = Job { run, statements };
                let gone = || StoreError::Unavailable("the write was not committed".into());
                queue.send(job).await.map_err(|_| gone())?;
                answered.await.map_err(|_| gone())?
            }
        }
    }
}

async fn run_batches(
    mut conn: AnyConnection,
    mut queue: mpsc::Receiver<Job>,
    bulk_copied: Arc<AtomicBool>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if bulk_copied.swap(false, Ordering::AcqRel)
            && let Err(error) = conn.execute(CHECKPOINT).await
        {
            tracing::warn!(%error, "could not finish a checkpoint of the write-ahead log");
        }
        commit_batch(&mut conn, std::mem::take(&mut batch)).await;
    }
}

async fn commit_batch(conn: &mut AnyConnection, jobs: Vec<Job>) {
    let mut replies = Vec::with_capacity(jobs.len());
    let mut broken: Option<String> = None;
    // Statements to send before the next write, all in one call: each call costs a hop to
    // sqlx's SQLite thread, so closing one savepoint and opening the next go together.
    let mut pending = vec!["BEGIN IMMEDIATE"];
    // The events of the writes done, written together at the end (see `events::record_all`).
    let mut events = Vec::new();
    for job in jobs {
        if broken.is_some() {
            continue;
        }
        let guarded = job.statements == Statements::Many;
        if guarded {
            pending.push("SAVEPOINT op");
        }
        if !pending.is_empty() {
            if let Err(error) = conn.execute(pending.join("; ").as_str()).await {
                broken = Some(error.to_string());
                continue;
            }
            pending.clear();
        }
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let (outcome, reply) = DEFERRED.scope(recorded.clone(), (job.run)(conn)).await;
        replies.push(reply);
        if outcome == Outcome::Done {
            events.append(&mut lock(&recorded));
        }
        match (guarded, outcome) {
            (true, Outcome::Done) => pending.push("RELEASE op"),
            (true, _) => pending.push("ROLLBACK TO op; RELEASE op"),
            (false, Outcome::Failed) => broken = Some("a write failed and ended its batch".into()),
            (false, _) => {}
        }
    }
    let committed = match broken {
        None => commit(conn, &pending, &events).await,
        Some(message) => Err(message),
    };
    if let Err(message) = &committed {
        let _ = conn.execute("ROLLBACK").await;
        tracing::error!(%message, "a write batch did not commit");
    }
    for reply in replies {
        reply(committed.clone().map_err(StoreError::Unavailable));
    }
}

/// Ends the batch in one call: the statements still pending, the batch's events, the commit.
async fn commit(
    conn: &mut AnyConnection,
    pending: &[&str],
    events: &[NewEvent],
) -> std::result::Result<(), String> {
    let mut end = Sql::default();
    for statement in pending {
        end.push(statement).push("; ");
    }
    for insert in inserts(events).map_err(|e| e.to_string())? {
        end.append(&insert).push("; ");
    }
    end.push("COMMIT");
    end.execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
