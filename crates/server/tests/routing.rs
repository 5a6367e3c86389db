//! Routing over HTTP: conversations in a queue are offered to its members, who learn of offers
//! on their event stream and accept or decline them; closing starts wrap-up; offers survive a
//! restart.

mod common;

use common::sse::Stream;
use common::{TestApp, Ws, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An available agent with its own key.
async fn agent(app: &TestApp, ws: &Ws, name: &str) -> (String, String) {
    let agent = app.agent(ws, json!({"name": name})).await;
    let agent_id = id(&agent);
    let key = app
        .api_key(
            &ws.id,
            json!({"name": name, "role": "agent", "agentId": agent_id}),
        )
        .await;
    let path = ws.path(&format!("/agents/{agent_id}/availability"));
    let (status, body) = app.patch(&path, &ws.key, json!({"status": "active"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (agent_id, key)
}

async fn queue(app: &TestApp, ws: &Ws, body: Value, members: &[&str]) -> String {
    let (status, queue) = app.post(&ws.path("/queues"), &ws.key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{queue}");
    let queue = id(&queue);
    for member in members {
        let path = ws.path(&format!("/queues/{queue}/members/{member}"));
        let (status, body) = app.put(&path, &ws.key, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    queue
}

async fn conversation(app: &TestApp, ws: &Ws, queue: &str) -> Value {
    let (status, created) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "messaging", "queueId": queue}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

async fn act(
    app: &TestApp,
    ws: &Ws,
    conversation: &str,
    action: &str,
    key: &str,
) -> (StatusCode, Value) {
    let path = ws.path(&format!("/conversations/{conversation}/{action}"));
    app.post(&path, key, json!({})).await
}

#[tokio::test]
async fn an_offer_reaches_the_agent_who_accepts_closes_and_wraps_up() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, ada_key) = agent(&app, &ws, "Ada").await;
    let queue = queue(
        &app,
        &ws,
        json!({"name": "Support", "wrapupTimeout": 1}),
        &[&ada],
    )
    .await;
    let mut stream = Stream::open(&app, &ws.path("/agents/me/events"), &ada_key, None).await;

    let created = conversation(&app, &ws, &queue).await;
    assert_eq!(created["status"], "offered", "{created}");
    let conversation = id(&created);
    let offered = loop {
        let event = stream.next().await;
        if event.kind == "conversation.offered" {
            break event;
        }
    };
    assert_eq!(
        offered.data["data"]["conversationId"],
        conversation.as_str()
    );
    assert_eq!(offered.data["data"]["agentId"], ada.as_str());

    let (status, accepted) = act(&app, &ws, &conversation, "accept", &ada_key).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["status"], "assigned");
    assert_eq!(accepted["assigneeId"], ada.as_str());
    let (status, again) = act(&app, &ws, &conversation, "accept", &ada_key).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");

    let (status, closed) = act(&app, &ws, &conversation, "close", &ada_key).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "wrapUp");
    // The queue's wrap-up of one second runs out by itself.
    let ended = loop {
        let event = stream.next().await;
        if event.kind == "conversation.closed" {
            break event;
        }
    };
    assert_eq!(ended.data["conversationId"], conversation.as_str());
    let (_, read) = app
        .get(&ws.path(&format!("/conversations/{conversation}")), &ws.key)
        .await;
    assert_eq!(read["status"], "closed");
    let (_, history) = app
        .get(
            &ws.path(&format!("/conversations/{conversation}/history")),
            &ws.key,
        )
        .await;
    let kinds: Vec<&str> = history["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "conversation.created",
        "conversation.offered",
        "conversation.assigned",
        "conversation.wrap_up_started",
        "conversation.closed",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn a_declined_offer_goes_to_the_next_agent_and_only_the_offered_agent_may_accept() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, ada_key) = agent(&app, &ws, "Ada").await;
    let (bob, bob_key) = agent(&app, &ws, "Bob").await;
    let queue = queue(
        &app,
        &ws,
        json!({"name": "Support", "offerAlgorithm": "OneAtATimeRandom"}),
        &[&ada, &bob],
    )
    .await;
    let conversation = id(&conversation(&app, &ws, &queue).await);
    let offered_to = |history: &Value| -> Vec<String> {
        history["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "conversation.offered")
            .map(|e| e["data"]["agentId"].as_str().unwrap().to_owned())
            .collect()
    };
    let history_path = ws.path(&format!("/conversations/{conversation}/history"));
    let first = offered_to(&app.get(&history_path, &ws.key).await.1);
    assert_eq!(first.len(), 1, "one at a time");
    let (first_key, other_key, other) = if first[0] == ada {
        (&ada_key, &bob_key, &bob)
    } else {
        (&bob_key, &ada_key, &ada)
    };
    let (status, _) = act(&app, &ws, &conversation, "accept", other_key).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the other agent holds no offer"
    );
    let (status, declined) = act(&app, &ws, &conversation, "decline", first_key).await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    let offers = offered_to(&app.get(&history_path, &ws.key).await.1);
    assert_eq!(offers.last(), Some(other), "the next agent is offered it");
    let (status, accepted) = act(&app, &ws, &conversation, "accept", other_key).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["assigneeId"], other.as_str());
}

#[tokio::test]
async fn an_offer_out_at_a_restart_is_honoured_after_it() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, ada_key) = agent(&app, &ws, "Ada").await;
    let queue = queue(
        &app,
        &ws,
        json!({"name": "Support", "offerTimeout": 600}),
        &[&ada],
    )
    .await;
    let conversation = id(&conversation(&app, &ws, &queue).await);
    let app = app.restart().await;
    let (status, accepted) = act(&app, &ws, &conversation, "accept", &ada_key).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["status"], "assigned");
    assert_eq!(accepted["assigneeId"], ada.as_str());
}
