//! Caches that stay true across nodes. Every request reads its API key, and Get Agent reads an
//! agent with its teams, skills and capacity rule; both change far less often than they are
//! read, so each node keeps what it has read in memory, and every write makes the caches forget:
//!
//! - the node that writes clears what the write touched as soon as it commits (a whole
//!   workspace's agents for any change in that workspace, every key for a revocation);
//! - on PostgreSQL the writing transaction also sends `NOTIFY switchboard_changes`, delivered at
//!   its commit, and every node listens and clears the same. While a node's listener is not
//!   connected it uses no cache at all, so a missed notice can never serve stale data;
//! - on SQLite one process owns the database, so the local clear is enough.
//!
//! A read that raced a write must not put stale data back after the write's clear: each entry
//! is put with the generation it was read at, and a clear moves the generation on.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::Uuid;
use domain::tenancy::ApiKey;
use sqlx::postgres::PgListener;

use crate::{AgentDetails, RuleDetails};

const CHANNEL: &str = "switchboard_changes";
/// A safety net: even if every notice were lost, an entry is read again after this long.
const TTL: Duration = Duration::from_secs(30);
/// A cache past this many entries starts again empty, which bounds its memory.
const MAX_ENTRIES: usize = 100_000;

/// What a write changed, as the other nodes hear of it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Change {
    /// Keys were revoked.
    Keys,
    /// Something in this workspace changed.
    Workspace(Uuid),
    /// Routing changed this workspace's conversations and its agents' work: what routing reads
    /// of agents and queues is as it was.
    Routed(Uuid),
}

impl Change {
    fn payload(self) -> String {
        match self {
            Self::Keys => "keys".into(),
            Self::Workspace(id) => format!("ws:{id}"),
            Self::Routed(id) => format!("routed:{id}"),
        }
    }

    fn of_payload(payload: &str) -> Self {
        let workspace = |prefix| payload.strip_prefix(prefix).map(Uuid::parse_str);
        match (workspace("ws:"), workspace("routed:")) {
            (Some(Ok(id)), _) => Self::Workspace(id),
            (_, Some(Ok(id))) => Self::Routed(id),
            // Anything else may have been a revocation.
            _ => Self::Keys,
        }
    }
}

/// The statement that opens a PostgreSQL transaction which tells the other nodes of `changes`
/// when it commits. A notice waits for the commit wherever the transaction sends it, so it goes
/// with the `BEGIN`, in the same round trip. (Payloads are ids and fixed words: nothing to
/// quote.)
pub(crate) fn begin_announcing(changes: &[Change]) -> String {
    let mut begin = String::from("BEGIN");
    for change in changes {
        begin.push_str(&format!(
            "; SELECT pg_notify('{CHANNEL}', '{}')",
            change.payload()
        ));
    }
    begin
}

/// The caches of one node.
pub(crate) struct Caches {
    /// API keys by the hash of their secret (one scope: every key).
    pub keys: Cache<String, ApiKey>,
    /// Agents with their details, by workspace and id.
    pub agents: Cache<Uuid, AgentDetails>,
    /// Each workspace's capacity rules (read for every agent answer).
    pub rules: Cache<(), Vec<RuleDetails>>,
    /// Whether entries may be trusted: always on SQLite, while listening on PostgreSQL.
    live: AtomicBool,
    /// Moves on after every write this node commits or hears of: event streams wait on it.
    pub written: tokio::sync::watch::Sender<u64>,
    /// Moves on after every such write but routing's own: routing reads agents and queues again
    /// after it.
    pub written_outside_routing: tokio::sync::watch::Sender<u64>,
}

