//! # switchboard-bench
//!
//! Measures the agent API of the real switchboard server, started in this process on SQLite (a
//! fresh file) and, given `--postgres URL`, on a fresh PostgreSQL database made on that server and
//! dropped afterwards. For each it creates a workspace with an admin key and `--agents` agents
//! over HTTP, then drives a closed loop of `--concurrency` keep-alive connections for
//! `--seconds` at each of
//!
//! * Get Agent (a random agent each time), the hot read,
//! * List Agents `?limit=10`, a page with its total,
//! * Create Agent (a new name each time), a durable write,
//!
//! and reports requests per second and latency p50/p99, counting every unexpected status.
//!
//! Two yardsticks put the figures in proportion, both measured in the same run on the same
//! machine:
//!
//! * a bare axum handler answering the Get Agent path with a recorded Get Agent body, under the
//!   same load: what HTTP alone costs, so Get Agent's share of it shows the server's own cost;
//! * the database's durable single-row commit rate (SQLite WAL with `synchronous=FULL`, one
//!   connection; PostgreSQL with one and with `--concurrency` connections), so the create rate
//!   can be judged against the aim "create agent (durable) at no less than the database's own
//!   single-row commit rate".
//!
//! Each yardstick runs in one-second turns with what it measures (Get Agent, then the bare
//! handler, then Get Agent again…; Create Agent, then the commits…), since a shared host's speed
//! drifts over a run and a ratio of figures taken minutes apart measured the drift.
//!
//! Load generator, servers and databases share the machine's cores, so the figures are for
//! comparison within a run, not capacity planning. Progress goes to stderr; the Markdown tables
//! of results go to stdout.

mod commit;
mod load;
mod routing;
mod target;

/// The allocator the server binary runs with (see its `main.rs`), so the figures are its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::json;

use load::{Load, MakeRequest, Stats};
use target::{Fixture, PgDatabase};

const GET: &str = "GET /workspaces/{id}/agents/{agentId}";
const LIST: &str = "GET /workspaces/{id}/agents?limit=10";
const CREATE: &str = "POST /workspaces/{id}/agents";
const BARE: &str = "GET /workspaces/{id}/agents/{agentId} (bare axum)";

#[derive(Debug, Parser)]
#[command(about = "Load benchmark of the switchboard agent API")]
struct Args {
    /// A PostgreSQL server URL (`postgres://user@host:port/db`); a fresh database is made there.
    #[arg(long, env = "SWITCHBOARD_BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Seconds of load per request kind.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Connections sending requests back to back.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Agents created before the load starts.
    #[arg(long, default_value_t = 1000)]
    agents: usize,
    /// Measure routing end to end instead: conversations created and offered per second, and
    /// the time from create to the offer on the event stream at `--rate` creates per second.
    #[arg(long)]
    routing: bool,
    /// Creates per second of the routing latency run.
    #[arg(long, default_value_t = 500)]
    rate: u32,
    /// Workspaces the routing run spreads its load over, each with `--agents` agents.
    #[arg(long, default_value_t = 1)]
    workspaces: usize,
}

struct HttpRow {
    server: &'static str,
    request: &'static str,
    stats: Stats,
}

struct CommitRow {
    database: &'static str,
    connections: usize,
    rate: f64,
}

#[derive(Default)]
struct Report {
    http: Vec<HttpRow>,
    commits: Vec<CommitRow>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let load = Load {
        concurrency: args.concurrency,
        duration: Duration::from_secs(args.seconds),
    };
    let mut report = Report::default();
    if args.routing {
        return bench_routing(&args, load).await;
    }

    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("switchboard.db").display()
    );
    let commits_file = dir.path().join("commits.db");
    let sqlite_commits: CommitTurn = Box::new(move |turn| {
        let file = commits_file.clone();
        Box::pin(async move { Ok(vec![(1, commit::sqlite(&file, turn).await?)]) })
    });
    bench_switchboard(
        "SQLite",
        url,
        dir.path(),
        args.agents,
        load,
        sqlite_commits,
        &mut report,
    )
    .await?;

    if let Some(server_url) = &args.postgres {
        let database = PgDatabase::create(server_url).await?;
        let outcome = bench_postgres(&database.url, args.agents, load, &mut report).await;
        database.drop().await?;
        outcome?;
    }

    report.print(&args);
    Ok(())
}

/// One turn of measuring the database's own commit rate: (connections, commits/s) pairs.
type CommitTurn =
    Box<dyn Fn(Duration) -> futures::future::BoxFuture<'static, anyhow::Result<Vec<(usize, f64)>>>>;

