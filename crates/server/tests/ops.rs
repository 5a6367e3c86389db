//! Operations: health, readiness, metrics, the OpenAPI document, the offline docs page, request
//! ids, and durability across a restart.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    app.get(&ws.path("/agents"), &ws.key).await;
    for path in ["/healthz", "/readyz"] {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers().contains_key("x-request-id"),
            "every answer carries a request id"
        );
    }
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(
        metrics.contains("route=\"/workspaces/{workspaceId}/agents\""),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn a_request_id_is_kept_when_the_client_sends_one() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: serde_json::Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/workspaces/{workspaceId}/agents", "get"),
        ("/workspaces/{workspaceId}/agents", "post"),
        ("/workspaces/{workspaceId}/all-agents", "get"),
        ("/workspaces/{workspaceId}/agents/{agentId}", "patch"),
        ("/workspaces/{workspaceId}/agents/{agentId}", "delete"),
        ("/workspaces/{workspaceId}/agents/me", "get"),
        ("/workspaces/{workspaceId}/agents/me", "patch"),
        (
            "/workspaces/{workspaceId}/agents/{agentId}/availability",
            "patch",
        ),
        ("/workspaces/{workspaceId}/agents/{agentId}/workload", "get"),
        (
            "/workspaces/{workspaceId}/agents/{agentId}/presigned-upload",
            "get",
        ),
        (
            "/workspaces/{workspaceId}/agents/{agentId}/presigned-upload/audio",
            "post",
        ),
        (
            "/workspaces/{workspaceId}/agents/{agentId}/media/{fileId}/download",
            "get",
        ),
        ("/workspaces/{workspaceId}/teams", "post"),
        ("/workspaces/{workspaceId}/skills/{skillId}", "patch"),
        (
            "/workspaces/{workspaceId}/capacity-rules/{ruleId}",
            "delete",
        ),
        ("/admin/workspaces", "post"),
        ("/admin/workspaces/{workspaceId}/api-keys/{keyId}", "delete"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is documented"
        );
    }
}

#[tokio::test]
async fn the_docs_page_loads_without_the_internet() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let outside: Vec<&str> = html
        .split(['"', '\''])
        .filter(|s| s.starts_with("http"))
        .collect();
    assert!(
        outside.is_empty(),
        "the docs page loads {outside:?} from elsewhere"
    );
    let script = app
        .client
        .get(format!("{}/docs/swagger-ui-bundle.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    let config = app
        .client
        .get(format!("{}/docs/swagger-initializer.js", app.base))
        .send()
        .await
        .unwrap();
    let config = config.text().await.unwrap();
    assert!(config.contains("/openapi.json"), "{config}");
}

#[tokio::test]
async fn acknowledged_writes_survive_a_restart() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let writes: Vec<_> = (0..50)
        .map(|i| app.agent(&ws, json!({"name": format!("Durable {i}")})))
        .collect();
    let agents = futures::future::join_all(writes).await;
    let app = app.restart().await;
    let (status, list) = app.get(&ws.path("/agents?limit=100"), &ws.key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 50);
    let (_, first) = app
        .get(
            &ws.path(&format!("/agents/{}", agents[0]["id"].as_str().unwrap())),
            &ws.key,
        )
        .await;
    assert_eq!(first, agents[0]);
}
