//! Routing end to end over HTTP: conversations created in a queue whose members take work, and
//! the time from sending the create to the offer arriving on the event stream.
//!
//! Set-up: `workspaces` workspaces (tenants of one node), each with `agents` agents, available,
//! each with room for 100 messaging conversations, all members of one queue (LongestIdle,
//! offers that do not expire). Then:
//!
//! * a closed loop of `concurrency` connections creating conversations for `seconds`, each
//!   connection in one workspace, the connections spread evenly: each create answers once the
//!   conversation is stored and its offer decided and stored, so this is the rate of
//!   conversations created and offered;
//! * an open loop at `rate` creates per second for `seconds`, taking the workspaces in turn, with
//!   every workspace's event stream open: for each conversation, the time from sending its
//!   create to its `conversation.offered` event arriving.
//!
//! A workspace is routed by one engine at a time, so one workspace measures how far one
//! engine's writes go; several measure what the node does for several tenants.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::load::{self, Load, MakeRequest, Stats};
use crate::target::{self, Fixture};

pub struct RoutingRow {
    pub server: &'static str,
    /// The closed loop: creates (each stored and offered) per second, and their latency.
    pub closed: Stats,
    /// What the open loop saw from create to offer on the stream.
    pub sent: usize,
    pub offered: usize,
    pub p50: Duration,
    pub p99: Duration,
}

type Seen = Arc<Mutex<HashMap<String, Instant>>>;

/// What the bench is run with, besides the database.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub workspaces: usize,
    /// Agents in each workspace.
    pub agents: usize,
    pub load: Load,
    /// Creates per second of the open loop.
    pub rate: u32,
}

pub async fn bench(
    server: &'static str,
    database_url: String,
    data_dir: &Path,
    shape: Shape,
) -> anyhow::Result<RoutingRow> {
    let Shape {
        workspaces,
        agents,
        load,
        rate,
    } = shape;
    eprintln!(
        "{server}: routing: starting the server, {workspaces} workspace(s) of {agents} available agents"
    );
    let running = target::start_switchboard(database_url, data_dir).await?;
    let mut targets = Vec::with_capacity(workspaces);
    for _ in 0..workspaces {
        let fixture = Fixture::set_up(format!("http://{}", running.addr), agents).await?;
        let queue = set_up(&fixture).await?;
        targets.push(Target::new(&fixture, &queue));
    }

    let offered: Seen = Arc::default();
    let streams: Vec<_> = targets
        .iter()
        .map(|target| {
            tokio::spawn(follow_offers(
                target.events.clone(),
                target.key.clone(),
                offered.clone(),
            ))
        })
        .collect();
    // Let the streams connect before anything is created.
    tokio::time::sleep(Duration::from_millis(300)).await;

    eprintln!("{server}: routing: closed loop of creates");
    let closed = load::run(load, StatusCode::CREATED, spread(targets.clone())).await;

    // Let the stream deliver what the closed loop left behind, so the open loop measures its
    // own offers rather than that backlog.
    let drained = Instant::now();
    let mut last = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = offered.lock().expect("offers").len();
        if now == last || drained.elapsed() > Duration::from_secs(60) {
            break;
        }
        last = now;
    }
    eprintln!(
        "{server}: routing: the stream delivered the closed loop's {last} offers {:.1} s after it ended",
        drained.elapsed().as_secs_f64() - 0.5
    );
    eprintln!("{server}: routing: {rate} creates per second, create to offer on the stream");
    let sent = open_loop(&targets, rate, load.duration).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    for stream in streams {
        stream.abort();
    }
    let seen = offered.lock().expect("offers").clone();
    let mut latencies: Vec<Duration> = sent
        .iter()
        .filter_map(|(id, at)| {
            seen.get(id)
                .map(|offered| offered.saturating_duration_since(*at))
        })
        .collect();
    latencies.sort();
    let pick = |fraction: f64| {
        latencies
            .len()
            .checked_sub(1)
            .map_or(Duration::ZERO, |last| {
                latencies[((last as f64) * fraction).round() as usize]
            })
    };
    let row = RoutingRow {
        server,
        closed,
        sent: sent.len(),
        offered: latencies.len(),
        p50: pick(0.5),
        p99: pick(0.99),
    };
    running.shutdown().await?;
    Ok(row)
}

