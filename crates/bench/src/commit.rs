//! The database's own durable commit rate: one row per transaction, nothing else in the way but
//! sqlx (a prepared, cached statement per insert). This is the floor a durable create should
//! reach: a server that acknowledges only committed writes cannot commit faster than this one
//! row at a time, and only grouping several writes into one commit can beat it.

use std::path::Path;
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Executor};

/// Commits per second of one SQLite connection on a fresh file in WAL mode with
/// `synchronous=FULL` (an fsync of the log at every commit), as the server runs it.
pub async fn sqlite(file: &Path, duration: Duration) -> anyhow::Result<f64> {
    let mut conn = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .connect()
        .await?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS bench_commits (id INTEGER PRIMARY KEY, value TEXT NOT NULL)",
    )
    .await?;
    let started = Instant::now();
    let mut commits = 0u64;
    while started.elapsed() < duration {
        sqlx::query("INSERT INTO bench_commits (value) VALUES (?)")
            .bind(format!("row {commits}"))
            .execute(&mut conn)
            .await?;
        commits += 1;
    }
    conn.close().await?;
    Ok(commits as f64 / started.elapsed().as_secs_f64())
}

/// Commits per second of `connections` PostgreSQL connections together, each inserting one row
/// per autocommit statement back to back.
pub async fn postgres(url: &str, connections: usize, duration: Duration) -> anyhow::Result<f64> {
    let mut conns = Vec::with_capacity(connections);
    for _ in 0..connections {
        conns.push(PgConnection::connect(url).await?);
    }
    conns[0]
        .execute("CREATE TABLE IF NOT EXISTS bench_commits (id BIGSERIAL PRIMARY KEY, value TEXT)")
        .await?;
    let started = Instant::now();
    let workers: Vec<_> = conns
        .into_iter()
        .map(|conn| tokio::spawn(postgres_inserts(conn, started + duration)))
        .collect();
    let mut commits = 0;
    for worker in workers {
        commits += worker.await??;
    }
    Ok(commits as f64 / started.elapsed().as_secs_f64())
}

async fn postgres_inserts(mut conn: PgConnection, deadline: Instant) -> anyhow::Result<u64> {
    let mut commits = 0u64;
    while Instant::now() < deadline {
        sqlx::query("INSERT INTO bench_commits (value) VALUES ($1)")
            .bind(format!("row {commits}"))
            .execute(&mut conn)
            .await?;
        commits += 1;
    }
    conn.close().await?;
    Ok(commits)
}
