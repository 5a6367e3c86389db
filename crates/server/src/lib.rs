//! The switchboard server: wires the store, the HTTP surfaces and the background work together.
//! `main.rs` parses the command line; tests call [`start`] to run the real server on a free port.

pub mod config;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use domain::Timestamp;
use store::Store;
use switchboard_http::auth::{hash_secret, new_secret};
use switchboard_http::{AppState, Clock, Shared, SystemClock};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::Config;

/// A server that runs until [`Server::shutdown`].
pub struct Server {
    pub addr: std::net::SocketAddr,
    pub admin_token: Option<String>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Server {
    /// Stops taking connections, lets requests in flight finish, commits what is queued.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        self.task.await?
    }
}

/// Opens the store (creating the data directory and running migrations).
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    Store::open(&config.database_url)
        .await
        .with_context(|| "opening the database")
}

/// This node's id, kept in its data directory: a node that restarts (even after a crash) is the
/// same node, so it takes its own routing leases back at once instead of waiting them out.
/// Nodes sharing one PostgreSQL each have their own data directory, hence their own id.
fn node_id(data_dir: &std::path::Path) -> anyhow::Result<domain::Uuid> {
    let path = data_dir.join("node-id");
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Ok(id) = domain::Uuid::parse_str(text.trim())
    {
        return Ok(id);
    }
    let id = domain::Uuid::new_v4();
    std::fs::write(&path, id.to_string()).with_context(|| format!("writing {}", path.display()))?;
    Ok(id)
}

/// The admin token's hash: from the configured token, or the stored hash of one generated on
/// first start. The generated token is returned only by the start that made it.
async fn admin_token(
    store: &Store,
    configured: Option<&str>,
) -> anyhow::Result<(String, Option<String>)> {
    if let Some(token) = configured {
        return Ok((hash_secret(token), None));
    }
    let fresh = new_secret("sba_");
    let stored = store
        .setting_or_insert("admin_token_sha256", hash_secret(&fresh))
        .await?;
    let generated = (stored == hash_secret(&fresh)).then_some(fresh);
    Ok((stored, generated))
}

/// Binds `config.listen` and serves until `shutdown`.
pub async fn start(config: Config) -> anyhow::Result<Server> {
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    start_on(listener, config).await
}

pub async fn start_on(listener: TcpListener, config: Config) -> anyhow::Result<Server> {
    let store = open_store(&config).await?;
    let addr = listener.local_addr()?;
    let (admin_hash, generated_token) = admin_token(&store, config.admin_token.as_deref()).await?;
    let signing_key = store
        .setting_or_insert("signing_key", new_secret(""))
        .await?;
    let (stop, mut stopped) = watch::channel(false);
    let clock: Arc<dyn switchboard_http::Clock> = Arc::new(SystemClock);
    let router_clock = clock.clone();
    let router = router::Router::new(
        store.clone(),
        node_id(&config.data_dir)?,
        config
            .node_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}")),
        Arc::new(move || router_clock.now()),
        stopped.clone(),
    );
    let state = AppState::new(Shared {
        store: store.clone(),
        router,
        clock,
        admin_token_hash: admin_hash.into(),
        signing_key: signing_key.into_bytes().into(),
        public_url: config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .into(),
        media_dir: config.data_dir.join("media"),
        closing: stopped.clone(),
    });
    tokio::spawn(state.router.clone().adopt_unrouted_workspaces());
    let sweeper = tokio::spawn(expire_activities(
        store.clone(),
        state.clock.clone(),
        stopped.clone(),
    ));
    let app = switchboard_http::app(state);
    // Without TCP_NODELAY an event stream's small writes wait for the client to acknowledge the
    // one before (Nagle's algorithm against delayed ACKs): tens of milliseconds per offer.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
    });
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .await?;
        sweeper.abort();
        store.close().await;
        Ok(())
    });
    Ok(Server {
        addr,
        admin_token: generated_token,
        stop,
        task,
    })
}

/// Persists expired activities every second, so lists and filters see them as the API does.
async fn expire_activities(
    store: Store,
    clock: Arc<dyn Clock>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        let now: Timestamp = clock.now();
        if let Err(error) = store.expire_activities(now).await {
            tracing::warn!(%error, "could not expire activities");
        }
    }
}
