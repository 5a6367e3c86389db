//! Opening the database: which backend a URL names, connection set-up, migrations, and the
//! [`Store`] handle that every operation hangs off.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use domain::Uuid;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor};

use crate::agents::{self, NewAgents};
use crate::coherence::{Caches, Change};
use crate::writer::{CHECKPOINT, Statements, WriteOp, Writer};
use crate::{Result, StoreError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Durability first: WAL with a full fsync at every commit, so an acknowledged write survives a
/// power cut. Foreign keys keep memberships from outliving what they join. `secure_delete`
/// overwrites what a write removes, so an anonymized end user's old values do not linger in
/// the file's free space. Temporary files stay in memory: the statement journals that let one
/// statement or savepoint of a batch be undone alone are not needed after a crash (the
/// write-ahead log is what recovers), and writing them to a file cost the writer a system call
/// per page.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
    PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA secure_delete = ON; \
    PRAGMA temp_store = MEMORY;";

/// SQLite copies the write-ahead log back into the database file (a checkpoint, with an fsync of
/// that file) on the connection whose commit fills the log, which would stall every write
/// waiting behind it. The writer leaves that to [`checkpoint_regularly`] instead.
const WRITER_LEAVES_CHECKPOINTS: &str = "PRAGMA wal_autocheckpoint = 0";

/// How long a pooled connection may sit unused and still be taken without first trying it.
const TRY_AFTER_IDLE: Duration = Duration::from_secs(1);

/// How often the write-ahead log is copied back, beside the writer.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Checkpoints the log on a read connection, without waiting for readers or the writer
/// (`PASSIVE`), then tells the writer, which finishes the checkpoint (see
/// [`crate::writer`]). Ends when the pool closes.
async fn checkpoint_regularly(reads: AnyPool, bulk_copied: Arc<AtomicBool>) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    while !reads.is_closed() {
        every.tick().await;
        let checkpoint = async {
            let mut conn = reads.acquire().await?;
            conn.execute(CHECKPOINT).await?;
            Ok::<_, sqlx::Error>(())
        };
        match checkpoint.await {
            Ok(()) => bulk_copied.store(true, Ordering::Release),
            Err(error) if !reads.is_closed() => {
                tracing::warn!(%error, "could not checkpoint the write-ahead log");
            }
            Err(_) => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// The handle to storage. Cheap to clone; every clone shares the pools and the writer.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    reads: AnyPool,
    writer: Writer,
    caches: Arc<Caches>,
    new_agents: NewAgents,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`) and runs the migrations.
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)
            .ok_or_else(|| StoreError::Other(format!("unsupported database URL: {url}")))?;
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        let reads = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            // A ping before every use costs a round trip each read and write; a connection in
            // steady use is known to be alive, so only one idle a while is tried first.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > TRY_AFTER_IDLE {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;
        let writer = match backend {
            Backend::Postgres => Writer::Pooled(reads.clone()),
            Backend::Sqlite => {
                let mut conn = AnyConnection::connect_with(&options).await?;
                conn.execute(SQLITE_PRAGMAS).await?;
                conn.execute(WRITER_LEAVES_CHECKPOINTS).await?;
                let bulk_copied = Arc::new(AtomicBool::new(false));
                tokio::spawn(checkpoint_regularly(reads.clone(), bulk_copied.clone()));
                Writer::batched(conn, bulk_copied)
            }
        };
        let caches = Caches::new(backend == Backend::Sqlite);
        if backend == Backend::Postgres {
            tokio::spawn(caches.clone().follow_postgres(url.to_owned()));
        }
        let store = Self {
            inner: Arc::new(Inner {
                backend,
                reads,
                new_agents: agents::gather_new_agents(writer.clone()),
                writer,
                caches,
            }),
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Brings the schema up to date; safe to run from several nodes at once.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.inner.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let mut conn = self.inner.reads.acquire().await?;
        migrator
            .run(&mut *conn)
            .await
            .map_err(|e| StoreError::Other(format!("migration: {e}")))
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.inner.reads.acquire().await?;
        conn.ping().await?;
        Ok(())
    }

    /// Waits until every write queued so far is committed, then closes the connections.
    pub async fn close(&self) {
        // Writes commit in queue order, so once an empty write is through, all before it are.
        let _ = self.write(|_| Box::pin(async { Ok(()) })).await;
        self.inner.reads.close().await;
    }

    /// After an erasure: on SQLite, moves the write-ahead log into the database file and empties
    /// it, so the old page images it held (with the erased values) are gone from disk too;
    /// `secure_delete` has already zeroed them in the pages themselves. PostgreSQL keeps dead
    /// row versions until vacuum, out of reach of SQL. Best effort: a busy log is emptied at
    /// the next checkpoint instead.
    pub(crate) async fn erase_traces(&self) {
        if self.inner.backend != Backend::Sqlite {
            return;
        }
        let checkpoint = async {
            let mut conn = self.inner.reads.acquire().await?;
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
            Ok::<_, sqlx::Error>(())
        };
        if let Err(error) = checkpoint.await {
            tracing::warn!(%error, "could not empty the write-ahead log after an erasure");
        }
    }

    pub(crate) fn caches(&self) -> &Caches {
        &self.inner.caches
    }

    pub(crate) fn new_agents(&self) -> &NewAgents {
        &self.inner.new_agents
    }

    /// Runs a read on a pooled connection.
    pub(crate) async fn read<T>(
        &self,
        op: impl for<'c> FnOnce(&'c mut AnyConnection) -> futures::future::BoxFuture<'c, Result<T>>,
    ) -> Result<T> {
        let mut conn = self.inner.reads.acquire().await?;
        op(&mut conn).await
    }

    /// Runs a write as one transaction (grouped with others on SQLite; see [`crate::writer`]).
    pub(crate) async fn write<T: Send + 'static>(&self, op: impl WriteOp<T>) -> Result<T> {
        let value = self.inner.writer.write(Statements::Many, &[], op).await?;
        self.caches().wrote();
        Ok(value)
    }

    /// Runs a write that issues at most one writing statement that can be refused (its reads
    /// do not count, nor an event it records after that statement, which no constraint can
    /// refuse): it needs no savepoint of its own (see [`crate::writer`]).
    pub(crate) async fn write_single<T: Send + 'static>(&self, op: impl WriteOp<T>) -> Result<T> {
        let value = self.inner.writer.write(Statements::One, &[], op).await?;
        self.caches().wrote();
        Ok(value)
    }

    /// Runs a write that changes what `changes` names, and makes every node's caches forget it
    /// (see [`crate::coherence`]).
    pub(crate) async fn write_changing<T: Send + 'static>(
        &self,
        changes: &[Change],
        op: impl WriteOp<T>,
    ) -> Result<T> {
        let value = self
            .inner
            .writer
            .write(Statements::Many, changes, op)
            .await?;
        for change in changes {
            self.caches().forget(*change);
        }
        self.caches().wrote_changing(changes);
        Ok(value)
    }

    /// Runs a write that changes something in a workspace.
    pub(crate) async fn write_in<T: Send + 'static>(
        &self,
        workspace_id: Uuid,
        op: impl WriteOp<T>,
    ) -> Result<T> {
        self.write_changing(&[Change::Workspace(workspace_id)], op)
            .await
    }
}
