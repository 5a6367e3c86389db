//! What the engine is fed: the agents and queues it routes with (upserted whole, so a restart can
//! replay current state), the conversations it routes, and the commands that move them.

use domain::conversation::Media;
use domain::queue::OfferAlgorithm;
use domain::{Timestamp, Uuid};

/// One value per media.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaMap<T> {
    pub voice: T,
    pub messaging: T,
    pub email: T,
}

impl<T: Copy> MediaMap<T> {
    pub fn get(&self, media: Media) -> T {
        match media {
            Media::Voice => self.voice,
            Media::Messaging => self.messaging,
            Media::Email => self.email,
        }
    }
}

/// How many conversations of each counted media an agent may hold at once. Voice has no count:
/// it takes the whole agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capacity {
    pub messaging: u32,
    pub email: u32,
}

/// An agent as routing sees it, computed by the server from the account, presence, activity,
/// schedule, capacity rule, skills, tags and teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentInput {
    pub id: Uuid,
    /// Account active AND presence available AND the activity lets it take work.
    pub accepts_work: bool,
    /// Inside its weekly schedule and not on a holiday (true where schedules are not enforced).
    pub within_schedule: bool,
    pub capacity: Capacity,
    /// (skill id, value id) pairs the agent has.
    pub skills: Vec<(Uuid, Uuid)>,
    pub tags: Vec<Uuid>,
    pub teams: Vec<Uuid>,
    /// When the agent last became idle. The engine keeps the later of this and what it has seen
    /// itself (it moves the mark when the agent becomes idle or is given work).
    pub idle_since: Timestamp,
}

/// Queue thresholds; each raises an event when crossed and again when it clears.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Thresholds {
    /// Raised while at least this many conversations wait (pending or offered, not assigned).
    pub waiting_conversations: Option<u32>,
    /// Raised while the oldest waiting conversation has waited at least this many seconds.
    pub longest_wait: Option<u32>,
    /// Raised while fewer than this many members accept work (available and within schedule).
    pub available_agents: Option<u32>,
}

/// A queue as routing sees it. Higher `priority` is served first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueInput {
    pub id: Uuid,
    /// Higher first: a waiting conversation of a priority-5 queue is offered before one of a
    /// priority-1 queue, whatever their ages.
    pub priority: i64,
    pub algorithm: OfferAlgorithm,
    /// Seconds an offer stays out; `None` = offers never expire; values below 1 count as 1.
    pub offer_timeout: Option<u32>,
    /// Seconds of wrap-up after a close; `None` or 0 = straight to closed.
    pub wrap_up_timeout: Option<u32>,
    /// Do-not-offer windows per media (seconds), `None` when the queue does not enable them.
    pub do_not_offer: Option<MediaMap<u32>>,
    /// Seconds per media a conversation is held for its preferred agent while that agent takes
    /// work, `None` when the queue does not enable preferred agents.
    pub preferred_agent_timeout: Option<MediaMap<u32>>,
    /// Seconds it is held for a preferred agent who does not take work (offline, away) when it
    /// arrives; `None` = not held for such an agent.
    pub preferred_agent_offline_timeout: Option<u32>,
    /// Seconds a conversation addressed to one agent waits for that agent, while the agent does
    /// not take work, before it goes to the queue; `None` = it waits for the agent.
    pub personal_agent_offline_timeout: Option<u32>,
    /// An abandoned conversation keeps being offered (as a call-back) instead of ending.
    pub offer_abandoned_conversations: bool,
    /// Members with their tier: lower tiers are offered first by the `AgentPriority*`
    /// algorithms; members without a tier come after every tiered one.
    pub members: Vec<(Uuid, Option<u32>)>,
    pub thresholds: Thresholds,
}

/// Where a conversation waits to be offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Queue(Uuid),
    /// The members of a team (agents naming the team), longest idle first.
    Team(Uuid),
    /// One agent only.
    Agent(Uuid),
}

