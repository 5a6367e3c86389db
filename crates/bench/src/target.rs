//! What the load is aimed at: the real server with a workspace full of agents, a bare axum
//! handler, and the fresh PostgreSQL database the server runs on.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use futures::{StreamExt, TryStreamExt};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};
use switchboard::{Config, Server};
use tokio::net::TcpListener;

pub const ADMIN_TOKEN: &str = "sba_bench_admin_token";

/// Starts the real server in this process on a free port.
pub async fn start_switchboard(database_url: String, data_dir: &Path) -> anyhow::Result<Server> {
    let config = Config {
        listen: ([127, 0, 0, 1], 0).into(),
        database_url,
        data_dir: data_dir.to_path_buf(),
        public_url: None,
        node_url: None,
        admin_token: Some(ADMIN_TOKEN.into()),
        json_logs: false,
    };
    let listener = TcpListener::bind(config.listen).await?;
    switchboard::start_on(listener, config).await
}

/// A workspace, an admin key for it and the ids of its agents.
pub struct Fixture {
    pub base: String,
    pub workspace: String,
    pub key: String,
    pub agents: Vec<String>,
}

impl Fixture {
    /// Creates the workspace, its key and `agents` agents over HTTP.
    pub async fn set_up(base: String, agents: usize) -> anyhow::Result<Self> {
        let client = Client::builder().no_proxy().build()?;
        let url = format!("{base}/admin/workspaces");
        let workspace = post(&client, &url, ADMIN_TOKEN, json!({"name": "Bench desk"})).await?;
        let workspace = id_of(&workspace)?;
        let url = format!("{base}/admin/workspaces/{workspace}/api-keys");
        let key = post(
            &client,
            &url,
            ADMIN_TOKEN,
            json!({"name": "bench", "role": "admin"}),
        )
        .await?["key"]
            .as_str()
            .context("an API key")?
            .to_owned();
        let url = format!("{base}/workspaces/{workspace}/agents");
        let agents = futures::stream::iter(0..agents)
            .map(|i| {
                let body = json!({"name": format!("Agent {i}"), "userEmails": [format!("agent-{i}@bench.example")]});
                post(&client, &url, &key, body)
            })
            .buffer_unordered(16)
            .map(|agent| id_of(&agent?))
            .try_collect()
            .await?;
        Ok(Self {
            base,
            workspace,
            key,
            agents,
        })
    }

    /// The body of one Get Agent answer, to serve as the bare handler's constant.
    pub async fn sample_agent(&self) -> anyhow::Result<Bytes> {
        let url = format!(
            "{}/workspaces/{}/agents/{}",
            self.base, self.workspace, self.agents[0]
        );
        let response = Client::new().get(url).bearer_auth(&self.key).send().await?;
        if response.status() != StatusCode::OK {
            bail!("Get Agent answered {}", response.status());
        }
        Ok(response.bytes().await?)
    }
}

async fn post(client: &Client, url: &str, key: &str, body: Value) -> anyhow::Result<Value> {
    let response = client.post(url).bearer_auth(key).json(&body).send().await?;
    let status = response.status();
    let answer: Value = response.json().await?;
    if status != StatusCode::CREATED {
        bail!("POST {url} answered {status}: {answer}");
    }
    Ok(answer)
}

fn id_of(value: &Value) -> anyhow::Result<String> {
    Ok(value["id"].as_str().context("an id")?.to_owned())
}

/// Serves `body` as JSON at the Get Agent path and nothing else: the cost of axum, hyper and the
/// network stack alone.
pub async fn serve_constant(body: Bytes) -> anyhow::Result<SocketAddr> {
    let app = axum::Router::new().route(
        "/workspaces/{workspace}/agents/{agent}",
        axum::routing::get(move || async move { ([(CONTENT_TYPE, "application/json")], body) }),
    );
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

/// A database made for this run on a PostgreSQL server, dropped by [`PgDatabase::drop`].
pub struct PgDatabase {
    server_url: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create(server_url: &str) -> anyhow::Result<Self> {
        let name = format!("switchboard_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(server_url)
            .await
            .context("connecting to PostgreSQL")?;
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        conn.close().await?;
        let (path, query) = server_url.split_once('?').unwrap_or((server_url, ""));
        let (base, _) = path
            .rsplit_once('/')
            .context("a PostgreSQL URL ends in /<database>")?;
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        Ok(Self {
            server_url: server_url.to_owned(),
            url: format!("{base}/{name}{query}"),
            name,
        })
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        let mut conn = PgConnection::connect(&self.server_url).await?;
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        conn.execute(drop.as_str()).await?;
        conn.close().await?;
        Ok(())
    }
}
