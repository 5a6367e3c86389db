//! Dixa's tags over HTTP: `/v1/tags` with the bare key, Dixa's shapes and status codes, the
//! idempotent create, activation, and the same tags the native API sees.

mod common;

use common::{TestApp, Ws, assert_dixa_error, id};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn create(app: &TestApp, ws: &Ws, body: Value) -> Value {
    let (status, answer) = app
        .dixa(Method::POST, "/v1/tags", &ws.key, Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["data"].clone()
}

async fn list(app: &TestApp, ws: &Ws) -> Value {
    let (status, answer) = app.dixa(Method::GET, "/v1/tags", &ws.key, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer.as_object().unwrap().len(), 1, "only data: {answer}");
    answer["data"].clone()
}

/// Sends a raw body with a content type, the bare key in `Authorization`.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    content_type: &str,
    body: &str,
) -> (StatusCode, Value) {
    let request = app
        .client
        .request(method, format!("{}{path}", app.base))
        .header("Authorization", key)
        .header("Content-Type", content_type)
        .body(body.to_owned());
    common::send(request).await
}

#[tokio::test]
async fn creating_a_tag_answers_200_with_dixas_tag() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let vip = create(&app, &ws, json!({"name": "VIP", "color": "#ff0000"})).await;
    assert_eq!(
        vip,
        json!({"id": id(&vip), "name": "VIP", "color": "#ff0000", "state": "Active"})
    );
    let plain = create(&app, &ws, json!({"name": "  Billing "})).await;
    assert_eq!(
        plain,
        json!({"id": id(&plain), "name": "Billing", "state": "Active"}),
        "no color key when there is none; the name is trimmed"
    );
    assert!(uuid::Uuid::parse_str(&id(&plain)).is_ok());

    let (status, got) = app
        .dixa(
            Method::GET,
            &format!("/v1/tags/{}", id(&vip)),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, json!({"data": vip}));
    assert_eq!(list(&app, &ws).await, json!([vip, plain]));
}

#[tokio::test]
async fn creating_a_tag_whose_name_exists_answers_it_unchanged() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let vip = create(&app, &ws, json!({"name": "VIP", "color": "#ff0000"})).await;
    for body in [
        json!({"name": "VIP"}),
        json!({"name": "vip", "color": "#000000"}),
        json!({"name": "  Vip  ", "color": "#00ff00"}),
    ] {
        assert_eq!(create(&app, &ws, body).await, vip);
    }
    assert_eq!(list(&app, &ws).await, json!([vip]));

    // An inactive tag is answered as it is: creating does not reactivate it.
    let path = format!("/v1/tags/{}/deactivate", id(&vip));
    app.dixa(Method::PATCH, &path, &ws.key, None).await;
    let again = create(&app, &ws, json!({"name": "VIP"})).await;
    assert_eq!(again["state"], "Inactive");
    assert_eq!(again["id"], vip["id"]);
}