/// Room for 100 chats per agent, every agent available, one queue with all of them.
async fn set_up(fixture: &Fixture) -> anyhow::Result<String> {
    let client = Client::new();
    let ws = format!("{}/workspaces/{}", fixture.base, fixture.workspace);
    let rules: Value = client
        .get(format!("{ws}/capacity-rules"))
        .bearer_auth(&fixture.key)
        .send()
        .await?
        .json()
        .await?;
    let rule = rules["results"][0]["id"]
        .as_str()
        .context("the default rule")?;
    call(
        client
            .patch(format!("{ws}/capacity-rules/{rule}"))
            .json(&json!({"capacity": {"messaging": 100, "email": 5}})),
        &fixture.key,
    )
    .await?;
    futures::stream::iter(fixture.agents.iter())
        .map(|agent| {
            call(
                client
                    .patch(format!("{ws}/agents/{agent}/availability"))
                    .json(&json!({"status": "active"})),
                &fixture.key,
            )
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    let body = json!({"name": "Bench", "offerAlgorithm": "LongestIdle"});
    let queue = call(
        client.post(format!("{ws}/queues")).json(&body),
        &fixture.key,
    )
    .await?;
    let queue = queue["id"].as_str().context("a queue id")?.to_owned();
    for chunk in fixture.agents.chunks(1000) {
        let url = format!("{}/v1/queues/{queue}/members", fixture.base);
        call(
            client.patch(url).json(&json!({"agentIds": chunk})),
            &fixture.key,
        )
        .await?;
    }
    // Routing hears of agent and queue changes within a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    Ok(queue)
}

async fn call(request: reqwest::RequestBuilder, key: &str) -> anyhow::Result<Value> {
    let response = request.bearer_auth(key).send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if !status.is_success() {
        bail!("answered {status}: {body}");
    }
    Ok(body)
}

/// Where conversations of one workspace are created, and its event stream.
#[derive(Clone)]
struct Target {
    conversations: String,
    events: String,
    key: String,
    body: Value,
}

impl Target {
    fn new(fixture: &Fixture, queue: &str) -> Self {
        let workspace = format!("{}/workspaces/{}", fixture.base, fixture.workspace);
        Self {
            conversations: format!("{workspace}/conversations"),
            events: format!("{workspace}/events"),
            key: fixture.key.clone(),
            body: json!({"channel": "messaging", "queueId": queue}),
        }
    }

    /// A request that creates a conversation in the target's queue.
    fn create(&self, client: &Client) -> reqwest::RequestBuilder {
        client
            .post(&self.conversations)
            .bearer_auth(&self.key)
            .json(&self.body)
    }
}

/// Creates in the workspaces of `targets`, each load worker in one of them (a worker's
/// request numbers start at its index shifted 32 bits left, see `load::run`).
fn spread(targets: Vec<Target>) -> MakeRequest {
    Arc::new(move |client, _, sequence| {
        targets[(sequence >> 32) as usize % targets.len()].create(client)
    })
}

/// Sends `rate` creates per second for `duration`, to the workspaces in turn; answers when
/// each was sent, by id.
async fn open_loop(
    targets: &[Target],
    rate: u32,
    duration: Duration,
) -> anyhow::Result<Vec<(String, Instant)>> {
    let client = Client::builder().pool_max_idle_per_host(64).build()?;
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate);
    let total = (rate as u64 * duration.as_secs()) as usize;
    let mut sends = Vec::with_capacity(total);
    for n in 0..total {
        ticks.tick().await;
        let request = targets[n % targets.len()].create(&client);
        sends.push(tokio::spawn(async move {
            let sent = Instant::now();
            let answer: Value = request.send().await.ok()?.json().await.ok()?;
            let answered = sent.elapsed();
            Some((answer["id"].as_str()?.to_owned(), sent, answered))
        }));
    }
    let mut sent = Vec::with_capacity(total);
    let mut answered = Vec::with_capacity(total);
    for send in sends {
        if let Some((id, at, took)) = send.await? {
            sent.push((id, at));
            answered.push(took);
        }
    }
    answered.sort();
    if let (Some(p50), Some(p99)) = (
        answered.get(answered.len() / 2),
        answered.get(answered.len() * 99 / 100),
    ) {
        eprintln!("open loop: create answered in p50 {p50:.2?}, p99 {p99:.2?}");
    }
    Ok(sent)
}

/// Reads the workspace's event stream and notes when each conversation's offer arrived.
async fn follow_offers(url: String, key: String, seen: Seen) -> anyhow::Result<()> {
    let response = Client::new().get(url).bearer_auth(key).send().await?;
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    while let Some(chunk) = body.next().await {
        buffer.push_str(&String::from_utf8_lossy(&chunk?));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if !block.contains("event: conversation.offered") {
                continue;
            }
            let data = block.lines().find_map(|l| l.strip_prefix("data:"));
            let event: Value = serde_json::from_str(data.unwrap_or("{}").trim())?;
            if let Some(id) = event["data"]["conversationId"].as_str() {
                seen.lock()
                    .expect("offers")
                    .entry(id.to_owned())
                    .or_insert_with(Instant::now);
            }
        }
    }
    Ok(())
}
