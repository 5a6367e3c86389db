//! A closed-loop load generator: `concurrency` tasks, each with its own client (so its own
//! keep-alive connection), send one request, wait for the whole answer, and send the next, until
//! the time is up. Every latency is kept; percentiles come from the sorted list.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;
use reqwest::{Client, RequestBuilder, StatusCode};

/// Builds a worker's next request from its client, its random source and a number no other
/// request of the run gets.
pub type MakeRequest = Arc<dyn Fn(&Client, &mut StdRng, u64) -> RequestBuilder + Send + Sync>;

#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub concurrency: usize,
    pub duration: Duration,
}

/// What one load run saw.
#[derive(Debug, Default)]
pub struct Stats {
    /// Every request's latency (answered or failed), sorted.
    latencies: Vec<Duration>,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
}

impl Stats {
    pub fn requests(&self) -> u64 {
        self.latencies.len() as u64
    }

    /// Requests answered with the expected status, per second.
    pub fn rate(&self) -> f64 {
        (self.requests() - self.errors) as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency that `fraction` of the requests did not exceed.
    pub fn percentile(&self, fraction: f64) -> Duration {
        let Some(last) = self.latencies.len().checked_sub(1) else {
            return Duration::ZERO;
        };
        self.latencies[((last as f64) * fraction).round() as usize]
    }
}

/// How long one turn of loads run in turns lasts.
pub const TURN: Duration = Duration::from_secs(1);

/// How many turns make up `load.duration`.
pub fn turns(load: Load) -> u32 {
    (load.duration.as_secs_f64() / TURN.as_secs_f64())
        .ceil()
        .max(1.0) as u32
}

/// Runs each load in turns of [`TURN`], one after the other, until each has had
/// `load.duration`, and gathers what each saw: loads compared with each other then meet the
/// same machine, whose speed drifts over a run on a shared host.
pub async fn in_turns(load: Load, kinds: &[(StatusCode, MakeRequest)]) -> Vec<Stats> {
    let mut totals: Vec<Stats> = kinds.iter().map(|_| Stats::default()).collect();
    let turn = Load {
        duration: TURN,
        ..load
    };
    for _ in 0..turns(load) {
        for ((expected, make), total) in kinds.iter().zip(&mut totals) {
            total.absorb(run(turn, *expected, make.clone()).await);
        }
    }
    totals
}

impl Stats {
    /// Adds another run's figures to these.
    pub fn absorb(&mut self, other: Stats) {
        self.latencies.extend(other.latencies);
        self.latencies.sort_unstable();
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
        self.elapsed += other.elapsed;
    }
}

/// Runs the load and gathers what every worker saw.
pub async fn run(load: Load, expected: StatusCode, make: MakeRequest) -> Stats {
    let started = Instant::now();
    let deadline = started + load.duration;
    let workers: Vec<_> = (0..load.concurrency)
        .map(|id| tokio::spawn(worker(id as u64, deadline, expected, make.clone())))
        .collect();
    let mut stats = Stats::default();
    for worker in workers {
        let part = worker.await.expect("a load worker panicked");
        stats.latencies.extend(part.latencies);
        stats.errors += part.errors;
        stats.first_error = stats.first_error.or(part.first_error);
    }
    stats.elapsed = started.elapsed();
    stats.latencies.sort_unstable();
    stats
}

async fn worker(id: u64, deadline: Instant, expected: StatusCode, make: MakeRequest) -> Stats {
    let client = Client::builder()
        .no_proxy()
        .build()
        .expect("an HTTP client");
    let mut rng = StdRng::seed_from_u64(id);
    let mut stats = Stats::default();
    let mut sequence = id << 32;
    while Instant::now() < deadline {
        let request = make(&client, &mut rng, sequence);
        sequence += 1;
        let sent = Instant::now();
        let outcome = send(request, expected).await;
        stats.latencies.push(sent.elapsed());
        if let Err(error) = outcome {
            stats.errors += 1;
            stats.first_error.get_or_insert(error);
        }
    }
    stats
}

/// Sends the request and reads the whole body; an unexpected status is an error.
async fn send(request: RequestBuilder, expected: StatusCode) -> Result<(), String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status == expected {
        Ok(())
    } else {
        Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
    }
}
