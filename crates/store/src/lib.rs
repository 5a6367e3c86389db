//! Storage for switchboard: one interface, [`Store`], with SQLite and PostgreSQL behind it.
//!
//! Every public method is one whole operation in one transaction, scoped by workspace first,
//! returning domain types. The SQL is written once: ids are UUID text, times Unix milliseconds
//! and documents JSON text on both databases, so the only dialect differences are the column
//! types in the paired migrations and how writes are committed (see [`writer`]).

mod agents;
mod capacity;
mod coherence;
mod conversations;
mod custom_attributes;
mod db;
mod endusers;
mod error;
mod events;
mod gather;
mod leases;
mod media;
mod members;
pub mod page;
mod queues;
mod routing;
mod skills;
mod sql;
mod tags;
mod teams;
mod tenancy;
mod writer;

pub use agents::{AgentDetails, AgentFilter, AgentSort, AgentTeam, AssignedSkill};
pub use capacity::RuleDetails;
pub use conversations::ConversationFilter;
pub use db::{Backend, Store};
pub use endusers::{EndUserDetails, EndUserFilter};
pub use error::StoreError;
pub use events::LogPosition;
pub use leases::Lease;
pub use media::Media;
pub use members::{MemberOutcome, Removal};
pub use page::{Cursor, Page};
pub use routing::{Offer, Roster, RoutingSnapshot, Window};
pub use tags::{NewTag, name_taken as tag_name_taken};
pub use teams::{MEMBER_ORDER, MEMBERS_PER_CHANGE_MAX, TeamDetails, TeamMember};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
