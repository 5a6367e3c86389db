//! Conversations in the native API: create, read, list with filters, close, and tags.

mod common;

use common::{TestApp, assert_error, id};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_conversation_is_created_pending_read_back_and_closed_once() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, created) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "messaging", "source": "whatsApp", "subject": " Parcel ",
                   "contactPoint": "+4512345678", "externalId": "ticket-1", "priority": 7}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "pending");
    assert_eq!(created["channel"], "messaging");
    assert_eq!(created["source"], "whatsApp");
    assert_eq!(created["direction"], "inbound");
    assert_eq!(created["subject"], "Parcel");
    assert_eq!(created["priority"], 7);
    assert_eq!(created["workspaceId"], ws.id.as_str());
    assert!(
        created["number"].as_i64().is_some_and(|n| n > 0),
        "{created}"
    );
    assert_eq!(created["closedAt"], serde_json::Value::Null);

    let path = ws.path(&format!("/conversations/{}", id(&created)));
    let (status, read) = app.get(&path, &ws.key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, created);

    let (status, closed) = app.post(&format!("{path}/close"), &ws.key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "closed");
    assert!(closed["closedAt"].is_string());
    let (status, again) = app.post(&format!("{path}/close"), &ws.key, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_error(&again, "conflict");
    assert_eq!(
        app.get(&path, &ws.key).await.1,
        closed,
        "a refused close changed nothing"
    );

    let (status, history) = app.get(&format!("{path}/history"), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let moves: Vec<_> = history["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["data"]["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("conversation.created", "pending"),
            ("conversation.closed", "closed")
        ]
    );
    assert_eq!(history["results"][1]["at"], closed["closedAt"]);
}

#[tokio::test]
async fn bad_conversations_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let unknown = uuid::Uuid::new_v4();
    for body in [
        json!({}),
        json!({"channel": "fax"}),
        json!({"channel": "email", "source": "sms"}),
        json!({"channel": "voice", "direction": "sideways"}),
        json!({"channel": "voice", "priority": 101}),
        json!({"channel": "voice", "subject": "x".repeat(999)}),
        json!({"channel": "voice", "endUserId": unknown}),
        json!({"channel": "voice", "queueId": unknown}),
        json!({"channel": "voice", "tagIds": [unknown]}),
        json!({"channel": "voice", "endUserId": "not-a-uuid"}),
        json!({"channel": "voice", "colour": "red"}),
    ] {
        let (status, answer) = app
            .post(&ws.path("/conversations"), &ws.key, body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_error(&answer, "invalid");
    }
    let (_, list) = app.get(&ws.path("/conversations"), &ws.key).await;
    assert_eq!(list["total"], 0, "{list}");
}

#[tokio::test]
async fn lists_filter_and_page_and_stay_in_their_workspace() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let mut made = Vec::new();
    for source in ["email", "sms", "email", "pstnPhone", "email"] {
        let (status, c) = app
            .post(
                &ws.path("/conversations"),
                &ws.key,
                json!({"source": source}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        made.push(id(&c));
    }
    let (_, emails) = app
        .get(&ws.path("/conversations?source=email&limit=2"), &ws.key)
        .await;
    assert_eq!(emails["total"], 3, "{emails}");
    assert_eq!(emails["results"].as_array().unwrap().len(), 2);
    let token = emails["nextPageToken"].as_str().unwrap();
    let (_, rest) = app
        .get(
            &ws.path(&format!(
                "/conversations?source=email&limit=2&pageToken={token}"
            )),
            &ws.key,
        )
        .await;
    assert_eq!(rest["results"][0]["id"], made[4].as_str(), "{rest}");
    assert!(rest.get("nextPageToken").is_none());

    let (status, bad) = app
        .get(&ws.path("/conversations?status=sleeping"), &ws.key)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");

    let theirs = other.path(&format!("/conversations/{}", made[0]));
    let (status, _) = app.get(&theirs, &other.key).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another workspace sees nothing"
    );
    let (_, none) = app.get(&other.path("/conversations"), &other.key).await;
    assert_eq!(none["total"], 0);
}

