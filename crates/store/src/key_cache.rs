//! API keys are read on every request and change rarely, so each node keeps the keys it has
//! seen in memory. A revocation must still take effect at once on every node:
//!
//! - the node that revokes clears its cache as soon as the revocation commits;
//! - on PostgreSQL, the revoking transaction also sends `NOTIFY switchboard_keys`, and every
//!   node listens and clears its cache when told. While a node's listener is not connected it
//!   does not use its cache at all (a missed notice cannot leave a revoked key usable);
//! - on SQLite one process owns the database, so the local clear is enough.
//!
//! Only keys that exist are cached: a key created a moment ago is found on first use.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use domain::tenancy::ApiKey;
use sqlx::postgres::PgListener;

pub(crate) const CHANNEL: &str = "switchboard_keys";
/// A safety net: even with every notice lost, an entry is read again after this long.
const TTL: Duration = Duration::from_secs(30);

pub(crate) struct KeyCache {
    state: Mutex<State>,
    /// Whether entries may be trusted: always on SQLite, while listening on PostgreSQL.
    live: AtomicBool,
}

#[derive(Default)]
struct State {
    entries: HashMap<String, (ApiKey, Instant)>,
    /// Counts clears, so that a key read from the database before a revocation committed is
    /// not put back into the cache after the clear that followed it.
    generation: u64,
}

impl KeyCache {
    pub fn new(live: bool) -> Self {
        Self {
            state: Mutex::default(),
            live: AtomicBool::new(live),
        }
    }

    /// The cached key, or the generation to hand to [`Self::put`] after reading it.
    pub fn get(&self, key_hash: &str) -> Result<ApiKey, u64> {
        let state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match state.entries.get(key_hash) {
            Some((key, at)) if self.live.load(Ordering::Acquire) && at.elapsed() < TTL => {
                Ok(key.clone())
            }
            _ => Err(state.generation),
        }
    }

    /// Caches a key read at `generation`, unless the cache was cleared since.
    pub fn put(&self, key_hash: &str, key: &ApiKey, generation: u64) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.generation == generation {
            state
                .entries
                .insert(key_hash.to_owned(), (key.clone(), Instant::now()));
        }
    }

    pub fn clear(&self) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.entries.clear();
        state.generation += 1;
    }

    fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
        self.clear();
    }

    /// Keeps the cache in step with revocations made on other nodes, for as long as it runs.
    pub async fn follow_postgres(self: std::sync::Arc<Self>, url: String) {
        loop {
            match listen(&url).await {
                Ok(mut listener) => {
                    self.set_live(true);
                    // `Ok(None)` means the connection was lost (notices may have been missed).
                    while let Ok(Some(_)) = listener.try_recv().await {
                        self.clear();
                    }
                    tracing::warn!(
                        "lost the key revocation listener; not caching keys until it is back"
                    );
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for key revocations; not caching keys")
                }
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

/// Tells the other nodes that keys were revoked; sent when the calling transaction commits.
pub(crate) async fn announce_revocation(c: &mut sqlx::AnyConnection) -> crate::Result<()> {
    if c.backend_name() == "PostgreSQL" {
        let sql = format!("SELECT pg_notify('{CHANNEL}', '') AS sent");
        crate::sql::q(&sql, &[]).fetch_one(c).await?;
    }
    Ok(())
}