#[tokio::test]
async fn concurrent_creates_of_one_name_make_one_tag() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let creates = (0..8).map(|i| {
        let name = if i % 2 == 0 { "Urgent" } else { "URGENT" };
        app.dixa(
            Method::POST,
            "/v1/tags",
            &ws.key,
            Some(json!({"name": name, "color": format!("#00000{i}")})),
        )
    });
    let answers = futures::future::join_all(creates).await;
    let first = &answers[0].1["data"];
    for (status, answer) in &answers {
        assert_eq!(*status, StatusCode::OK, "{answer}");
        assert_eq!(&answer["data"], first);
    }
    assert_eq!(list(&app, &ws).await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn deactivating_and_activating_answer_204_and_change_the_state() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let tag = create(&app, &ws, json!({"name": "Spam"})).await;
    let path = format!("/v1/tags/{}", id(&tag));
    for (action, state) in [
        ("deactivate", "Inactive"),
        ("deactivate", "Inactive"),
        ("activate", "Active"),
        ("activate", "Active"),
        ("deactivate", "Inactive"),
    ] {
        let (status, body) = app
            .dixa(Method::PATCH, &format!("{path}/{action}"), &ws.key, None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{action}: {body}");
        assert_eq!(body, Value::Null);
        let (_, got) = app.dixa(Method::GET, &path, &ws.key, None).await;
        assert_eq!(got["data"]["state"], state, "after {action}");
    }
    assert_eq!(
        list(&app, &ws).await,
        json!([{"id": id(&tag), "name": "Spam", "state": "Inactive"}]),
        "the list holds inactive tags too"
    );
    // The native API sees the same tag in the same state.
    let (status, native) = app
        .get(&ws.path(&format!("/tags/{}", id(&tag))), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{native}");
    assert_eq!(native["state"], "inactive");
    assert_eq!(native["name"], "Spam");
}

#[tokio::test]
async fn unknown_malformed_and_other_workspaces_tag_ids_are_404() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let theirs = create(&app, &other, json!({"name": "Theirs"})).await;
    for tag_id in [
        id(&theirs),
        uuid::Uuid::new_v4().to_string(),
        "not-a-uuid".into(),
    ] {
        let get = app
            .dixa(Method::GET, &format!("/v1/tags/{tag_id}"), &ws.key, None)
            .await;
        let on = app
            .dixa(
                Method::PATCH,
                &format!("/v1/tags/{tag_id}/activate"),
                &ws.key,
                None,
            )
            .await;
        let off = app
            .dixa(
                Method::PATCH,
                &format!("/v1/tags/{tag_id}/deactivate"),
                &ws.key,
                None,
            )
            .await;
        for (status, body) in [get, on, off] {
            assert_eq!(status, StatusCode::NOT_FOUND, "{tag_id}: {body}");
            assert_dixa_error(&body);
        }
    }
    assert_eq!(list(&app, &ws).await, json!([]), "lists are per workspace");
    let (_, theirs_now) = app
        .dixa(
            Method::GET,
            &format!("/v1/tags/{}", id(&theirs)),
            &other.key,
            None,
        )
        .await;
    assert_eq!(theirs_now["data"]["state"], "Active", "untouched");
}

#[tokio::test]
async fn bad_tag_input_is_400_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    create(&app, &ws, json!({"name": "Kept"})).await;
    let before = list(&app, &ws).await;
    for body in [
        json!({}),
        json!({"color": "#fff"}),
        json!({"name": 5}),
        json!({"name": null}),
        json!({"name": ""}),
        json!({"name": "   "}),
        json!({"name": "n".repeat(101)}),
        json!({"name": "ok", "color": ""}),
        json!({"name": "ok", "color": "c".repeat(33)}),
        json!({"name": "ok", "color": 7}),
        json!(["name"]),
    ] {
        let (status, answer) = app
            .dixa(Method::POST, "/v1/tags", &ws.key, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_dixa_error(&answer);
    }
    for (content_type, body) in [
        ("application/json", "{\"name\": "),
        ("application/json", "not json"),
        ("text/plain", "{\"name\": \"Plain\"}"),
    ] {
        let (status, answer) =
            raw(&app, Method::POST, "/v1/tags", &ws.key, content_type, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_dixa_error(&answer);
    }
    assert_eq!(list(&app, &ws).await, before);
}

#[tokio::test]
async fn an_agent_key_reads_tags_but_cannot_change_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let tag = create(&app, &ws, json!({"name": "Seen"})).await;
    let agent = app.agent(&ws, json!({"name": "Ada"})).await;
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": id(&agent)}),
        )
        .await;
    let (status, listed) = app.dixa(Method::GET, "/v1/tags", &key, None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["data"], json!([tag]));
    let path = format!("/v1/tags/{}", id(&tag));
    for (method, path, body) in [
        (
            Method::POST,
            "/v1/tags".to_owned(),
            Some(json!({"name": "New"})),
        ),
        (Method::PATCH, format!("{path}/deactivate"), None),
        (Method::PATCH, format!("{path}/activate"), None),
    ] {
        let (status, answer) = app.dixa(method, &path, &key, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
        assert_dixa_error(&answer);
    }
    assert_eq!(list(&app, &ws).await, json!([tag]), "nothing changed");
}

#[tokio::test]
async fn without_a_key_tags_are_401() {
    let app = TestApp::spawn().await;
    let (status, answer) = app.dixa(Method::GET, "/v1/tags", "nope", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_dixa_error(&answer);
}

#[tokio::test]
async fn a_tag_made_natively_is_the_one_dixa_returns() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, native) = app
        .post(
            &ws.path("/tags"),
            &ws.key,
            json!({"name": "Native", "color": "#123456"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{native}");
    let (_, got) = app
        .dixa(
            Method::GET,
            &format!("/v1/tags/{}", id(&native)),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(
        got,
        json!({"data": {"id": id(&native), "name": "Native", "color": "#123456", "state": "Active"}})
    );
    // Creating the same name through Dixa answers the native tag.
    assert_eq!(
        create(&app, &ws, json!({"name": "NATIVE"})).await,
        got["data"]
    );
}
