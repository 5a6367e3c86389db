//! Bad input gets a clear JSON 4xx and changes nothing; nothing answers 500.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let response = app
        .client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(key)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.expect("a JSON error body"))
}

#[tokio::test]
async fn malformed_bodies_are_refused_with_json_errors() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = app.agent(&ws, json!({"name": "Steady"})).await;
    let path = ws.path(&format!("/agents/{}", agent["id"].as_str().unwrap()));
    let cases: Vec<(&str, Vec<u8>, StatusCode)> = vec![
        (
            "application/json",
            b"{\"name\": ".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "application/json",
            b"not json".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "application/json",
            vec![0xff, 0xfe, 0x00],
            StatusCode::BAD_REQUEST,
        ),
        (
            "application/json",
            b"[1, 2]".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "application/json",
            b"{\"wrapUpTime\": \"soon\"}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "application/json",
            b"{\"wrapUpTime\": 1e400}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "text/plain",
            b"{\"name\": \"x\"}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (content_type, body, expected) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let (status, answer) = raw(
            &app,
            reqwest::Method::PATCH,
            &path,
            &ws.key,
            content_type,
            body,
        )
        .await;
        assert_eq!(status, expected, "{shown}: {answer}");
        assert!(
            answer["code"].is_string() && answer["message"].is_string(),
            "{answer}"
        );
    }
    let huge = format!("{{\"bio\": \"{}\"}}", "x".repeat(2 * 1024 * 1024)).into_bytes();
    let (status, answer) = raw(
        &app,
        reqwest::Method::PATCH,
        &path,
        &ws.key,
        "application/json",
        huge,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    let (_, after) = app.get(&path, &ws.key).await;
    assert_eq!(after, agent, "nothing changed");
}

#[tokio::test]
async fn bad_ids_and_unknown_routes_are_not_found() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    for path in [
        ws.path("/agents/not-a-uuid"),
        ws.path("/agents/not-a-uuid/availability"),
        ws.path("/agents/'%20OR%201=1/workload"),
        ws.path(&format!("/agents/{}", uuid::Uuid::new_v4())),
        "/workspaces/not-a-uuid/agents".to_owned(),
        "/no/such/route".to_owned(),
    ] {
        let (status, body) = app.get(&path, &ws.key).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert!(body["message"].is_string());
    }
}

#[tokio::test]
async fn a_hostile_mix_of_requests_never_gets_a_500() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = app.agent(&ws, json!({"name": "Target"})).await;
    let id = agent["id"].as_str().unwrap();
    let bodies = [
        json!(null),
        json!(true),
        json!("string"),
        json!({"name": null}),
        json!({"status": null}),
        json!({"holidays": null}),
        json!({"holidays": [null]}),
        json!({"weeklySchedule": {"monday": null}}),
        json!({"weeklySchedule": {"funday": {}}}),
        json!({"assignedSkills": [{"id": "x"}]}),
        json!({"roles": [{"id": id, "type": 1}]}),
        json!({"user": []}),
        json!({"forwardNumber": {"enabled": "yes"}}),
        json!({"wrapUpTime": 1.5}),
        json!({"wrapUpTime": 9_999_999_999_999_i64}),
        json!({"name": "\u{0000}"}),
        json!({"activityTtl": -1, "status": "active", "activity": "x"}),
        json!({"teamIds": "all"}),
    ];
    for path in [
        ws.path(&format!("/agents/{id}")),
        ws.path(&format!("/agents/{id}/availability")),
        ws.path("/agents"),
    ] {
        for body in &bodies {
            for method in [reqwest::Method::PATCH, reqwest::Method::POST] {
                let (status, answer) = app
                    .call(method.clone(), &path, Some(&ws.key), Some(body.clone()))
                    .await;
                assert!(
                    status.is_client_error() || status.is_success(),
                    "{method} {path} {body}: {status} {answer}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, body) = app
        .call(
            reqwest::Method::PUT,
            &ws.path("/agents"),
            Some(&ws.key),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body["message"].is_string(), "{body}");
}