impl Caches {
    pub fn new(live: bool) -> Arc<Self> {
        Arc::new(Self {
            keys: Cache::default(),
            agents: Cache::default(),
            rules: Cache::default(),
            live: AtomicBool::new(live),
            written: tokio::sync::watch::Sender::new(0),
            written_outside_routing: tokio::sync::watch::Sender::new(0),
        })
    }

    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// Wakes whoever waits for news of a write.
    pub fn wrote(&self) {
        self.written.send_modify(|n| *n = n.wrapping_add(1));
        self.written_outside_routing
            .send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Wakes whoever waits for news of a write that made only `changes`.
    pub fn wrote_changing(&self, changes: &[Change]) {
        if !changes.is_empty() && changes.iter().all(|c| matches!(c, Change::Routed(_))) {
            self.written.send_modify(|n| *n = n.wrapping_add(1));
        } else {
            self.wrote();
        }
    }

    /// Forgets what `change` touched.
    pub fn forget(&self, change: Change) {
        match change {
            Change::Keys => self.keys.clear_all(),
            Change::Workspace(id) | Change::Routed(id) => {
                self.agents.clear_scope(id);
                self.rules.clear_scope(id);
            }
        }
    }

    fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
        self.keys.clear_all();
        self.agents.clear_all();
        self.rules.clear_all();
    }

    /// Keeps this node's caches in step with writes made on other nodes, for as long as it runs.
    pub async fn follow_postgres(self: Arc<Self>, url: String) {
        loop {
            match listen(&url).await {
                Ok(mut listener) => {
                    self.set_live(true);
                    // `Ok(None)` means the connection was lost (notices may have been missed).
                    while let Ok(Some(notice)) = listener.try_recv().await {
                        let change = Change::of_payload(notice.payload());
                        self.forget(change);
                        self.wrote_changing(&[change]);
                    }
                    tracing::warn!("lost the change listener; caching nothing until it is back");
                }
                Err(error) => tracing::warn!(%error, "cannot listen for changes; caching nothing"),
            }
            self.set_live(false);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

async fn listen(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Entries grouped in scopes (workspaces) that are cleared together.
pub(crate) struct Cache<K, V> {
    state: Mutex<State<K, V>>,
}

struct State<K, V> {
    entries: HashMap<(Uuid, K), (V, Instant)>,
    generations: HashMap<Uuid, u64>,
    epoch: u64,
}

impl<K, V> Default for Cache<K, V> {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                entries: HashMap::new(),
                generations: HashMap::new(),
                epoch: 0,
            }),
        }
    }
}

/// When a missed entry was read: it may be put only if nothing was cleared since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadAt {
    epoch: u64,
    generation: u64,
}

impl<K: Hash + Eq + Clone, V: Clone> Cache<K, V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State<K, V>> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The cached value, or when a value read now would have been read.
    pub fn get(&self, live: bool, scope: Uuid, key: &K) -> Result<V, ReadAt> {
        let state = self.lock();
        match state.entries.get(&(scope, key.clone())) {
            Some((value, at)) if live && at.elapsed() < TTL => Ok(value.clone()),
            _ => Err(ReadAt {
                epoch: state.epoch,
                generation: state.generations.get(&scope).copied().unwrap_or(0),
            }),
        }
    }

    pub fn put(&self, scope: Uuid, key: K, value: &V, read_at: ReadAt) {
        let mut state = self.lock();
        let generation = state.generations.get(&scope).copied().unwrap_or(0);
        if (state.epoch, generation) != (read_at.epoch, read_at.generation) {
            return;
        }
        if state.entries.len() >= MAX_ENTRIES {
            state.entries.clear();
        }
        state
            .entries
            .insert((scope, key), (value.clone(), Instant::now()));
    }

    pub fn clear_scope(&self, scope: Uuid) {
        let mut state = self.lock();
        *state.generations.entry(scope).or_default() += 1;
        state.entries.retain(|(s, _), _| *s != scope);
    }

    pub fn clear_all(&self) {
        let mut state = self.lock();
        state.epoch += 1;
        state.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_raced_a_clear_is_not_cached() {
        let cache: Cache<u32, &str> = Cache::default();
        let scope = Uuid::nil();
        let read_at = cache.get(true, scope, &1).unwrap_err();
        cache.clear_scope(scope);
        cache.put(scope, 1, &"stale", read_at);
        assert!(cache.get(true, scope, &1).is_err());
        let read_at = cache.get(true, scope, &1).unwrap_err();
        cache.put(scope, 1, &"fresh", read_at);
        assert_eq!(cache.get(true, scope, &1), Ok("fresh"));
        assert!(
            cache.get(false, scope, &1).is_err(),
            "not used while not live"
        );
        cache.clear_all();
        assert!(cache.get(true, scope, &1).is_err());
    }
}
