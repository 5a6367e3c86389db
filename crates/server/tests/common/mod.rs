//! The test harness: the real server on a free port over a real database, and a client.
//!
//! The database is SQLite (a fresh file per test) unless `SWITCHBOARD_TEST_DATABASE_URL` names a
//! PostgreSQL server: then each test binary makes a fresh database there and every test of the
//! run shares it, isolated by workspaces. An unreachable PostgreSQL fails the tests.

#![allow(dead_code)]

pub mod sse;

use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use switchboard::{Config, Server};
use tokio::net::TcpListener;
use tokio::sync::OnceCell;

pub const ADMIN_TOKEN: &str = "sba_test_admin_token";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub config: Config,
    server: Option<Server>,
    _dir: tempfile::TempDir,
}

/// A workspace and an admin key for it.
pub struct Ws {
    pub id: String,
    pub key: String,
}

static POSTGRES: OnceCell<String> = OnceCell::const_new();

/// A fresh PostgreSQL database for this test binary.
async fn postgres_database(server_url: &str) -> String {
    POSTGRES
        .get_or_init(|| async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(server_url)
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "SWITCHBOARD_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"
                    )
                });
            // Databases of earlier runs go, but only those more than an hour old: another
            // run may be using a younger one right now.
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let old: Vec<(String,)> = sqlx::query_as(
                "SELECT datname FROM pg_database WHERE datname LIKE 'switchboard\\_test\\_%'",
            )
            .fetch_all(&mut conn)
            .await
            .expect("list test databases");
            for (name,) in old {
                let born = name.split('_').nth(2).and_then(|t| t.parse::<u64>().ok());
                if born.is_some_and(|born| now.saturating_sub(born) > 3600) {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            }
            let name = format!("switchboard_test_{now}_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let (base, _) = server_url
                .rsplit_once('/')
                .expect("a database URL ends in /<database>");
            format!("{base}/{name}")
        })
        .await
        .clone()
}

pub async fn database_url(dir: &std::path::Path) -> String {
    match std::env::var("SWITCHBOARD_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => postgres_database(&url).await,
        _ => format!("sqlite://{}?mode=rwc", dir.join("switchboard.db").display()),
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            listen: ([127, 0, 0, 1], 0).into(),
            database_url: database_url(dir.path()).await,
            data_dir: PathBuf::from(dir.path()),
            public_url: None,
            node_url: None,
            admin_token: Some(ADMIN_TOKEN.into()),
            json_logs: false,
        };
        Self::start(config, dir).await
    }

    async fn start(config: Config, dir: tempfile::TempDir) -> Self {
        let listener = TcpListener::bind(config.listen).await.unwrap();
        let server = switchboard::start_on(listener, config.clone())
            .await
            .expect("server starts");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: format!("http://{}", server.addr),
            client,
            config,
            server: Some(server),
            _dir: dir,
        }
    }

    /// Stops the server gracefully and starts it again on the same database.
    pub async fn restart(mut self) -> Self {
        self.server.take().unwrap().shutdown().await.unwrap();
        let config = Config {
            listen: ([127, 0, 0, 1], 0).into(),
            ..self.config.clone()
        };
        Self::start(config, self._dir).await
    }

    /// Sends a request with an optional bearer credential and JSON body; returns the status
    /// and the JSON answer (`Value::Null` when the body is empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
    }

    pub async fn get(&self, path: &str, key: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(key), None).await
    }
    pub async fn post(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(key), Some(body)).await
    }
    pub async fn patch(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(key), Some(body)).await
    }
    pub async fn delete(&self, path: &str, key: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(key), None).await
    }
    pub async fn put(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(key), Some(body)).await
    }

    /// A request the way Dixa's clients send it: the bare key in `Authorization`.
    pub async fn dixa(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
    }

    /// A new workspace with an admin key.
    pub async fn workspace(&self) -> Ws {
        let (status, ws) = self
            .post(
                "/admin/workspaces",
                ADMIN_TOKEN,
                json!({"name": "Test desk"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{ws}");
        let id = ws["id"].as_str().unwrap().to_owned();
        let key = self
            .api_key(&id, json!({"name": "admin", "role": "admin"}))
            .await;
        Ws { id, key }
    }

    /// Creates an API key and returns its secret.
    pub async fn api_key(&self, workspace: &str, body: Value) -> String {
        let (status, key) = self
            .post(
                &format!("/admin/workspaces/{workspace}/api-keys"),
                ADMIN_TOKEN,
                body,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{key}");
        key["key"].as_str().unwrap().to_owned()
    }

    /// PATCHes each change to `path`: every one is refused as invalid (422), and what `path`
    /// reads afterwards is what it read before.
    pub async fn assert_patches_refused(&self, path: &str, key: &str, changes: &[Value]) {
        let (_, before) = self.get(path, key).await;
        for change in changes {
            let (status, answer) = self.patch(path, key, change.clone()).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{change}: {answer}"
            );
            assert_error(&answer, "invalid");
        }
        assert_eq!(
            self.get(path, key).await.1,
            before,
            "a refused change changed nothing"
        );
    }

    /// With `key` (an agent key), creating in `collection`, changing `item` and deleting it are
    /// each forbidden (403).
    pub async fn assert_forbidden_changes(
        &self,
        key: &str,
        collection: &str,
        create: Value,
        item: &str,
        patch: Value,
    ) {
        for (status, body) in [
            self.post(collection, key, create).await,
            self.patch(item, key, patch).await,
            self.delete(item, key).await,
        ] {
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert_error(&body, "forbidden");
        }
    }

    /// Creates an agent through Bird's surface and returns it.
    pub async fn agent(&self, ws: &Ws, body: Value) -> Value {
        let (status, agent) = self
            .post(&format!("/workspaces/{}/agents", ws.id), &ws.key, body)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{agent}");
        agent
    }
}

impl Ws {
    pub fn path(&self, rest: &str) -> String {
        format!("/workspaces/{}{rest}", self.id)
    }
}

/// An error answer: exactly `{code, message}`, with the given code and a message.
pub fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
}

/// Sends a request; returns the status and the JSON answer (`Value::Null` when empty).
pub async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request reaches the server");
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status} answered non-JSON: {text}"))
    };
    (status, value)
}

/// A Dixa error answer: exactly `{message}` with a message.
pub fn assert_dixa_error(body: &Value) {
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");
}

/// The `id` of an answer.
pub fn id(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}
