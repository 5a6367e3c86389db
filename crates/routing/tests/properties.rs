//! Property tests: random command sequences on a virtual clock, checked after every step
//! against a model the test keeps from the commands and the decisions alone.
//!
//! Checked after every step: no agent over capacity (voice exclusive); no offer to an ineligible
//! agent; at most one assignee per conversation; within a pool, offers follow the waiting order
//! (an agent is never offered a conversation while a better-ordered one it may take waits,
//! unless it declined or missed that one); no pending conversation while an eligible member has
//! room; every offer ends (nothing is assigned, requeued or closed with offers still open, and no
//! offer outlives its expiry); every `AgentWork` report matches the model's load.
//!
//! Not generated here (unit tests cover them): preferred agents, forced assignment, restores,
//! and changes of capacity, skills or queue priority while work is held.

use std::collections::{BTreeMap, BTreeSet};

use domain::conversation::Media;
use domain::queue::OfferAlgorithm;
use domain::{Timestamp, Uuid};
use proptest::prelude::*;
use routing::{
    AgentInput, CancelReason, Capacity, Command, ConversationInput, Decision, Engine, MediaMap,
    QueueInput, Target, Thresholds, Work,
};

const AGENTS: u128 = 5;
const SKILL: Uuid = Uuid::from_u128(900);
const VALUES: [Uuid; 3] = [
    Uuid::from_u128(901),
    Uuid::from_u128(902),
    Uuid::from_u128(903),
];
const TAG: Uuid = Uuid::from_u128(950);
const TEAMS: [Uuid; 2] = [Uuid::from_u128(700), Uuid::from_u128(701)];
const QUEUES: [Uuid; 2] = [Uuid::from_u128(100), Uuid::from_u128(101)];

fn agent_id(n: u8) -> Uuid {
    Uuid::from_u128(1 + u128::from(n) % AGENTS)
}

#[derive(Debug, Clone)]
struct AgentSetup {
    messaging: u32,
    email: u32,
    values: Vec<bool>,
    tag: bool,
    teams: Vec<bool>,
}

#[derive(Debug, Clone)]
struct QueueSetup {
    algorithm: OfferAlgorithm,
    priority: i64,
    offer_timeout: Option<u32>,
    wrap_up: Option<u32>,
    dno: Option<(u32, u32, u32)>,
    offer_abandoned: bool,
    members: Vec<Option<Option<u32>>>,
}

#[derive(Debug, Clone)]
enum Op {
    Enqueue {
        target: u8,
        media: u8,
        priority: u8,
        age: u8,
        values: Vec<bool>,
        tag: bool,
    },
    Accept(usize),
    Decline(usize),
    Assign(usize, u8),
    Transfer(usize, u8),
    Unassign(usize, Option<u8>),
    Close(usize),
    EndWrapUp(usize),
    Abandon(usize),
    Presence(u8, bool, bool),
    Away(u8, Option<u8>),
    Remove(u8),
    Members(u8, Vec<Option<Option<u32>>>),
    RemoveQueue(u8),
    Tick(u16),
}

fn algorithm() -> impl Strategy<Value = OfferAlgorithm> {
    proptest::sample::select(OfferAlgorithm::ALL.to_vec())
}

fn members() -> impl Strategy<Value = Vec<Option<Option<u32>>>> {
    proptest::collection::vec(
        proptest::option::weighted(0.7, proptest::option::of(0u32..3)),
        AGENTS as usize,
    )
}

fn agent_setup() -> impl Strategy<Value = AgentSetup> {
    (
        0u32..3,
        0u32..2,
        proptest::collection::vec(proptest::bool::weighted(0.6), 3),
        any::<bool>(),
        proptest::collection::vec(any::<bool>(), 2),
    )
        .prop_map(|(messaging, email, values, tag, teams)| AgentSetup {
            messaging,
            email,
            values,
            tag,
            teams,
        })
}

