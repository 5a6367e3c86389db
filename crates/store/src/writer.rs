//! How writes reach the database.
//!
//! PostgreSQL commits concurrent transactions together by itself, so each write takes a pooled
//! connection and its own transaction. SQLite allows one writer at a time, and a durable
//! (`synchronous=FULL`) commit costs an fsync, so one task owns the write connection and puts
//! every write that is waiting into the same transaction: each write runs inside its own
//! savepoint (a failed write is rolled back alone), then one COMMIT makes the whole batch
//! durable, and only then is each caller answered.

use futures::future::BoxFuture;
use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use crate::{Result, StoreError};

/// How many writes may share one SQLite commit.
const MAX_BATCH: usize = 512;

type Reply = Box<dyn FnOnce(Result<()>) + Send>;
type Job = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, (bool, Reply)> + Send>;

/// A write operation: runs its statements on the connection it is given.
pub(crate) trait WriteOp<T>:
    for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + 'static
{
}
impl<T, F> WriteOp<T> for F where
    F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + 'static
{
}

pub(crate) enum Writer {
    /// PostgreSQL: a transaction per write on the shared pool.
    Pooled(AnyPool),
    /// SQLite: the queue of the task that owns the write connection.
    Batched(mpsc::Sender<Job>),
}

impl Writer {
    /// Starts the batching task that owns `conn`; it ends once every sender is gone.
    pub fn batched(conn: AnyConnection) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run_batches(conn, receiver));
        Self::Batched(sender)
    }

    pub async fn write<T: Send + 'static>(&self, op: impl WriteOp<T>) -> Result<T> {
        match self {
            Self::Pooled(pool) => {
                let mut tx = pool.begin().await?;
                let value = op(&mut tx).await?;
                tx.commit().await?;
                Ok(value)
            }
            Self::Batched(queue) => {
                let (answer, answered) = oneshot::channel();
                let job: Job = Box::new(move |conn| {
                    Box::pin(async move {
                        let outcome = op(conn).await;
                        let ok = outcome.is_ok();
                        let reply: Reply = Box::new(move |committed: Result<()>| {
                            let _ = answer.send(committed.and(outcome));
                        });
                        (ok, reply)
                    })
                });
                let gone = || StoreError::Unavailable("the write was not committed".into());
                queue.send(job).await.map_err(|_| gone())?;
                answered.await.map_err(|_| gone())?
            }
        }
    }
}

async fn run_batches(mut conn: AnyConnection, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit_batch(&mut conn, std::mem::take(&mut batch)).await;
    }
}

async fn commit_batch(conn: &mut AnyConnection, jobs: Vec<Job>) {
    let count = jobs.len();
    let mut replies = Vec::with_capacity(count);
    let mut broken: Option<String> = None;
    // Every step between two writes is one call to SQLite: closing one write's savepoint and
    // opening the next go together (each call costs a hop to sqlx's SQLite thread).
    let mut step = "BEGIN IMMEDIATE; SAVEPOINT op";
    for (index, job) in jobs.into_iter().enumerate() {
        if broken.is_some() {
            continue;
        }
        if let Err(error) = conn.execute(step).await {
            broken = Some(error.to_string());
            continue;
        }
        let (ok, reply) = job(conn).await;
        replies.push(reply);
        let last = index + 1 == count;
        step = match (ok, last) {
            (true, false) => "RELEASE op; SAVEPOINT op",
            (false, false) => "ROLLBACK TO op; RELEASE op; SAVEPOINT op",
            (true, true) => "RELEASE op; COMMIT",
            (false, true) => "ROLLBACK TO op; RELEASE op; COMMIT",
        };
    }
    let committed = match broken {
        None => conn
            .execute(step)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Some(message) => {
            let _ = conn.execute("ROLLBACK").await;
            Err(message)
        }
    };
    if let Err(message) = &committed {
        tracing::error!(%message, "a write batch did not commit");
    }
    for reply in replies {
        reply(committed.clone().map_err(StoreError::Unavailable));
    }
}
