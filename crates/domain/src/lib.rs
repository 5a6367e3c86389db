//! The domain of switchboard: pure types and rules, shared by every surface.
//!
//! Nothing here performs I/O or reads a clock: the time is always a parameter, so the same
//! rules run in the server (real clock) and in tests (virtual clock).

pub mod agent;
pub mod availability;
pub mod capacity;
pub mod conversation;
pub mod custom_attribute;
pub mod enduser;
pub mod error;
pub mod event;
pub mod queue;
pub mod schedule;
pub mod skill;
pub mod tag;
pub mod team;
pub mod tenancy;
pub mod time;
pub mod validate;

pub use error::Invalid;
pub use time::Timestamp;
pub use uuid::Uuid;

/// A new time-ordered id (UUIDv7): time order makes ids usable as a tie-break in cursors.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}
