//! Benchmark of the routing core (not a test). Run in release:
//!
//! ```text
//! cargo run --release -p switchboard-routing --bin routing-bench -- [conversations] [cycles]
//! ```
//!
//! For 1k, 10k and 100k agents: 100 skills (each agent has 20 at random), 10 queues (each agent
//! in 2, longest idle), and `conversations` (default 1M) waiting messaging conversations, each
//! requiring one skill at random, with random priorities. Every agent holds one conversation;
//! then, `cycles` times, an agent closes its conversation, which makes it pull the best waiting
//! conversation it may take (the routing decision, measured with the close), and accepts it.
//! Memory is read from the process's resident set (the workspace forbids `unsafe`, so no
//! counting allocator): per agent after the agents are in, per conversation after the fill.

use std::time::Instant;

use domain::conversation::Media;
use domain::queue::OfferAlgorithm;
use domain::{Timestamp, Uuid};
use routing::{
    AgentInput, Capacity, Command, ConversationInput, Decision, Engine, QueueInput, Target,
    Thresholds,
};

const SKILLS: u64 = 100;
const SKILLS_PER_AGENT: usize = 20;
const QUEUES: u64 = 10;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn skill(n: u64) -> (Uuid, Uuid) {
    (Uuid::from_u128(0x5000 + u128::from(n)), Uuid::from_u128(1))
}

fn queue_id(n: u64) -> Uuid {
    Uuid::from_u128(0x9000 + u128::from(n))
}

fn agent_input(n: u64, rng: &mut Rng, accepts_work: bool) -> AgentInput {
    let mut skills = Vec::with_capacity(SKILLS_PER_AGENT);
    while skills.len() < SKILLS_PER_AGENT {
        let s = skill(rng.below(SKILLS));
        if !skills.contains(&s) {
            skills.push(s);
        }
    }
    AgentInput {
        id: Uuid::from_u128(0xA000_0000 + u128::from(n)),
        accepts_work,
        within_schedule: true,
        capacity: Capacity {
            messaging: 1,
            email: 1,
        },
        skills,
        tags: Vec::new(),
        teams: Vec::new(),
        idle_since: Timestamp::from_millis(0),
    }
}

struct Row {
    agents: u64,
    waiting: u64,
    enqueue_ns: f64,
    route_ns: f64,
    accept_ns: f64,
    decisions_per_s: f64,
    bytes_per_agent: f64,
    bytes_per_conversation: f64,
}

