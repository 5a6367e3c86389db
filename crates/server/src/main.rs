//! `switchboard [serve|migrate|openapi]`: see `switchboard --help`.

use clap::Parser;
use switchboard::config::{Cli, Command};
use tracing_subscriber::EnvFilter;

/// Every request allocates (JSON, SQL text, rows) and frees again at once, across threads:
/// mimalloc serves that measurably faster than the system allocator (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = cli.settings.resolve()?;
    init_logs(config.json_logs);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            println!("{}", switchboard_http::openapi().to_pretty_json()?);
        }
        Command::Migrate => {
            switchboard::open_store(&config).await?.close().await;
            tracing::info!("migrations are up to date");
        }
        Command::Serve => serve(config).await?,
    }
    Ok(())
}

async fn serve(config: switchboard::Config) -> anyhow::Result<()> {
    let server = switchboard::start(config).await?;
    if let Some(token) = &server.admin_token {
        // Shown once: only its hash is kept.
        println!("Generated the server admin token (shown only now, keep it safe):\n  {token}");
    }
    tracing::info!(addr = %server.addr, "switchboard is listening");
    shutdown_signal().await;
    tracing::info!("shutting down: finishing requests in flight");
    server.shutdown().await
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("a SIGTERM handler can be installed");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

fn init_logs(json: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        logs.json().init()
    } else {
        logs.init()
    }
}
