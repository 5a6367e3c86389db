//! What every handler shares: the store, the clock and the server's settings.

use std::path::PathBuf;
use std::sync::Arc;

use domain::Timestamp;
use store::Store;

/// Where the time comes from; tests may substitute their own.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(time::OffsetDateTime::now_utc())
    }
}

/// What handlers share, behind one pointer: every request gets its own handle, and cloning
/// one pointer costs less than cloning each part.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// SHA-256 (hex) of the server admin token.
    pub admin_token_hash: Arc<str>,
    /// Key of the signatures on upload policies and media links.
    pub signing_key: Arc<[u8]>,
    /// The base URL clients reach this server at (for upload and download links).
    pub public_url: Arc<str>,
    /// Where uploaded files are kept.
    pub media_dir: PathBuf,
    /// The routing of the workspaces this node leads.
    pub router: router::Router,
    /// Turns true when the server shuts down: endless answers (event streams) end then.
    pub closing: tokio::sync::watch::Receiver<bool>,
}

impl Shared {
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