fn run(agents: u64, conversations: u64, cycles: u64) -> Row {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D ^ agents);
    let now = Timestamp::from_millis(1_000_000_000);
    let rss_start = rss_bytes();
    let mut engine = Engine::new(42);
    for q in 0..QUEUES {
        let members = (0..agents)
            .filter(|a| a % QUEUES == q || (a / QUEUES) % QUEUES == q)
            .map(|a| (Uuid::from_u128(0xA000_0000 + u128::from(a)), None))
            .collect();
        engine.handle(
            now,
            Command::UpsertQueue(QueueInput {
                id: queue_id(q),
                priority: 1,
                algorithm: OfferAlgorithm::LongestIdle,
                offer_timeout: Some(30),
                wrap_up_timeout: None,
                do_not_offer: None,
                preferred_agent_timeout: None,
                preferred_agent_offline_timeout: None,
                personal_agent_offline_timeout: None,
                offer_abandoned_conversations: false,
                members,
                thresholds: Thresholds::default(),
            }),
        );
    }
    let inputs: Vec<AgentInput> = (0..agents)
        .map(|a| agent_input(a, &mut rng, false))
        .collect();
    for input in &inputs {
        engine.handle(now, Command::UpsertAgent(input.clone()));
    }
    let rss_agents = rss_bytes();

    let started = Instant::now();
    for n in 0..conversations {
        let id = Uuid::from_u128(u128::from(rng.next()) << 64 | u128::from(n));
        engine.handle(
            now,
            Command::Enqueue(ConversationInput {
                id,
                target: Target::Queue(queue_id(rng.below(QUEUES))),
                queue: None,
                media: Media::Messaging,
                priority: (rng.below(3) * 50) as u8,
                created_at: Timestamp::from_millis(now.millis() - 3_600_000 + n as i64),
                required_skills: vec![(skill(rng.below(SKILLS)).0, vec![Uuid::from_u128(1)])],
                required_tags: Vec::new(),
                preferred_agent: None,
            }),
        );
    }
    let enqueue_ns = started.elapsed().as_nanos() as f64 / conversations as f64;
    let rss_full = rss_bytes();

    // Every agent comes online and takes one conversation.
    let mut holding: Vec<Option<Uuid>> = vec![None; agents as usize];
    let index_of = |id: Uuid| (id.as_u128() - 0xA000_0000) as usize;
    for mut input in inputs {
        input.accepts_work = true;
        let offers = engine.handle(now, Command::UpsertAgent(input));
        accept_offers(&mut engine, now, &offers, &mut holding, index_of);
    }

    let (mut route, mut accept, mut decisions, mut routed) = (0u128, 0u128, 0u64, 0u64);
    for cycle in 0..cycles {
        let a = (cycle % agents) as usize;
        let Some(conversation) = holding[a].take() else {
            continue;
        };
        let t = Instant::now();
        let out = engine.handle(now, Command::Close { conversation });
        route += t.elapsed().as_nanos();
        decisions += out.len() as u64;
        for d in &out {
            if let Decision::Offered {
                conversation,
                agent,
                ..
            } = *d
            {
                routed += 1;
                let t = Instant::now();
                let more = engine.handle(
                    now,
                    Command::Accept {
                        conversation,
                        agent,
                    },
                );
                accept += t.elapsed().as_nanos();
                decisions += more.len() as u64;
                holding[index_of(agent)] = Some(conversation);
            }
        }
    }
    let total_s = (route + accept) as f64 / 1e9;
    Row {
        agents,
        waiting: conversations,
        enqueue_ns,
        route_ns: route as f64 / routed.max(1) as f64,
        accept_ns: accept as f64 / routed.max(1) as f64,
        decisions_per_s: decisions as f64 / total_s,
        bytes_per_agent: rss_agents.saturating_sub(rss_start) as f64 / agents as f64,
        bytes_per_conversation: rss_full.saturating_sub(rss_agents) as f64 / conversations as f64,
    }
}

fn accept_offers(
    engine: &mut Engine,
    now: Timestamp,
    decisions: &[Decision],
    holding: &mut [Option<Uuid>],
    index_of: impl Fn(Uuid) -> usize,
) {
    for d in decisions {
        if let Decision::Offered {
            conversation,
            agent,
            ..
        } = *d
        {
            engine.handle(
                now,
                Command::Accept {
                    conversation,
                    agent,
                },
            );
            holding[index_of(agent)] = Some(conversation);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let conversations: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let cycles: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    if std::env::var("ROUTING_BENCH_AGENTS").is_err() {
        println!(
            "routing core: {SKILLS} skills ({SKILLS_PER_AGENT} per agent, 1 required per conversation), \
         {QUEUES} queues (2 per agent, LongestIdle), {conversations} waiting, {cycles} cycles"
        );
        println!(
            "| agents | waiting | enqueue ns | route ns (close+pull+offer) | accept ns | decisions/s | RSS B/agent | RSS B/conversation |"
        );
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    }
    // Each size runs in a fresh process, so that resident memory starts from nothing.
    if let Ok(agents) = std::env::var("ROUTING_BENCH_AGENTS") {
        let row = run(agents.parse().unwrap_or(1_000), conversations, cycles);
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            row.agents,
            row.waiting,
            row.enqueue_ns,
            row.route_ns,
            row.accept_ns,
            row.decisions_per_s,
            row.bytes_per_agent,
            row.bytes_per_conversation
        );
        return;
    }
    let me = std::env::current_exe().expect("the benchmark's own path");
    for agents in [1_000, 10_000, 100_000] {
        let output = std::process::Command::new(&me)
            .args([conversations.to_string(), cycles.to_string()])
            .env("ROUTING_BENCH_AGENTS", agents.to_string())
            .output()
            .expect("run one size");
        print!("{}", String::from_utf8_lossy(&output.stdout));
    }
}
