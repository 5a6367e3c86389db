//! Builders shared by the engine's tests.
#![allow(dead_code)]

use domain::conversation::Media;
use domain::queue::OfferAlgorithm;
use domain::{Timestamp, Uuid};
use routing::{
    AgentInput, Capacity, Command, ConversationInput, Decision, Engine, QueueInput, Target,
    Thresholds,
};

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_millis(1_000_000 + seconds * 1000)
}

pub fn agent(n: u128) -> AgentInput {
    AgentInput {
        id: id(n),
        accepts_work: true,
        within_schedule: true,
        capacity: Capacity {
            messaging: 1,
            email: 1,
        },
        skills: Vec::new(),
        tags: Vec::new(),
        teams: Vec::new(),
        idle_since: at(-100),
    }
}

pub fn queue(n: u128, algorithm: OfferAlgorithm, members: &[u128]) -> QueueInput {
    QueueInput {
        id: id(n),
        priority: 1,
        algorithm,
        offer_timeout: Some(10),
        wrap_up_timeout: None,
        do_not_offer: None,
        preferred_agent_timeout: None,
        preferred_agent_offline_timeout: None,
        personal_agent_offline_timeout: None,
        offer_abandoned_conversations: false,
        members: members.iter().map(|&m| (id(m), None)).collect(),
        thresholds: Thresholds::default(),
    }
}

pub fn conversation(n: u128, queue: u128, created: i64) -> ConversationInput {
    ConversationInput {
        id: id(n),
        target: Target::Queue(id(queue)),
        queue: None,
        media: Media::Messaging,
        priority: 0,
        created_at: at(created),
        required_skills: Vec::new(),
        required_tags: Vec::new(),
        preferred_agent: None,
    }
}

/// An engine on a virtual clock.
pub struct World {
    pub engine: Engine,
    pub now: Timestamp,
}

impl World {
    pub fn new() -> Self {
        Self {
            engine: Engine::new(7),
            now: at(0),
        }
    }

    pub fn run(&mut self, command: Command) -> Vec<Decision> {
        self.engine.handle(self.now, command)
    }

    pub fn agents(&mut self, agents: impl IntoIterator<Item = AgentInput>) {
        for a in agents {
            self.run(Command::UpsertAgent(a));
        }
    }

    pub fn enqueue(&mut self, input: ConversationInput) -> Vec<Decision> {
        self.run(Command::Enqueue(input))
    }

    pub fn at(&mut self, seconds: i64) -> Vec<Decision> {
        self.now = at(seconds);
        self.engine.tick(self.now)
    }

    pub fn accept(&mut self, conversation: u128, agent: u128) -> Vec<Decision> {
        self.run(Command::Accept {
            conversation: id(conversation),
            agent: id(agent),
        })
    }

    pub fn decline(&mut self, conversation: u128, agent: u128) -> Vec<Decision> {
        self.run(Command::Decline {
            conversation: id(conversation),
            agent: id(agent),
        })
    }

    pub fn close(&mut self, conversation: u128) -> Vec<Decision> {
        self.run(Command::Close {
            conversation: id(conversation),
        })
    }
}

/// The (conversation, agent) pairs offered, in order.
pub fn offers(decisions: &[Decision]) -> Vec<(Uuid, Uuid)> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Offered {
                conversation,
                agent,
                ..
            } => Some((*conversation, *agent)),
            _ => None,
        })
        .collect()
}

pub fn offered_agents(decisions: &[Decision]) -> Vec<Uuid> {
    offers(decisions).into_iter().map(|(_, a)| a).collect()
}

pub fn cancellations(decisions: &[Decision]) -> Vec<(Uuid, Uuid, routing::CancelReason)> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::OfferCancelled {
                conversation,
                agent,
                reason,
            } => Some((*conversation, *agent, *reason)),
            _ => None,
        })
        .collect()
}