/// Starts the server on `database_url`, fills it and loads it with each request kind. Get Agent
/// runs in turns with the bare handler, and Create Agent with the database's own commits, so
/// that each pair meets the same machine.
async fn bench_switchboard(
    server: &'static str,
    database_url: String,
    data_dir: &Path,
    agents: usize,
    load: Load,
    commits: CommitTurn,
    report: &mut Report,
) -> anyhow::Result<()> {
    eprintln!("{server}: starting the server and creating {agents} agents");
    let running = target::start_switchboard(database_url, data_dir).await?;
    let fixture = Fixture::set_up(format!("http://{}", running.addr), agents).await?;
    let sample = fixture.sample_agent().await?;

    eprintln!(
        "{server}: {GET}, in turns with {BARE} ({} bytes)",
        sample.len()
    );
    let bare = format!("http://{}", target::serve_constant(sample).await?);
    let kinds = [
        (StatusCode::OK, get_agent(&fixture.base, &fixture)),
        (StatusCode::OK, get_agent(&bare, &fixture)),
    ];
    let [get, bare]: [Stats; 2] = load::in_turns(load, &kinds)
        .await
        .try_into()
        .map_err(|_| anyhow::anyhow!("two loads give two results"))?;
    report.add(server, GET, get);
    report.add(server, BARE, bare);

    eprintln!("{server}: {LIST}");
    report.add(
        server,
        LIST,
        load::run(load, StatusCode::OK, list_agents(&fixture)).await,
    );

    eprintln!("{server}: {CREATE}, in turns with single-row commits");
    let (mut created, mut rates) = (Stats::default(), Vec::new());
    let turn = Load {
        duration: load::TURN,
        ..load
    };
    for _ in 0..load::turns(load) {
        created.absorb(load::run(turn, StatusCode::CREATED, create_agent(&fixture)).await);
        rates.extend(commits(load::TURN).await?);
    }
    report.add(server, CREATE, created);
    for connections in [1, load.concurrency] {
        let measured: Vec<f64> = rates
            .iter()
            .filter(|(c, _)| *c == connections)
            .map(|(_, rate)| *rate)
            .collect();
        if !measured.is_empty() {
            report.commits.push(CommitRow {
                database: server,
                connections,
                rate: measured.iter().sum::<f64>() / measured.len() as f64,
            });
        }
    }
    running.shutdown().await?;
    Ok(())
}

async fn bench_postgres(
    url: &str,
    agents: usize,
    load: Load,
    report: &mut Report,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (url_owned, concurrency) = (url.to_owned(), load.concurrency);
    let commits: CommitTurn = Box::new(move |turn| {
        let url = url_owned.clone();
        Box::pin(async move {
            let mut rates = Vec::new();
            for connections in [1, concurrency] {
                rates.push((
                    connections,
                    commit::postgres(&url, connections, turn / 2).await?,
                ));
            }
            Ok(rates)
        })
    });
    bench_switchboard(
        "PostgreSQL",
        url.into(),
        dir.path(),
        agents,
        load,
        commits,
        report,
    )
    .await
}

/// Routing end to end on SQLite and, when given, PostgreSQL; prints one table.
async fn bench_routing(args: &Args, load: Load) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("switchboard.db").display()
    );
    let shape = routing::Shape {
        workspaces: args.workspaces.max(1),
        agents: args.agents,
        load,
        rate: args.rate,
    };
    let mut rows = vec![routing::bench("SQLite", url, dir.path(), shape).await?];
    if let Some(server_url) = &args.postgres {
        let database = PgDatabase::create(server_url).await?;
        let pg_dir = tempfile::tempdir()?;
        let outcome =
            routing::bench("PostgreSQL", database.url.clone(), pg_dir.path(), shape).await;
        database.drop().await?;
        rows.push(outcome?);
    }
    println!("## Routing end to end over HTTP\n");
    println!(
        "{} workspace(s), each with {} agents in one queue (LongestIdle), room for 100 chats \
         each; closed loop of {} connections for {} s, then {} creates/s for {} s with the \
         workspaces' event streams open.\n",
        shape.workspaces, args.agents, load.concurrency, args.seconds, args.rate, args.seconds
    );
    println!(
        "| Server | Created and offered/s | create p50 ms | create p99 ms | Errors | Open loop sent | Offers seen | create→offer p50 ms | create→offer p99 ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {:.2} | {:.2} |",
            row.server,
            row.closed.rate(),
            ms(row.closed.percentile(0.5)),
            ms(row.closed.percentile(0.99)),
            row.closed.errors,
            row.sent,
            row.offered,
            ms(row.p50),
            ms(row.p99)
        );
        if let Some(error) = &row.closed.first_error {
            println!("\n{}: first error: {error}", row.server);
        }
    }
    Ok(())
}

