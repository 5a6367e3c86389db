//! Configuration: flags, then environment variables, then an optional TOML file, then defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Agents, presence and routing for contact centers, \
    speaking the APIs of Bird, Sendbird Desk, Dixa and VoIPBIN."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Print the OpenAPI document, then exit.
    Openapi,
}

/// Every setting may come from a flag, an environment variable or the TOML file (`--config`).
#[derive(Debug, Default, Args, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "SWITCHBOARD_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// `sqlite://path` or `postgres://user@host/db` [default: SQLite file switchboard.db in the data dir].
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory for the embedded database and uploaded files [default: ./data].
    #[arg(long, env = "SWITCHBOARD_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Base URL clients reach this server at, for upload and download links [default: http://<listen>].
    #[arg(long, env = "SWITCHBOARD_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// URL the other nodes sharing the database reach this one at, to pass on the routing
    /// commands of the workspaces it routes [default: http://<listen>].
    #[arg(long, env = "SWITCHBOARD_NODE_URL", global = true)]
    pub node_url: Option<String>,
    /// Server admin token for /admin. When unset, one is generated on first start, printed once
    /// and stored only as a hash.
    #[arg(
        long,
        env = "SWITCHBOARD_ADMIN_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub admin_token: Option<String>,
    /// Log format: `text` or `json` [default: text].
    #[arg(long, env = "SWITCHBOARD_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,
    /// A TOML file with any of these settings (kebab-case keys, e.g. `database-url`).
    #[arg(long, env = "SWITCHBOARD_CONFIG", global = true)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
}

/// The settings in force.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub public_url: Option<String>,
    pub node_url: Option<String>,
    pub admin_token: Option<String>,
    pub json_logs: bool,
}

impl Settings {
    /// Fills what flags and environment left unset from the file, then from the defaults.
    pub fn resolve(self) -> anyhow::Result<Config> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => Settings::default(),
        };
        let data_dir = self
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = self.database_url.or(file.database_url).unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("switchboard.db").display()
            )
        });
        let log_format = self
            .log_format
            .or(file.log_format)
            .unwrap_or_else(|| "text".into());
        anyhow::ensure!(
            matches!(log_format.as_str(), "text" | "json"),
            "log format must be `text` or `json`, not {log_format:?}"
        );
        Ok(Config {
            listen: self
                .listen
                .or(file.listen)
                .unwrap_or_else(|| ([127, 0, 0, 1], 8080).into()),
            database_url,
            data_dir,
            public_url: self.public_url.or(file.public_url),
            node_url: self.node_url.or(file.node_url),
            admin_token: self
                .admin_token
                .or(file.admin_token)
                .filter(|t| !t.is_empty()),
            json_logs: log_format == "json",
        })
    }
}

fn read_file(path: &Path) -> anyhow::Result<Settings> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}
