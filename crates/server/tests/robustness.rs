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

#[tokio::test]
async fn a_hostile_mix_on_the_directory_and_dixa_never_gets_a_500() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = app.agent(&ws, json!({"name": "Target"})).await;
    let agent = agent["id"].as_str().unwrap().to_owned();
    let made = |path: &'static str, body: Value| {
        let (app, ws) = (&app, &ws);
        async move {
            let (status, value) = app.post(&ws.path(path), &ws.key, body).await;
            assert!(status.is_success(), "{path}: {value}");
            value["id"].as_str().unwrap().to_owned()
        }
    };
    let tag = made("/tags", json!({"name": "VIP"})).await;
    let queue = made("/queues", json!({"name": "Support"})).await;
    let team = made("/teams", json!({"name": "Tier 1"})).await;
    let user = made("/endusers", json!({"displayName": "Grace"})).await;
    let attribute = made(
        "/custom-attributes",
        json!({"entityType": "contact", "name": "Note", "identifier": "note", "input": {"type": "text"}}),
    )
    .await;
    let conversation = made(
        "/conversations",
        json!({"channel": "email", "endUserId": user}),
    )
    .await;
    let routed = made(
        "/conversations",
        json!({"channel": "messaging", "queueId": queue}),
    )
    .await;
    let bodies = [
        json!(null),
        json!(7),
        json!([]),
        json!({"presence": "away", "transferToTeamId": team}),
        json!({"presence": 1, "transferToTeamId": "x"}),
        json!({"agentId": agent, "force": "x"}),
        json!({"agentId": agent, "teamId": team, "queueId": queue}),
        json!({"teamId": agent}),
        json!({"enforceSchedules": null}),
        json!({"name": null, "displayName": null}),
        json!({"name": ["x"], "color": {"r": 1}}),
        json!({"agentIds": null}),
        json!({"agentIds": [null, 1, "x", agent]}),
        json!({"agentIds": vec![agent.clone(); 11]}),
        json!({"request": null}),
        json!({"request": {"name": "Q", "offerTimeout": 1e300, "queueThresholds": {"Nope": 1}}}),
        json!({"priority": 9_999_999_999_999_i64, "offerTimeout": -1}),
        json!({"doNotOfferTimeouts": {"WidgetChat": "soon"}}),
        json!({attribute.clone(): {"deep": [null]}}),
        json!({"00000000-0000-0000-0000-000000000000": "x"}),
        json!({"email": "a@b@c", "phoneNumber": "++", "middleNames": [null]}),
        json!({"channel": "voice", "tagIds": [tag, tag], "customAttributes": {attribute.clone(): 1}}),
        json!({"name": "\u{0000}"}),
        json!({"state": "sideways", "entityType": "planet"}),
    ];
    let native = [
        format!("/tags/{tag}"),
        format!("/queues/{queue}"),
        format!("/queues/{queue}/members/{agent}"),
        format!("/teams/{team}/members"),
        format!("/endusers/{user}"),
        format!("/endusers/{user}/custom-attributes"),
        format!("/endusers/{user}/anonymize?force=maybe"),
        format!("/custom-attributes/{attribute}"),
        format!("/conversations/{conversation}/custom-attributes"),
        format!("/conversations/{conversation}/tags/{tag}"),
        "/conversations".to_owned(),
        "/queues".to_owned(),
        format!("/agents/{agent}/presence"),
        "/settings".to_owned(),
    ]
    .into_iter()
    .chain(
        [
            "accept",
            "decline",
            "assign",
            "transfer",
            "unassign",
            "close",
            "end-wrap-up",
            "abandon",
        ]
        .map(|action| format!("/conversations/{routed}/{action}")),
    )
    .collect::<Vec<_>>();
    let dixa = [
        "/v1/tags".to_owned(),
        format!("/v1/tags/{tag}/deactivate"),
        "/v1/queues".to_owned(),
        format!("/v1/queues/{queue}/members"),
        "/v1/teams".to_owned(),
        format!("/v1/teams/{team}/agents"),
        format!("/v1/teams/{team}/presence?pageLimit=-1&pageKey=%%%"),
        "/v1/endusers".to_owned(),
        format!("/v1/endusers/{user}"),
        format!("/v1/endusers/{user}/custom-attributes"),
        format!("/v1/endusers/{user}/conversations?pageLimit=99999999999"),
    ];
    let paths: Vec<String> = native.iter().map(|p| ws.path(p)).chain(dixa).collect();
    let changes = [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
    ];
    // Deletes go last, so that every other request meets the resources alive.
    let requests = paths
        .iter()
        .flat_map(|path| changes.clone().map(|method| (path, method)))
        .chain(paths.iter().map(|path| (path, reqwest::Method::DELETE)));
    for (path, method) in requests {
        for body in &bodies {
            let (status, answer) = app
                .call(method.clone(), path, Some(&ws.key), Some(body.clone()))
                .await;
            assert!(
                status.is_client_error() || status.is_success(),
                "{method} {path} {body}: {status} {answer}"
            );
        }
        let (status, answer) = app.get(path, &ws.key).await;
        assert!(
            status.is_client_error() || status.is_success(),
            "GET {path}: {status} {answer}"
        );
    }
}
