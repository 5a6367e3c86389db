//! The routing engine of switchboard: which agent is offered which conversation, and when.
//!
//! Deterministic and pure: no I/O, no clock, no threads. The server feeds it [`Command`]s and
//! the time, persists every [`Decision`] it returns before telling anyone, sleeps until
//! [`Engine::next_deadline`] and then calls [`Engine::tick`]. After a restart it re-creates the
//! engine by replaying current state: agents and queues are upserted whole, conversations are
//! restored with [`Command::Restore`].
//!
//! Rules, in short:
//! - An agent may be offered a conversation when it accepts work, is within schedule, is not in
//!   wrap-up, is a member of the pool (queue, team or the target agent itself), has one
//!   acceptable value of every required skill and every required tag, has free capacity for the
//!   media (voice takes the whole agent; an agent holding anything gets no voice), and has no
//!   open do-not-offer window for the conversation. An offer out counts against capacity.
//! - Waiting work is taken by queue priority (higher first), conversation priority (higher
//!   first), age (older first), then id.
//! - Work-conserving: after every command and tick, no conversation waits while an agent
//!   eligible for it has room.
//!
//! See [`index`] for the data structures and their costs.

mod decision;
mod engine;
mod id_map;
pub mod index;
mod input;
mod rng;
mod route;
mod timers;

pub use decision::{CancelReason, Decision, Load, Rejection, Threshold, Work};
pub use engine::{DEFAULT_OFFER_TIMEOUT, Engine, UNTIERED};
pub use input::{
    AgentInput, Capacity, Command, ConversationInput, MediaMap, QueueInput, RestoredState, Target,
    Thresholds,
};
