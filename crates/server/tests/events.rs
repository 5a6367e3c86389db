//! The event streams: server-sent events per agent and per workspace, written with the changes
//! they tell of, resumable with `Last-Event-ID`.

mod common;

use std::time::Duration;

use common::sse::Stream;
use common::{TestApp, Ws, assert_error, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn agent_with_key(app: &TestApp, ws: &Ws, name: &str) -> (String, String) {
    let agent = app.agent(ws, json!({"name": name})).await;
    let key = app
        .api_key(
            &ws.id,
            json!({"name": name, "role": "agent", "agentId": id(&agent)}),
        )
        .await;
    (id(&agent), key)
}

async fn set_status(app: &TestApp, ws: &Ws, agent: &str, status: &str) {
    let path = ws.path(&format!("/agents/{agent}/availability"));
    let (code, body) = app.patch(&path, &ws.key, json!({"status": status})).await;
    assert_eq!(code, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_agent_hears_its_own_changes_and_supervisors_hear_everything() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, ada_key) = agent_with_key(&app, &ws, "Ada").await;
    let (bob, _) = agent_with_key(&app, &ws, "Bob").await;
    let mut mine = Stream::open(&app, &ws.path("/agents/me/events"), &ada_key, None).await;
    let mut all = Stream::open(&app, &ws.path("/events"), &ws.key, None).await;

    set_status(&app, &ws, &bob, "active").await;
    set_status(&app, &ws, &ada, "away").await;
    let event = mine.next().await;
    assert_eq!(event.kind, "agent.updated");
    assert_eq!(
        event.data["agentId"],
        ada.as_str(),
        "Bob's change is not on Ada's stream"
    );
    assert_eq!(event.data["data"]["status"], "away");
    assert_eq!(event.data["seq"], event.id);
    mine.quiet().await;

    let first = all.next().await;
    let second = all.next().await;
    assert_eq!(first.data["agentId"], bob.as_str());
    assert_eq!(second.data["agentId"], ada.as_str());
    assert!(first.id < second.id, "in the order they were written");

    let carl = app.agent(&ws, json!({"name": "Carl"})).await;
    let created = all.next().await;
    assert_eq!(created.kind, "agent.created");
    assert_eq!(created.data["agentId"], id(&carl).as_str());
    let (status, _) = app
        .delete(&ws.path(&format!("/agents/{}", id(&carl))), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(all.next().await.kind, "agent.deleted");
}

#[tokio::test]
async fn a_reconnecting_client_misses_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, ada_key) = agent_with_key(&app, &ws, "Ada").await;
    let mut stream = Stream::open(&app, &ws.path("/agents/me/events"), &ada_key, None).await;
    set_status(&app, &ws, &ada, "active").await;
    let seen = stream.next().await;
    drop(stream);

    // While Ada is away from the stream, three changes happen.
    for status in ["away", "offline", "active"] {
        set_status(&app, &ws, &ada, status).await;
    }
    let mut resumed =
        Stream::open(&app, &ws.path("/agents/me/events"), &ada_key, Some(seen.id)).await;
    for status in ["away", "offline", "active"] {
        let event = resumed.next().await;
        assert_eq!(event.data["data"]["status"], status);
        assert!(event.id > seen.id);
    }
    resumed.quiet().await;

    // `?lastEventId=` does the same for clients that cannot set the header.
    let (status, _) = app
        .get(&ws.path("/agents/me/events?lastEventId=x"), &ada_key)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn streams_need_the_right_key() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (_, ada_key) = agent_with_key(&app, &ws, "Ada").await;
    let (status, body) = app.get(&ws.path("/agents/me/events"), &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an admin key is no agent");
    assert_error(&body, "not_found");
    let (status, body) = app.get(&ws.path("/events"), &ada_key).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&body, "forbidden");
    let other = app.workspace().await;
    let (status, _) = app.get(&other.path("/events"), &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_open_stream_does_not_hold_up_a_restart() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (_, ada_key) = agent_with_key(&app, &ws, "Ada").await;
    let _stream = Stream::open(&app, &ws.path("/agents/me/events"), &ada_key, None).await;
    let restarted = tokio::time::timeout(Duration::from_secs(10), app.restart()).await;
    assert!(restarted.is_ok(), "the server shut down with a stream open");
}

#[tokio::test]
async fn conversations_are_told_without_their_personal_values() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let mut all = Stream::open(&app, &ws.path("/events"), &ws.key, None).await;
    let (_, created) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "email", "subject": "My secret parcel", "contactPoint": "me@example.com"}),
        )
        .await;
    let close = ws.path(&format!("/conversations/{}/close", id(&created)));
    app.post(&close, &ws.key, json!({})).await;
    let opened = all.next().await;
    assert_eq!(opened.kind, "conversation.created");
    assert_eq!(opened.data["data"]["conversationId"], id(&created).as_str());
    assert_eq!(opened.data["data"]["status"], "pending");
    let closed = all.next().await;
    assert_eq!(closed.kind, "conversation.closed");
    assert_eq!(closed.data["data"]["status"], "closed");
    for event in [opened, closed] {
        let text = event.data.to_string();
        assert!(
            !text.contains("secret") && !text.contains("me@example.com"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_stream_misses_nothing_of_concurrent_writes() {
    // Writes commit concurrently (on PostgreSQL, in any order): a stream reading the log while
    // they land must still deliver every event, none skipped and none twice.
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let mut all = Stream::open(&app, &ws.path("/events"), &ws.key, None).await;
    let creates = (0..64).map(|n| {
        let (app, ws) = (&app, &ws);
        async move { app.agent(ws, json!({"name": format!("Agent {n}")})).await }
    });
    let made: Vec<Value> = futures::future::join_all(creates).await;
    let mut expected: Vec<String> = made.iter().map(id).collect();
    let mut seen = Vec::new();
    let mut ids = std::collections::HashSet::new();
    while seen.len() < expected.len() {
        let event = all.next().await;
        assert!(ids.insert(event.id), "event {} came twice", event.id);
        if event.kind == "agent.created" {
            seen.push(event.data["agentId"].as_str().unwrap().to_owned());
        }
    }
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected);
}
