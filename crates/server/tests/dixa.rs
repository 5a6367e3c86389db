//! Dixa's surface as a whole: how its clients authenticate, the `{data}` envelope, and that every
//! error under `/v1/` is Dixa's `{message}` with Dixa's status codes.

mod common;

use common::{TestApp, assert_dixa_error, send};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_key_is_taken_bare_or_as_bearer_and_scopes_to_its_workspace() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let (status, tag) = app
        .dixa(
            Method::POST,
            "/v1/tags",
            &ws.key,
            Some(json!({"name": "VIP"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tag}");
    let tag_id = tag["data"]["id"].as_str().unwrap().to_owned();

    let bearer = app
        .client
        .get(format!("{}/v1/tags/{tag_id}", app.base))
        .bearer_auth(&ws.key);
    let (status, read) = send(bearer).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["data"]["name"], "VIP");

    let (status, theirs) = app
        .dixa(Method::GET, &format!("/v1/tags/{tag_id}"), &other.key, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{theirs}");
    assert_dixa_error(&theirs);
    let (_, list) = app.dixa(Method::GET, "/v1/tags", &other.key, None).await;
    assert_eq!(list, json!({"data": []}));
}

#[tokio::test]
async fn refused_keys_unknown_routes_and_wrong_methods_answer_in_dixa_shape() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, body) = send(app.client.get(format!("{}/v1/teams", app.base))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_dixa_error(&body);
    let (status, body) = app.dixa(Method::GET, "/v1/teams", "sbk_wrong", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_dixa_error(&body);
    let (status, body) = app
        .dixa(Method::GET, "/v1/nothing-here", &ws.key, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dixa_error(&body);
    let (status, body) = app.dixa(Method::PUT, "/v1/tags", &ws.key, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_dixa_error(&body);
}

#[tokio::test]
async fn bad_bodies_are_400_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let url = format!("{}/v1/teams", app.base);
    let malformed = app
        .client
        .post(&url)
        .header("Authorization", &ws.key)
        .header("Content-Type", "application/json")
        .body("{\"name\": ");
    let (status, body) = send(malformed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_dixa_error(&body);
    let untyped = app
        .client
        .post(&url)
        .header("Authorization", &ws.key)
        .body("{\"name\": \"Support\"}");
    let (status, body) = send(untyped).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no JSON content type");
    assert_dixa_error(&body);
    let (status, body) = app
        .dixa(
            Method::POST,
            "/v1/teams",
            &ws.key,
            Some(json!({"name": 42})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "wrong type");
    assert_dixa_error(&body);
    let (status, body) = app
        .dixa(Method::POST, "/v1/teams", &ws.key, Some(json!(["Support"])))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an array is not an object");
    assert_dixa_error(&body);
    let (_, teams) = app.dixa(Method::GET, "/v1/teams", &ws.key, None).await;
    assert_eq!(teams, json!({"data": []}));
}

#[tokio::test]
async fn errors_keep_the_request_id_and_the_paths_are_documented() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/v1/queues", app.base))
        .header("x-request-id", "trace-me")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["x-request-id"], "trace-me");
    let (_, openapi) = send(app.client.get(format!("{}/openapi.json", app.base))).await;
    for path in [
        "/v1/endusers/{userId}",
        "/v1/endusers/{userId}/anonymize",
        "/v1/queues",
        "/v1/queues/{queueId}/members",
        "/v1/tags/{tagId}/deactivate",
        "/v1/teams/{teamId}/presence",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} is documented");
    }
}
