//! Tenancy and auth: the admin API, workspace keys, isolation between workspaces.

mod common;

use common::{ADMIN_TOKEN, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_admin_api_needs_the_admin_token() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    for key in [None, Some("wrong"), Some(ws.key.as_str())] {
        let (status, body) = app.call(Method::GET, "/admin/workspaces", key, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{key:?}");
        assert_eq!(body["code"], "unauthorized");
    }
    let (status, list) = app.get("/admin/workspaces", ADMIN_TOKEN).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["id"] == ws.id.as_str())
    );
    let (status, body) = app
        .post("/admin/workspaces", ADMIN_TOKEN, json!({"name": ""}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn keys_are_listed_without_secrets_and_revoked_at_once() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, created) = app
        .post(
            &format!("/admin/workspaces/{}/api-keys", ws.id),
            ADMIN_TOKEN,
            json!({"name": "ci", "role": "admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for field in ["id", "name", "role", "agentId", "key", "createdAt"] {
        assert!(created.get(field).is_some(), "{field} in {created}");
    }
    let secret = created["key"].as_str().unwrap();
    let (status, keys) = app
        .get(
            &format!("/admin/workspaces/{}/api-keys", ws.id),
            ADMIN_TOKEN,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys["results"].as_array().unwrap().len(), 2);
    assert!(
        keys["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k.get("key").is_none()),
        "{keys}"
    );
    assert!(!keys.to_string().contains(secret));

    // Both of Bird's schemes work.
    let (status, _) = app.get(&ws.path("/agents"), secret).await;
    assert_eq!(status, StatusCode::OK);
    let response = app
        .client
        .get(format!("{}{}", app.base, ws.path("/agents")))
        .header("Authorization", format!("AccessKey {secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let (status, _) = app
        .delete(
            &format!(
                "/admin/workspaces/{}/api-keys/{}",
                ws.id,
                created["id"].as_str().unwrap()
            ),
            ADMIN_TOKEN,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get(&ws.path("/agents"), secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked at once: {body}");
    let (status, _) = app
        .delete(
            &format!(
                "/admin/workspaces/{}/api-keys/{}",
                ws.id,
                created["id"].as_str().unwrap()
            ),
            ADMIN_TOKEN,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn key_requests_are_checked() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let path = format!("/admin/workspaces/{}/api-keys", ws.id);
    for body in [
        json!({"name": "x", "role": "root"}),
        json!({"name": "x", "role": "agent"}),
        json!({"name": "x", "role": "agent", "agentId": uuid::Uuid::new_v4()}),
        json!({"name": "x", "role": "admin", "agentId": "nope"}),
        json!({"name": "", "role": "admin"}),
    ] {
        let (status, answer) = app.post(&path, ADMIN_TOKEN, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
    }
    let unknown = format!("/admin/workspaces/{}/api-keys", uuid::Uuid::new_v4());
    let (status, _) = app
        .post(&unknown, ADMIN_TOKEN, json!({"name": "x", "role": "admin"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get("/admin/workspaces/not-a-uuid/api-keys", ADMIN_TOKEN)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_key_never_reaches_another_workspace() {
    let app = TestApp::spawn().await;
    let a = app.workspace().await;
    let b = app.workspace().await;
    let agent_of_b = app.agent(&b, json!({"name": "Secret agent"})).await;
    let id = agent_of_b["id"].as_str().unwrap();
    let attempts = [
        (Method::GET, format!("/workspaces/{}/agents", b.id)),
        (Method::GET, format!("/workspaces/{}/all-agents", b.id)),
        (Method::GET, format!("/workspaces/{}/agents/{id}", b.id)),
        (Method::PATCH, format!("/workspaces/{}/agents/{id}", b.id)),
        (Method::DELETE, format!("/workspaces/{}/agents/{id}", b.id)),
        (
            Method::PATCH,
            format!("/workspaces/{}/agents/{id}/availability", b.id),
        ),
        (
            Method::GET,
            format!("/workspaces/{}/agents/{id}/workload", b.id),
        ),
        (Method::POST, format!("/workspaces/{}/agents", b.id)),
        // B's agent through A's own paths is not A's either.
        (Method::GET, format!("/workspaces/{}/agents/{id}", a.id)),
        (Method::PATCH, format!("/workspaces/{}/agents/{id}", a.id)),
        (Method::DELETE, format!("/workspaces/{}/agents/{id}", a.id)),
    ];
    for (method, path) in attempts {
        let body = matches!(method, Method::PATCH | Method::POST)
            .then(|| json!({"name": "Mine now", "status": "away"}));
        let (status, answer) = app.call(method.clone(), &path, Some(&a.key), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
        assert!(!answer.to_string().contains("Secret agent"));
    }
    let (_, still) = app
        .get(&format!("/workspaces/{}/agents/{id}", b.id), &b.key)
        .await;
    assert_eq!(still["name"], "Secret agent");
    assert_eq!(still["status"], "offline");
}

#[tokio::test]
async fn a_missing_or_unknown_key_gets_401() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    for (key, scheme) in [
        (None, ""),
        (Some("sbk_unknown"), "Bearer"),
        (Some(ws.key.as_str()), "Basic"),
    ] {
        let mut request = app
            .client
            .get(format!("{}{}", app.base, ws.path("/agents")));
        if let Some(key) = key {
            request = request.header("Authorization", format!("{scheme} {key}"));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "unauthorized");
    }
}

#[tokio::test]
async fn a_generated_admin_token_is_shown_once_and_only_its_hash_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let config = switchboard::Config {
        listen: ([127, 0, 0, 1], 0).into(),
        database_url: common::database_url(dir.path()).await,
        data_dir: dir.path().to_path_buf(),
        public_url: None,
        node_url: None,
        admin_token: None,
        json_logs: false,
    };
    let client = reqwest::Client::new();
    let create = |addr: std::net::SocketAddr, token: String| {
        let client = client.clone();
        async move {
            let url = format!("http://{addr}/admin/workspaces");
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"name": "x"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let first = switchboard::start(config.clone()).await.unwrap();
    let token = first
        .admin_token
        .clone()
        .expect("the first start generates a token");
    assert!(token.starts_with("sba_"));
    assert_eq!(create(first.addr, token.clone()).await, StatusCode::CREATED);
    first.shutdown().await.unwrap();

    let second = switchboard::start(config).await.unwrap();
    assert_eq!(second.admin_token, None, "shown only once");
    assert_eq!(
        create(second.addr, token.clone()).await,
        StatusCode::CREATED
    );
    assert_eq!(
        create(second.addr, format!("{token}x")).await,
        StatusCode::UNAUTHORIZED
    );
    second.shutdown().await.unwrap();
    if !common::database_url(dir.path())
        .await
        .starts_with("postgres")
    {
        for file in ["switchboard.db", "switchboard.db-wal"] {
            let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(&token),
                "the token itself is never stored ({file})"
            );
        }
    }
}

/// Several nodes share one PostgreSQL; a key revoked through one is refused by the others at
/// once, though they had it cached. (SQLite is one node by design: the test above covers it.)
#[tokio::test]
async fn a_key_revoked_on_one_node_is_refused_by_the_others() {
    let a = TestApp::spawn().await;
    if !a.config.database_url.starts_with("postgres") {
        return;
    }
    let b = TestApp::spawn().await;
    assert_eq!(
        a.config.database_url, b.config.database_url,
        "both nodes share the database"
    );
    let ws = a.workspace().await;
    let (status, _) = b.get(&ws.path("/agents"), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "node B knows (and caches) the key");
    let (_, keys) = a
        .get(
            &format!("/admin/workspaces/{}/api-keys", ws.id),
            ADMIN_TOKEN,
        )
        .await;
    let key_id = keys["results"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = a
        .delete(
            &format!("/admin/workspaces/{}/api-keys/{key_id}", ws.id),
            ADMIN_TOKEN,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let revoked = std::time::Instant::now();
    loop {
        let (status, _) = b.get(&ws.path("/agents"), &ws.key).await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            revoked.elapsed() < std::time::Duration::from_millis(500),
            "node B still accepts a revoked key"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
