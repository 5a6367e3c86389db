//! What the engine decides: every effect the server must persist, then announce.

use domain::{Timestamp, Uuid};

use crate::input::{MediaMap, Target};

/// Why an offer ended without the agent taking the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CancelReason {
    /// Another agent accepted (all-at-once offers).
    AcceptedByAnother,
    Expired,
    Declined,
    /// The customer left.
    Abandoned,
    /// The agent went away, stopped accepting work, or was removed.
    AgentAway,
    Transferred,
    Unassigned,
    /// A supervisor assigned the conversation directly.
    AssignedDirectly,
    /// The conversation was closed while offered.
    Closed,
    /// The queue was removed.
    QueueRemoved,
}

/// What an agent is doing, as routing sees it (VoIPBIN shows `Offered` as `ringing`, `Engaged`
/// and `WrapUp` as `busy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Work {
    Idle,
    Offered,
    Engaged,
    WrapUp,
}

/// Conversations an agent holds per media (offers out and assigned ones).
pub type Load = MediaMap<u32>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Threshold {
    WaitingConversations,
    LongestWait,
    AvailableAgents,
}

/// Why a command changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// Unknown conversation, or one already closed or abandoned (the engine forgets those).
    UnknownConversation,
    UnknownAgent,
    UnknownQueue,
    /// The conversation exists already.
    DuplicateConversation,
    /// The agent holds no offer for the conversation.
    NoSuchOffer,
    /// The command does not apply to a conversation in this state.
    WrongStatus,
    /// The agent has no free capacity for the conversation's media.
    NoCapacity,
    /// Priority above 100.
    InvalidPriority,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownConversation => "unknown, closed or abandoned conversation",
            Self::UnknownAgent => "unknown agent",
            Self::UnknownQueue => "unknown queue",
            Self::DuplicateConversation => "conversation already exists",
            Self::NoSuchOffer => "the agent holds no offer for this conversation",
            Self::WrongStatus => "not possible in the conversation's current status",
            Self::NoCapacity => "the agent has no free capacity for this media",
            Self::InvalidPriority => "priority must be between 0 and 100",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Offered {
        conversation: Uuid,
        agent: Uuid,
        expires_at: Option<Timestamp>,
    },
    OfferCancelled {
        conversation: Uuid,
        agent: Uuid,
        reason: CancelReason,
    },
    Assigned {
        conversation: Uuid,
        agent: Uuid,
    },
    /// The conversation waits again (pending) at `target`; `from_agent` held it until now.
    Requeued {
        conversation: Uuid,
        target: Target,
        from_agent: Option<Uuid>,
    },
    WrapUpStarted {
        conversation: Uuid,
        agent: Uuid,
        until: Timestamp,
    },
    WrapUpEnded {
        conversation: Uuid,
        agent: Uuid,
    },
    /// Closed; the engine forgets the conversation.
    Closed {
        conversation: Uuid,
    },
    /// The customer left. When the queue offers abandoned conversations it keeps being routed
    /// (`still_offered`); otherwise it has ended and the engine forgets it.
    Abandoned {
        conversation: Uuid,
        still_offered: bool,
    },
    /// The agent is not offered the conversation again until `until` (it declined or missed
    /// it, and the queue keeps a do-not-offer window).
    DoNotOffer {
        conversation: Uuid,
        agent: Uuid,
        until: Timestamp,
    },
    /// The agent's work or load changed.
    AgentWork {
        agent: Uuid,
        work: Work,
        load: Load,
    },
    ThresholdCrossed {
        queue: Uuid,
        threshold: Threshold,
        value: u64,
        raised: bool,
    },
    /// The command did not apply and changed nothing.
    Rejected {
        command: &'static str,
        reason: Rejection,
    },
}