fn bearer(fixture: &Fixture) -> HeaderValue {
    HeaderValue::from_str(&format!("Bearer {}", fixture.key)).expect("a printable key")
}

/// Get Agent of a random agent, at `base` (the server's, or the bare handler's).
fn get_agent(base: &str, fixture: &Fixture) -> MakeRequest {
    let prefix = format!("{base}/workspaces/{}/agents/", fixture.workspace);
    let (auth, agents) = (bearer(fixture), fixture.agents.clone());
    Arc::new(move |client, rng, _| {
        let agent = &agents[rng.gen_range(0..agents.len())];
        client
            .get(format!("{prefix}{agent}"))
            .header(AUTHORIZATION, auth.clone())
    })
}

fn list_agents(fixture: &Fixture) -> MakeRequest {
    let url = format!(
        "{}/workspaces/{}/agents?limit=10",
        fixture.base, fixture.workspace
    );
    let auth = bearer(fixture);
    Arc::new(move |client, _, _| client.get(&url).header(AUTHORIZATION, auth.clone()))
}

fn create_agent(fixture: &Fixture) -> MakeRequest {
    let url = format!("{}/workspaces/{}/agents", fixture.base, fixture.workspace);
    let auth = bearer(fixture);
    Arc::new(move |client, _, n| {
        let body = json!({"name": format!("Load {n:x}"), "userEmails": [format!("load-{n:x}@bench.example")]});
        client
            .post(&url)
            .header(AUTHORIZATION, auth.clone())
            .json(&body)
    })
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

impl Report {
    fn add(&mut self, server: &'static str, request: &'static str, stats: Stats) {
        self.http.push(HttpRow {
            server,
            request,
            stats,
        });
    }

    fn http(&self, server: &str, request: &str) -> Option<&Stats> {
        let row = self
            .http
            .iter()
            .find(|r| r.server == server && r.request == request);
        row.map(|r| &r.stats)
    }

    fn commits(&self, database: &str, connections: usize) -> Option<f64> {
        let row = self
            .commits
            .iter()
            .find(|r| r.database == database && r.connections == connections);
        row.map(|r| r.rate)
    }

    fn print(&self, args: &Args) {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        println!(
            "\n## HTTP: {} connections, closed loop, {} s per row",
            args.concurrency, args.seconds
        );
        println!(
            "\n{cores} cores; {} agents before the load; load generator in-process.\n",
            args.agents
        );
        println!("| Server | Request | Requests/s | p50 ms | p99 ms | Requests | Errors |");
        println!("|---|---|---:|---:|---:|---:|---:|");
        for HttpRow {
            server,
            request,
            stats,
        } in &self.http
        {
            println!(
                "| {server} | `{request}` | {:.0} | {:.2} | {:.2} | {} | {} |",
                stats.rate(),
                ms(stats.percentile(0.50)),
                ms(stats.percentile(0.99)),
                stats.requests(),
                stats.errors,
            );
        }
        println!(
            "\n## Durable single-row commits (sqlx, one row per transaction, in turns with Create Agent)\n"
        );
        println!("| Database | Connections | Commits/s |");
        println!("|---|---:|---:|");
        for CommitRow {
            database,
            connections,
            rate,
        } in &self.commits
        {
            println!("| {database} | {connections} | {rate:.0} |");
        }
        self.print_aims(args.concurrency);
        for row in self.http.iter().filter(|r| r.stats.errors > 0) {
            let error = row.stats.first_error.as_deref().unwrap_or("");
            println!("\nFirst error of {} `{}`: {error}", row.server, row.request);
        }
    }

    fn print_aims(&self, concurrency: usize) {
        println!("\n## Against the aims\n");
        println!(
            "| Server | GET agent ÷ bare axum | Create agent/s | DB commits/s, 1 conn | Create ÷ that | DB commits/s, {concurrency} conns | Create ÷ that |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for server in ["SQLite", "PostgreSQL"] {
            let (Some(get), Some(bare), Some(create)) = (
                self.http(server, GET),
                self.http(server, BARE),
                self.http(server, CREATE),
            ) else {
                continue;
            };
            let create = create.rate();
            let one = self.commits(server, 1).unwrap_or(f64::NAN);
            let many = match self.commits(server, concurrency) {
                Some(rate) if server != "SQLite" => format!("{rate:.0} | {:.2}×", create / rate),
                _ => "– | –".into(),
            };
            println!(
                "| {server} | {:.0} % | {create:.0} | {one:.0} | {:.2}× | {many} |",
                100.0 * get.rate() / bare.rate(),
                create / one,
            );
        }
    }
}