#[tokio::test]
async fn agent_keys_cannot_create_or_close_what_is_not_theirs() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = app
        .agent(&ws, json!({"name": "Ana", "userId": uuid::Uuid::new_v4()}))
        .await;
    let agent_key = app
        .api_key(
            &ws.id,
            json!({"name": "ana", "role": "agent", "agentId": id(&agent)}),
        )
        .await;
    let (status, body) = app
        .post(
            &ws.path("/conversations"),
            &agent_key,
            json!({"channel": "voice"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, c) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "voice"}),
        )
        .await;
    let close = ws.path(&format!("/conversations/{}/close", id(&c)));
    let (status, body) = app.post(&close, &agent_key, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = app
        .get(&ws.path(&format!("/conversations/{}", id(&c))), &agent_key)
        .await;
    assert_eq!(status, StatusCode::OK, "agents read the workspace");
}

#[tokio::test]
async fn a_deactivated_tag_stays_where_it_is_but_is_never_newly_applied() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, tag) = app
        .post(&ws.path("/tags"), &ws.key, json!({"name": "Refund"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tag}");
    let tag_id = id(&tag);
    let (status, tagged) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "email", "tagIds": [tag_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tagged}");
    assert_eq!(tagged["tagIds"], json!([tag_id]));
    let (_, plain) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "email"}),
        )
        .await;

    let (status, _) = app
        .dixa(
            reqwest::Method::PATCH,
            &format!("/v1/tags/{tag_id}/deactivate"),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let tagged_path = ws.path(&format!("/conversations/{}", id(&tagged)));
    let (_, still) = app.get(&tagged_path, &ws.key).await;
    assert_eq!(
        still["tagIds"],
        json!([tag_id]),
        "it stays on what carries it"
    );
    let plain_tag = ws.path(&format!("/conversations/{}/tags/{tag_id}", id(&plain)));
    let (status, refused) = app.put(&plain_tag, &ws.key, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_error(&refused, "invalid");
    let (status, refused) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "email", "tagIds": [tag_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    // Active again, it applies; taking it off twice is a 404 the second time.
    let (status, _) = app
        .dixa(
            reqwest::Method::PATCH,
            &format!("/v1/tags/{tag_id}/activate"),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, now_tagged) = app.put(&plain_tag, &ws.key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{now_tagged}");
    assert_eq!(now_tagged["tagIds"], json!([tag_id]));
    let (status, untagged) = app.delete(&plain_tag, &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{untagged}");
    assert_eq!(untagged["tagIds"], json!([]));
    let (status, _) = app.delete(&plain_tag, &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn conversation_attributes_are_checked_set_removed_and_forgotten_with_their_definition() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, reason) = app
        .post(
            &ws.path("/custom-attributes"),
            &ws.key,
            json!({"entityType": "conversation", "name": "Reason", "identifier": "reason",
                   "input": {"type": "select", "options": [
                       {"label": "Billing", "value": "billing"},
                       {"label": "Bug", "value": "bug"}]}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reason}");
    let (_, contact_note) = app
        .post(
            &ws.path("/custom-attributes"),
            &ws.key,
            json!({"entityType": "contact", "name": "Note", "identifier": "note",
                   "input": {"type": "text"}}),
        )
        .await;
    let (reason, note) = (id(&reason), id(&contact_note));

    for bad in [
        json!({reason.clone(): "billing"}),
        json!({reason.clone(): ["refund"]}),
        json!({note.clone(): "a contact attribute"}),
        json!({uuid::Uuid::new_v4().to_string(): "x"}),
    ] {
        let body = json!({"channel": "email", "customAttributes": bad});
        let (status, refused) = app.post(&ws.path("/conversations"), &ws.key, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {refused}");
    }
    let (status, created) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "email", "customAttributes": {reason.clone(): ["billing"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["customAttributes"],
        json!({reason.clone(): ["billing"]})
    );

    let attributes = ws.path(&format!(
        "/conversations/{}/custom-attributes",
        id(&created)
    ));
    let (status, changed) = app
        .patch(
            &attributes,
            &ws.key,
            json!({reason.clone(): ["bug", "billing"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        changed["customAttributes"][&reason],
        json!(["bug", "billing"])
    );
    let (status, _) = app
        .patch(&attributes, &ws.key, json!({reason.clone(): "bug"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, cleared) = app
        .patch(&attributes, &ws.key, json!({reason.clone(): null}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cleared["customAttributes"], json!({}));

    app.patch(&attributes, &ws.key, json!({reason.clone(): ["bug"]}))
        .await;
    let (status, _) = app
        .delete(&ws.path(&format!("/custom-attributes/{reason}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, after) = app
        .get(
            &ws.path(&format!("/conversations/{}", id(&created))),
            &ws.key,
        )
        .await;
    assert_eq!(
        after["customAttributes"],
        json!({}),
        "a deleted definition takes its values"
    );
}