fn queue_setup() -> impl Strategy<Value = QueueSetup> {
    (
        algorithm(),
        0i64..3,
        proptest::option::weighted(0.8, 1u32..30),
        proptest::option::of(0u32..20),
        proptest::option::of((0u32..30, 1u32..30, 1u32..30)),
        any::<bool>(),
        members(),
    )
        .prop_map(
            |(algorithm, priority, offer_timeout, wrap_up, dno, offer_abandoned, members)| {
                QueueSetup {
                    algorithm,
                    priority,
                    offer_timeout,
                    wrap_up,
                    dno,
                    offer_abandoned,
                    members,
                }
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    let index = 0usize..64;
    prop_oneof![
        6 => (0u8..10, 0u8..3, 0u8..3, 0u8..10, proptest::collection::vec(proptest::bool::weighted(0.3), 3), proptest::bool::weighted(0.2))
            .prop_map(|(target, media, priority, age, values, tag)| Op::Enqueue { target, media, priority, age, values, tag }),
        5 => index.clone().prop_map(Op::Accept),
        2 => index.clone().prop_map(Op::Decline),
        1 => (index.clone(), any::<u8>()).prop_map(|(c, a)| Op::Assign(c, a)),
        1 => (index.clone(), 0u8..10).prop_map(|(c, t)| Op::Transfer(c, t)),
        1 => (index.clone(), proptest::option::of(0u8..2)).prop_map(|(c, t)| Op::Unassign(c, t)),
        3 => index.clone().prop_map(Op::Close),
        1 => index.clone().prop_map(Op::EndWrapUp),
        1 => index.clone().prop_map(Op::Abandon),
        2 => (any::<u8>(), proptest::bool::weighted(0.8), proptest::bool::weighted(0.9)).prop_map(|(a, w, s)| Op::Presence(a, w, s)),
        1 => (any::<u8>(), proptest::option::of(0u8..2)).prop_map(|(a, t)| Op::Away(a, t)),
        1 => any::<u8>().prop_map(Op::Remove),
        1 => (0u8..2, members()).prop_map(|(q, m)| Op::Members(q, m)),
        1 => (0u8..2).prop_map(Op::RemoveQueue),
        5 => (0u16..40_000).prop_map(Op::Tick),
    ]
}

struct ModelConv {
    target: Target,
    queue: Option<Uuid>,
    media: Media,
    priority: u8,
    created_at: Timestamp,
    values: Vec<Uuid>,
    tag: bool,
    /// The queue priority taken when it entered its current pool.
    queue_priority: i64,
    status: &'static str,
    offers: BTreeSet<Uuid>,
    assignee: Option<Uuid>,
    abandoned: bool,
}

struct Model {
    engine: Engine,
    now: Timestamp,
    setups: Vec<AgentSetup>,
    queue_setups: Vec<QueueSetup>,
    agents: BTreeMap<Uuid, AgentInput>,
    queues: BTreeMap<Uuid, QueueInput>,
    convs: BTreeMap<Uuid, ModelConv>,
    /// Open offers with their expiry.
    offers: BTreeMap<(Uuid, Uuid), Option<Timestamp>>,
    missed: BTreeSet<(Uuid, Uuid)>,
    dno: BTreeMap<(Uuid, Uuid), Timestamp>,
    wrap_ups: BTreeMap<Uuid, BTreeSet<Uuid>>,
    next_conv: u128,
}

fn queue_input(id: Uuid, setup: &QueueSetup, members: &[Option<Option<u32>>]) -> QueueInput {
    QueueInput {
        id,
        priority: setup.priority,
        algorithm: setup.algorithm,
        offer_timeout: setup.offer_timeout,
        wrap_up_timeout: setup.wrap_up,
        do_not_offer: setup.dno.map(|(voice, messaging, email)| MediaMap {
            voice,
            messaging,
            email,
        }),
        preferred_agent_timeout: None,
        preferred_agent_offline_timeout: None,
        // Conversations transferred to an agent who is away go back to the queue after this.
        personal_agent_offline_timeout: Some(15),
        offer_abandoned_conversations: setup.offer_abandoned,
        members: members
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.map(|tier| (agent_id(i as u8), tier)))
            .collect(),
        thresholds: Thresholds {
            waiting_conversations: Some(3),
            longest_wait: Some(20),
            available_agents: Some(2),
        },
    }
}

impl Model {
    fn new(seed: u64, setups: Vec<AgentSetup>, queue_setups: Vec<QueueSetup>) -> Self {
        let mut model = Self {
            engine: Engine::new(seed),
            now: Timestamp::from_millis(1_000_000),
            setups,
            queue_setups,
            agents: BTreeMap::new(),
            queues: BTreeMap::new(),
            convs: BTreeMap::new(),
            offers: BTreeMap::new(),
            missed: BTreeSet::new(),
            dno: BTreeMap::new(),
            wrap_ups: BTreeMap::new(),
            next_conv: 10_000,
        };
        for n in 0..AGENTS as u8 {
            model.step(Op::Presence(n, true, true));
        }
        for q in 0..2u8 {
            let members = model.queue_setups[q as usize].members.clone();
            model.step(Op::Members(q, members));
        }
        model
    }

    fn agent_input(&self, n: u8, accepts_work: bool, within_schedule: bool) -> AgentInput {
        let setup = &self.setups[(n as usize) % AGENTS as usize];
        AgentInput {
            id: agent_id(n),
            accepts_work,
            within_schedule,
            capacity: Capacity {
                messaging: setup.messaging,
                email: setup.email,
            },
            skills: VALUES
                .iter()
                .zip(&setup.values)
                .filter(|(_, has)| **has)
                .map(|(v, _)| (SKILL, *v))
                .collect(),
            tags: if setup.tag { vec![TAG] } else { Vec::new() },
            teams: TEAMS
                .iter()
                .zip(&setup.teams)
                .filter(|(_, has)| **has)
                .map(|(t, _)| *t)
                .collect(),
            idle_since: Timestamp::from_millis(0),
        }
    }

    fn target(&self, n: u8) -> Target {
        match n % 5 {
            0..=2 => Target::Queue(QUEUES[(n % 2) as usize]),
            3 => Target::Team(TEAMS[(n % 2) as usize]),
            _ => Target::Agent(agent_id(n)),
        }
    }

    fn conv_at(&self, i: usize) -> Option<Uuid> {
        if self.convs.is_empty() {
            return None;
        }
        self.convs.keys().nth(i % self.convs.len()).copied()
    }

    fn offer_at(&self, i: usize) -> Option<(Uuid, Uuid)> {
        if self.offers.is_empty() {
            return None;
        }
        self.offers.keys().nth(i % self.offers.len()).copied()
    }

    fn step(&mut self, op: Op) {
        let command = match op {
            Op::Enqueue {
                target,
                media,
                priority,
                age,
                values,
                tag,
            } => {
                self.next_conv += 1;
                let values: Vec<Uuid> = VALUES
                    .iter()
                    .zip(&values)
                    .filter(|(_, on)| **on)
                    .map(|(v, _)| *v)
                    .collect();
                Command::Enqueue(ConversationInput {
                    id: Uuid::from_u128(self.next_conv),
                    target: self.target(target),
                    queue: None,
                    media: Media::ALL[media as usize % 3],
                    priority: priority * 50,
                    created_at: Timestamp::from_millis(self.now.millis() - i64::from(age) * 1000),
                    required_skills: if values.is_empty() {
                        Vec::new()
                    } else {
                        vec![(SKILL, values)]
                    },
                    required_tags: if tag { vec![TAG] } else { Vec::new() },
                    preferred_agent: None,
                })
            }
            Op::Accept(i) | Op::Decline(i) => {
                let (conversation, agent) = self
                    .offer_at(i)
                    .unwrap_or((Uuid::from_u128(1), agent_id(i as u8)));
                if matches!(op, Op::Accept(_)) {
                    Command::Accept {
                        conversation,
                        agent,
                    }
                } else {
                    Command::Decline {
                        conversation,
                        agent,
                    }
                }
            }
            Op::Assign(i, a) => match self.conv_at(i) {
                Some(conversation) => Command::Assign {
                    conversation,
                    agent: agent_id(a),
                    force: false,
                },
                None => return,
            },
            Op::Transfer(i, t) => match self.conv_at(i) {
                Some(conversation) => Command::Transfer {
                    conversation,
                    to: self.target(t),
                },
                None => return,
            },
            Op::Unassign(i, team) => match self.conv_at(i) {
                Some(conversation) => Command::Unassign {
                    conversation,
                    into_team: team.map(|t| TEAMS[t as usize]),
                },
                None => return,
            },
            Op::Close(i) | Op::EndWrapUp(i) | Op::Abandon(i) => {
                let Some(conversation) = self.conv_at(i) else {
                    return;
                };
                match op {
                    Op::Close(_) => Command::Close { conversation },
                    Op::EndWrapUp(_) => Command::EndWrapUp { conversation },
                    _ => Command::Abandon { conversation },
                }
            }
            Op::Presence(a, work, schedule) => {
                Command::UpsertAgent(self.agent_input(a, work, schedule))
            }
            Op::Away(a, team) => Command::AgentAway {
                agent: agent_id(a),
                transfer_to_team: team.map(|t| TEAMS[t as usize]),
            },
            Op::Remove(a) => Command::RemoveAgent { agent: agent_id(a) },
            Op::Members(q, ref members) => Command::UpsertQueue(queue_input(
                QUEUES[q as usize],
                &self.queue_setups[q as usize],
                members,
            )),
            Op::RemoveQueue(q) => Command::RemoveQueue {
                queue: QUEUES[q as usize],
            },
            Op::Tick(ms) => {
                self.now = Timestamp::from_millis(self.now.millis() + i64::from(ms));
                let decisions = self.engine.tick(self.now);
                self.apply(&decisions);
                self.check();
                return;
            }
        };
        let decisions = self.engine.handle(self.now, command.clone());
        let rejected = matches!(decisions.as_slice(), [Decision::Rejected { .. }]);
        if !rejected {
            self.before(&command);
        }
        self.apply(&decisions);
        if !rejected {
            self.after(&command);
        }
        self.check();
    }

    /// What a command changes in the model before its decisions.
    fn before(&mut self, command: &Command) {
        match command {
            Command::UpsertAgent(input) => {
                self.agents.insert(input.id, input.clone());
            }
            Command::AgentAway { agent, .. } => {
                if let Some(a) = self.agents.get_mut(agent) {
                    a.accepts_work = false;
                }
            }
            Command::UpsertQueue(input) => {
                self.queues.insert(input.id, input.clone());
            }
            Command::RemoveQueue { queue } => {
                self.queues.remove(queue);
            }
            Command::Enqueue(input) => {
                self.convs.insert(
                    input.id,
                    ModelConv {
                        target: input.target,
                        queue: match input.target {
                            Target::Queue(q) => Some(q),
                            _ => None,
                        },
                        media: input.media,
                        priority: input.priority,
                        created_at: input.created_at,
                        values: input
                            .required_skills
                            .first()
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default(),
                        tag: !input.required_tags.is_empty(),
                        queue_priority: match input.target {
                            Target::Queue(q) => self.queues[&q].priority,
                            _ => domain::queue::PRIORITY_DEFAULT,
                        },
                        status: "pending",
                        offers: BTreeSet::new(),
                        assignee: None,
                        abandoned: false,
                    },
                );
            }
            _ => {}
        }
    }

    fn after(&mut self, command: &Command) {
        if let Command::RemoveAgent { agent } = command {
            self.agents.remove(agent);
        }
    }

    fn settings(&self, c: &ModelConv) -> Option<&QueueInput> {
        let queue = match c.target {
            Target::Queue(q) => Some(q),
            _ => c.queue,
        };
        queue.and_then(|q| self.queues.get(&q))
    }

    fn load(&self, agent: Uuid) -> [u32; 3] {
        let mut load = [0; 3];
        for c in self.convs.values() {
            if c.offers.contains(&agent) || (c.assignee == Some(agent) && c.status == "assigned") {
                load[Media::ALL.iter().position(|m| *m == c.media).unwrap()] += 1;
            }
        }
        load
    }

    fn member(&self, agent: &AgentInput, target: Target) -> bool {
        match target {
            Target::Queue(q) => self
                .queues
                .get(&q)
                .is_some_and(|q| q.members.iter().any(|m| m.0 == agent.id)),
            Target::Team(t) => agent.teams.contains(&t),
            Target::Agent(a) => agent.id == a,
        }
    }

    /// Whether the agent may be offered the conversation now, membership included.
    fn eligible(&self, agent: Uuid, conversation: Uuid) -> bool {
        let (Some(a), Some(c)) = (self.agents.get(&agent), self.convs.get(&conversation)) else {
            return false;
        };
        let [voice, messaging, email] = self.load(agent);
        let room = match c.media {
            Media::Voice => voice + messaging + email == 0,
            Media::Messaging => voice == 0 && messaging < a.capacity.messaging,
            Media::Email => voice == 0 && email < a.capacity.email,
        };
        let skills =
            c.values.is_empty() || c.values.iter().any(|v| a.skills.contains(&(SKILL, *v)));
        let tags = !c.tag || a.tags.contains(&TAG);
        let in_window = self
            .dno
            .get(&(conversation, agent))
            .is_some_and(|&until| until > self.now);
        a.accepts_work
            && a.within_schedule
            && self.wrap_ups.get(&agent).is_none_or(BTreeSet::is_empty)
            && self.member(a, c.target)
            && room
            && skills
            && tags
            && !in_window
    }

    fn order(&self, id: Uuid) -> (i64, i16, i64, Uuid) {
        let c = &self.convs[&id];
        (
            -c.queue_priority,
            -i16::from(c.priority),
            c.created_at.millis(),
            id,
        )
    }

    fn apply(&mut self, decisions: &[Decision]) {
        for decision in decisions {
            match *decision {
                Decision::Offered {
                    conversation,
                    agent,
                    expires_at,
                } => {
                    let c = &self.convs[&conversation];
                    assert!(
                        c.status == "pending"
                            || (c.status == "offered" && !c.offers.contains(&agent)),
                        "offer of a conversation that is {}",
                        c.status
                    );
                    assert!(
                        self.eligible(agent, conversation),
                        "offer of {conversation} to ineligible {agent}"
                    );
                    let key = self.order(conversation);
                    for (&other, o) in &self.convs {
                        if other != conversation
                            && o.status == "pending"
                            && o.target == c.target
                            && self.order(other) < key
                            && !self.missed.contains(&(other, agent))
                        {
                            assert!(
                                !self.eligible(agent, other),
                                "{agent} offered {conversation} while better {other} waits"
                            );
                        }
                    }
                    let c = self.convs.get_mut(&conversation).unwrap();
                    c.status = "offered";
                    c.offers.insert(agent);
                    self.offers.insert((conversation, agent), expires_at);
                }
                Decision::OfferCancelled {
                    conversation,
                    agent,
                    reason,
                } => {
                    assert!(
                        self.offers.remove(&(conversation, agent)).is_some(),
                        "cancelled an offer that was not open"
                    );
                    if matches!(reason, CancelReason::Declined | CancelReason::Expired) {
                        self.missed.insert((conversation, agent));
                        let c = &self.convs[&conversation];
                        let window = self
                            .settings(c)
                            .and_then(|q| q.do_not_offer)
                            .map_or(0, |d| d.get(c.media));
                        if window > 0 {
                            self.dno.insert(
                                (conversation, agent),
                                self.now.plus_seconds(i64::from(window)),
                            );
                        }
                    }
                    let c = self.convs.get_mut(&conversation).unwrap();
                    c.offers.remove(&agent);
                    if c.offers.is_empty() {
                        c.status = "pending";
                    }
                }
                Decision::Assigned {
                    conversation,
                    agent,
                } => {
                    let c = self.convs.get_mut(&conversation).unwrap();
                    assert_eq!(c.assignee, None, "a second assignee");
                    assert!(c.offers.iter().all(|&a| a == agent), "offers left open");
                    c.offers.clear();
                    c.status = "assigned";
                    c.assignee = Some(agent);
                    self.offers.remove(&(conversation, agent));
                }
                Decision::Requeued {
                    conversation,
                    target,
                    from_agent,
                } => {
                    let c = self.convs.get_mut(&conversation).unwrap();
                    assert!(c.offers.is_empty(), "requeued with offers open");
                    assert_eq!(c.assignee, from_agent);
                    c.assignee = None;
                    c.target = target;
                    if let Target::Queue(q) = target {
                        c.queue = Some(q);
                    }
                    c.status = "pending";
                    let c = &self.convs[&conversation];
                    let priority = self
                        .settings(c)
                        .map_or(domain::queue::PRIORITY_DEFAULT, |q| q.priority);
                    self.convs.get_mut(&conversation).unwrap().queue_priority = priority;
                }
                Decision::WrapUpStarted {
                    conversation,
                    agent,
                    until,
                } => {
                    assert!(until > self.now);
                    let c = self.convs.get_mut(&conversation).unwrap();
                    assert_eq!(c.assignee, Some(agent));
                    c.status = "wrapUp";
                    self.wrap_ups.entry(agent).or_default().insert(conversation);
                }
                Decision::WrapUpEnded {
                    conversation,
                    agent,
                } => {
                    assert!(
                        self.wrap_ups
                            .entry(agent)
                            .or_default()
                            .remove(&conversation)
                    );
                }
                Decision::Closed { conversation } => {
                    let c = self.convs.remove(&conversation).unwrap();
                    assert!(c.offers.is_empty(), "closed with offers open");
                }
                Decision::Abandoned {
                    conversation,
                    still_offered,
                } => {
                    if still_offered {
                        let c = self.convs.get_mut(&conversation).unwrap();
                        assert!(!c.abandoned);
                        c.abandoned = true;
                    } else {
                        let c = self.convs.remove(&conversation).unwrap();
                        assert!(c.offers.is_empty(), "abandoned with offers open");
                    }
                }
                Decision::AgentWork { agent, work, load } => {
                    let model = self.load(agent);
                    assert_eq!(
                        [load.voice, load.messaging, load.email],
                        model,
                        "reported load of {agent}"
                    );
                    let wrapping = self.wrap_ups.get(&agent).is_some_and(|w| !w.is_empty());
                    let engaged = self
                        .convs
                        .values()
                        .any(|c| c.assignee == Some(agent) && c.status == "assigned");
                    let expected = if wrapping {
                        Work::WrapUp
                    } else if engaged {
                        Work::Engaged
                    } else if model.iter().sum::<u32>() > 0 {
                        Work::Offered
                    } else {
                        Work::Idle
                    };
                    assert_eq!(work, expected, "reported work of {agent}");
                }
                Decision::DoNotOffer {
                    conversation,
                    agent,
                    until,
                } => {
                    assert_eq!(
                        self.dno.get(&(conversation, agent)),
                        Some(&until),
                        "the window reported is the one the miss opened"
                    );
                }
                Decision::ThresholdCrossed { .. } | Decision::Rejected { .. } => {}
            }
        }
    }

    fn check(&self) {
        for (&id, agent) in &self.agents {
            let [voice, messaging, email] = self.load(id);
            assert!(voice <= 1, "{id} holds {voice} calls");
            assert!(
                voice == 0 || messaging + email == 0,
                "{id}: voice is exclusive"
            );
            assert!(
                messaging <= agent.capacity.messaging,
                "{id} over messaging capacity"
            );
            assert!(email <= agent.capacity.email, "{id} over email capacity");
        }
        for (&(conversation, agent), &expires) in &self.offers {
            let c = &self.convs[&conversation];
            assert_eq!(c.status, "offered");
            assert!(c.offers.contains(&agent));
            assert!(
                expires.is_none_or(|at| at > self.now),
                "offer of {conversation} to {agent} outlived its expiry"
            );
        }
        for (&id, c) in &self.convs {
            if c.status != "pending" {
                continue;
            }
            for &agent in self.agents.keys() {
                assert!(
                    !self.eligible(agent, id),
                    "{id} waits while {agent} could take it"
                );
            }
        }
        // The engine wakes up no later than the first offer expiry or do-not-offer end.
        let due = self
            .offers
            .values()
            .flatten()
            .chain(
                self.dno
                    .iter()
                    .filter(|((c, _), until)| self.convs.contains_key(c) && **until > self.now)
                    .map(|(_, until)| until),
            )
            .min();
        if let Some(&due) = due {
            let deadline = self.engine.next_deadline();
            assert!(
                deadline.is_some_and(|d| d <= due),
                "deadline {deadline:?}, due {due:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn routing_keeps_its_invariants(
        seed in any::<u64>(),
        agents in proptest::collection::vec(agent_setup(), AGENTS as usize),
        queues in proptest::collection::vec(queue_setup(), 2),
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        let mut model = Model::new(seed, agents, queues);
        for op in ops {
            model.step(op);
        }
        // Far in the future every timer has fired; offers still out are fresh ones.
        model.step(Op::Tick(40_000));
        model.step(Op::Tick(40_000));
    }
}
