//! The indexes routing decides with, and the keys that order them.
//!
//! - Waiting work: per pool (a queue, a team or one agent), conversations are grouped by
//!   *requirement class* (media + required skills + required tags); each class keeps its
//!   pending conversations in an ordered set by [`OrderKey`], and the pool keeps the classes
//!   ordered by their head, per media. An agent looking for work walks, for each media it has
//!   room for, the classes in head order, checks its eligibility once per class, and stops as
//!   soon as no class can beat what it found. The head itself is the answer unless the agent
//!   has an open do-not-offer window, so the walk reads no class set and no conversation.
//! - Free agents: per pool and media, the members that could take one more conversation of
//!   that media, in an ordered set by [`FreeKey`], whose meaning depends on the pool's offer
//!   algorithm (idle since, load, a random tag, or just the agent for round robin). They are
//!   brought up to date once per changed agent, before a pool picks from them and at the end of
//!   every command, rather than at every change.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use domain::conversation::Media;
use domain::queue::OfferAlgorithm;
use domain::{Timestamp, Uuid};

use crate::input::Target;

pub type AgentIdx = u32;
pub type ConvIdx = u32;
pub type PoolIdx = u32;
pub type ClassIdx = u32;

/// A fast non-cryptographic hasher (FxHash with a final mix): keys are ids, not attacker-chosen text, and the
/// engine's maps are looked up on every decision.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    /// Ends with a full avalanche (murmur3's fmix64): ids that differ only in a few bytes
    /// (sequential ones) must still spread over every bit the table uses.
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

pub fn media_index(media: Media) -> usize {
    match media {
        Media::Voice => 0,
        Media::Messaging => 1,
        Media::Email => 2,
    }
}

/// The order of waiting work: queue priority (higher first), then conversation priority
/// (higher first), then age (older first), then id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrderKey {
    pub neg_queue_priority: i64,
    pub neg_priority: i16,
    pub created_at: i64,
    pub id: Uuid,
    pub conv: ConvIdx,
}

/// The order in which a pool offers to its free members (smaller first). `tier` is the member
/// tier for the `AgentPriority*` algorithms and 0 otherwise; `a` and `b` depend on the algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FreeKey {
    pub tier: u32,
    pub a: i64,
    pub b: i64,
    pub agent: AgentIdx,
}

/// What an agent must have to be offered a conversation: interned skill-value ids (one of each
/// inner list) and tag ids (all), for one media.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Class {
    pub media: Media,
    pub skills: Vec<Vec<u32>>,
    pub tags: Vec<u32>,
}

impl Class {
    /// Whether sorted skill-value and tag ids satisfy this class (media capacity aside).
    pub fn satisfied_by(&self, skills: &[u32], tags: &[u32]) -> bool {
        self.skills
            .iter()
            .all(|any_of| any_of.iter().any(|v| skills.binary_search(v).is_ok()))
            && self.tags.iter().all(|t| tags.binary_search(t).is_ok())
    }
}

/// Values replaced by small dense ids, so that eligibility is a few binary searches.
#[derive(Debug)]
pub struct Interner<K: std::hash::Hash + Eq> {
    ids: FastMap<K, u32>,
}

impl<K: std::hash::Hash + Eq> Default for Interner<K> {
    fn default() -> Self {
        Self {
            ids: FastMap::default(),
        }
    }
}

impl<K: std::hash::Hash + Eq> Interner<K> {
    pub fn id(&mut self, key: K) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(key).or_insert(next)
    }
}

/// Where conversations wait and who may take them: a queue, a team, or one agent.
#[derive(Debug)]
pub struct Pool {
    pub target: Target,
    pub algorithm: OfferAlgorithm,
    /// Free members per media (not kept for one-agent pools).
    pub free: [BTreeSet<FreeKey>; 3],
    /// Pending conversations per requirement class.
    pub classes: FastMap<ClassIdx, BTreeSet<OrderKey>>,
    /// The head of every non-empty class, per media (the class's): an agent with room for
    /// one media only never walks the classes of the others.
    pub heads: [BTreeSet<(OrderKey, ClassIdx)>; 3],
    /// Conversations not yet assigned (pending or offered), oldest wait first.
    pub waiting: BTreeSet<(Timestamp, ConvIdx)>,
    /// The agent offered last (round robin starts after it).
    pub cursor: AgentIdx,
    /// Members accepting work and within schedule.
    pub available: u32,
    /// Threshold states: waiting conversations, longest wait, available agents.
    pub raised: [bool; 3],
    pub wait_timer: Option<Timestamp>,
    pub dirty: bool,
}

impl Pool {
    pub fn new(target: Target, algorithm: OfferAlgorithm) -> Self {
        Self {
            target,
            algorithm,
            free: Default::default(),
            classes: FastMap::default(),
            heads: Default::default(),
            waiting: BTreeSet::new(),
            cursor: 0,
            available: 0,
            raised: [false; 3],
            wait_timer: None,
            dirty: false,
        }
    }

    /// Adds a pending conversation; false if it was there already.
    pub fn insert_pending(&mut self, key: OrderKey, class: ClassIdx, media: Media) -> bool {
        let set = self.classes.entry(class).or_default();
        let old_head = set.first().copied();
        if !set.insert(key) {
            return false;
        }
        if old_head.is_none_or(|head| key < head) {
            let heads = &mut self.heads[media_index(media)];
            if let Some(head) = old_head {
                heads.remove(&(head, class));
            }
            heads.insert((key, class));
        }
        true
    }

    /// Removes a pending conversation; false if it was not there.
    pub fn remove_pending(&mut self, key: OrderKey, class: ClassIdx, media: Media) -> bool {
        let Some(set) = self.classes.get_mut(&class) else {
            return false;
        };
        if set.first() != Some(&key) {
            return set.remove(&key);
        }
        // The head (what offers mostly take) needs no search by key, but the class a new head.
        set.pop_first();
        let heads = &mut self.heads[media_index(media)];
        heads.remove(&(key, class));
        match set.first() {
            Some(next) => {
                heads.insert((*next, class));
            }
            None => {
                self.classes.remove(&class);
            }
        }
        true
    }

    pub fn pending_len(&self) -> usize {
        self.classes.values().map(BTreeSet::len).sum()
    }
}