/// A new conversation (or one restored after a restart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationInput {
    pub id: Uuid,
    pub target: Target,
    /// The queue whose settings (timeouts, wrap-up, do-not-offer, priority) apply when the target
    /// is a team or an agent; with `Target::Queue` the target queue applies and this is ignored.
    pub queue: Option<Uuid>,
    pub media: Media,
    /// 0..=100, higher first.
    pub priority: u8,
    pub created_at: Timestamp,
    /// (skill id, acceptable value ids): the agent needs one of the values of every skill.
    pub required_skills: Vec<(Uuid, Vec<Uuid>)>,
    /// The agent needs every one of these tags.
    pub required_tags: Vec<Uuid>,
    /// Held for this agent only, for the queue's preferred-agent timeout counted from
    /// `created_at`, before it is offered widely.
    pub preferred_agent: Option<Uuid>,
}

/// The state a restored conversation resumes in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoredState {
    /// Waiting for its target since then (a personal agent's offline timeout counts from it).
    Pending {
        since: Timestamp,
    },
    Offered {
        agents: Vec<Uuid>,
        expires_at: Option<Timestamp>,
    },
    Assigned {
        agent: Uuid,
    },
    WrapUp {
        agent: Uuid,
        until: Timestamp,
    },
}

/// Everything the engine can be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    UpsertAgent(AgentInput),
    RemoveAgent {
        agent: Uuid,
    },
    UpsertQueue(QueueInput),
    RemoveQueue {
        queue: Uuid,
    },
    /// A new conversation, routed at once.
    Enqueue(ConversationInput),
    /// A conversation as it stood before a restart; decides nothing by itself (the next command
    /// or tick routes what is pending).
    Restore {
        conversation: ConversationInput,
        state: RestoredState,
    },
    /// A do-not-offer window that was open before a restart (after the conversation's
    /// `Restore`); one that has ended by now changes nothing.
    RestoreDoNotOffer {
        conversation: Uuid,
        agent: Uuid,
        until: Timestamp,
    },
    Accept {
        conversation: Uuid,
        agent: Uuid,
    },
    Decline {
        conversation: Uuid,
        agent: Uuid,
    },
    /// A supervisor gives the conversation to an agent directly, skipping offers. Capacity (and
    /// voice exclusivity) is respected unless `force`.
    Assign {
        conversation: Uuid,
        agent: Uuid,
        force: bool,
    },
    Transfer {
        conversation: Uuid,
        to: Target,
    },
    /// Back to pending and routed again, in its queue or in the team given.
    Unassign {
        conversation: Uuid,
        into_team: Option<Uuid>,
    },
    Close {
        conversation: Uuid,
    },
    EndWrapUp {
        conversation: Uuid,
    },
    /// The customer left before an agent took the conversation.
    Abandon {
        conversation: Uuid,
    },
    /// The agent went offline or away: it stops accepting work, its offers are cancelled and
    /// routed again, its assigned conversations move to the team given or stay with it.
    AgentAway {
        agent: Uuid,
        transfer_to_team: Option<Uuid>,
    },
}

impl Command {
    /// The command's name, as `Rejected` decisions report it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::UpsertAgent(_) => "UpsertAgent",
            Self::RemoveAgent { .. } => "RemoveAgent",
            Self::UpsertQueue(_) => "UpsertQueue",
            Self::RemoveQueue { .. } => "RemoveQueue",
            Self::Enqueue(_) => "Enqueue",
            Self::Restore { .. } => "Restore",
            Self::RestoreDoNotOffer { .. } => "RestoreDoNotOffer",
            Self::Accept { .. } => "Accept",
            Self::Decline { .. } => "Decline",
            Self::Assign { .. } => "Assign",
            Self::Transfer { .. } => "Transfer",
            Self::Unassign { .. } => "Unassign",
            Self::Close { .. } => "Close",
            Self::EndWrapUp { .. } => "EndWrapUp",
            Self::Abandon { .. } => "Abandon",
            Self::AgentAway { .. } => "AgentAway",
        }
    }
}
