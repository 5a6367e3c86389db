//! End users in the native API: `/workspaces/{workspaceId}/endusers` — create, read, list with
//! filters, PATCH and PUT semantics, validation, and who may see or change them.

mod common;

use common::{TestApp, Ws, assert_error, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn end_user(app: &TestApp, ws: &Ws, body: Value) -> Value {
    let (status, user) = app.post(&ws.path("/endusers"), &ws.key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    user
}

/// PATCHes a body as it is, JSON or not.
async fn raw_patch(app: &TestApp, path: &str, key: &str, body: &str) -> (StatusCode, Value) {
    common::send(
        app.client
            .patch(format!("{}{path}", app.base))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body.to_owned()),
    )
    .await
}

fn ids(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {list}"))
        .iter()
        .map(id)
        .collect()
}

#[tokio::test]
async fn an_end_user_is_created_with_tidied_details_and_read_back() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, created) = app
        .post(
            &ws.path("/endusers"),
            &ws.key,
            json!({"displayName": " Ada Lovelace ", "email": "Ada@Example.org",
                   "phoneNumber": "+44 20-7946 0958", "firstName": "Ada", "lastName": "Lovelace",
                   "middleNames": ["Augusta"], "additionalEmails": ["ada@work.example"],
                   "additionalPhoneNumbers": ["+1 555 0100"],
                   "avatarUrl": "https://example.org/ada.png", "externalId": "crm-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["workspaceId"], ws.id.as_str());
    assert_eq!(created["displayName"], "Ada Lovelace");
    assert_eq!(created["email"], "Ada@Example.org");
    assert_eq!(created["phoneNumber"], "+442079460958");
    assert_eq!(created["firstName"], "Ada");
    assert_eq!(created["lastName"], "Lovelace");
    assert_eq!(created["middleNames"], json!(["Augusta"]));
    assert_eq!(created["additionalEmails"], json!(["ada@work.example"]));
    assert_eq!(created["additionalPhoneNumbers"], json!(["+15550100"]));
    assert_eq!(created["avatarUrl"], "https://example.org/ada.png");
    assert_eq!(created["externalId"], "crm-1");
    assert_eq!(created["customAttributes"], json!([]));
    assert_eq!(created["anonymized"], false);
    assert_eq!(created["anonymizedAt"], Value::Null);
    assert!(
        created["createdAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{created}"
    );
    assert_eq!(created["createdAt"], created["updatedAt"]);

    let (status, read) = app
        .get(&ws.path(&format!("/endusers/{}", id(&created))), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, created);

    let (status, bare) = app.post(&ws.path("/endusers"), &ws.key, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{bare}");
    assert_eq!(bare["displayName"], Value::Null);
    assert_eq!(bare["middleNames"], json!([]));
}

#[tokio::test]
async fn the_list_pages_in_creation_order_and_filters_exactly() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let mut made = Vec::new();
    for i in 0..5 {
        let user = end_user(
            &app,
            &ws,
            json!({"displayName": format!("User {i}"), "email": format!("user{i}@example.org"),
                   "phoneNumber": format!("+4511111{i:03}"), "externalId": format!("ext-{i}")}),
        )
        .await;
        made.push(id(&user));
    }

    let (status, first) = app.get(&ws.path("/endusers?limit=2"), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(ids(&first), made[..2]);
    assert_eq!(first["total"], 5);
    let token = first["nextPageToken"].as_str().unwrap();
    let (_, second) = app
        .get(
            &ws.path(&format!("/endusers?limit=2&pageToken={token}")),
            &ws.key,
        )
        .await;
    assert_eq!(ids(&second), made[2..4]);
    let (_, newest) = app
        .get(&ws.path("/endusers?limit=1&reverse=true"), &ws.key)
        .await;
    assert_eq!(ids(&newest), made[4..]);

    for (query, expected) in [
        ("email=USER3@example.ORG", vec![made[3].clone()]),
        ("phoneNumber=%2B45%2011111-002", vec![made[2].clone()]),
        ("externalId=ext-1", vec![made[1].clone()]),
        ("email=user1@example.org&externalId=ext-2", vec![]),
        ("email=nobody@example.org", vec![]),
    ] {
        let (status, found) = app
            .get(&ws.path(&format!("/endusers?{query}")), &ws.key)
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {found}");
        assert_eq!(ids(&found), expected, "{query}");
        assert_eq!(found["total"], expected.len(), "{query}");
    }

    for query in ["limit=0", "limit=101", "pageToken=garbage", "limit=x"] {
        let (status, body) = app
            .get(&ws.path(&format!("/endusers?{query}")), &ws.key)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_error(&body, "invalid");
    }
}

#[tokio::test]
async fn patch_changes_what_it_names_and_null_clears() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let user = end_user(
        &app,
        &ws,
        json!({"displayName": "Ada", "email": "ada@example.org", "firstName": "Ada",
               "middleNames": ["B"], "externalId": "x-1"}),
    )
    .await;
    let path = ws.path(&format!("/endusers/{}", id(&user)));
    let (status, patched) = app
        .patch(
            &path,
            &ws.key,
            json!({"lastName": "Lovelace", "email": null, "middleNames": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["displayName"], "Ada");
    assert_eq!(patched["firstName"], "Ada");
    assert_eq!(patched["lastName"], "Lovelace");
    assert_eq!(patched["email"], Value::Null);
    assert_eq!(patched["middleNames"], json!([]));
    assert_eq!(patched["externalId"], "x-1");
    assert_eq!(patched["createdAt"], user["createdAt"]);
    assert_eq!(app.get(&path, &ws.key).await.1, patched);
}

#[tokio::test]
async fn put_replaces_everything_and_needs_a_display_name() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let user = end_user(
        &app,
        &ws,
        json!({"displayName": "Ada", "email": "ada@example.org", "phoneNumber": "+4512345678",
               "additionalEmails": ["a@b.c"], "externalId": "x-1"}),
    )
    .await;
    let path = ws.path(&format!("/endusers/{}", id(&user)));
    for body in [
        json!({"email": "new@example.org"}),
        json!({"displayName": null}),
    ] {
        let (status, refused) = app.put(&path, &ws.key, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {refused}"
        );
        assert_error(&refused, "invalid");
        assert!(
            refused["message"].as_str().unwrap().contains("displayName"),
            "{refused}"
        );
    }
    assert_eq!(
        app.get(&path, &ws.key).await.1,
        user,
        "refused PUTs changed nothing"
    );

    let (status, replaced) = app
        .put(
            &path,
            &ws.key,
            json!({"displayName": "Ada L", "lastName": "Lovelace"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["displayName"], "Ada L");
    assert_eq!(replaced["lastName"], "Lovelace");
    for cleared in [
        "email",
        "phoneNumber",
        "externalId",
        "firstName",
        "avatarUrl",
    ] {
        assert_eq!(replaced[cleared], Value::Null, "{cleared}: {replaced}");
    }
    assert_eq!(replaced["additionalEmails"], json!([]));
    assert_eq!(replaced["id"], user["id"]);
}

#[tokio::test]
async fn invalid_details_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let user = end_user(&app, &ws, json!({"displayName": "Ada"})).await;
    let path = ws.path(&format!("/endusers/{}", id(&user)));
    let too_many: Vec<String> = (0..21).map(|i| format!("u{i}@example.org")).collect();
    let refused = [
        json!({"email": "not-an-email"}),
        json!({"email": "a@b@c"}),
        json!({"email": format!("{}@example.org", "a".repeat(250))}),
        json!({"phoneNumber": "12345678"}),
        json!({"phoneNumber": "+12"}),
        json!({"phoneNumber": "+1234567890123456"}),
        json!({"phoneNumber": "+45 12ab5678"}),
        json!({"avatarUrl": "ftp://example.org/a.png"}),
        json!({"avatarUrl": format!("https://example.org/{}", "a".repeat(2048))}),
        json!({"displayName": "x".repeat(256)}),
        json!({"displayName": "   "}),
        json!({"firstName": ""}),
        json!({"externalId": "e".repeat(256)}),
        json!({"additionalEmails": too_many}),
        json!({"additionalEmails": ["ok@example.org", "nope"]}),
        json!({"additionalPhoneNumbers": ["0800"]}),
        json!({"middleNames": [""]}),
        json!({"displayName": 5}),
        json!({"middleNames": "one"}),
    ];
    app.assert_patches_refused(&path, &ws.key, &refused).await;
    for body in &refused[..3] {
        let (status, answer) = app.post(&ws.path("/endusers"), &ws.key, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    }

    let (status, malformed) = raw_patch(&app, &path, &ws.key, "{\"displayName\": ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{malformed}");
    assert_error(&malformed, "bad_request");
    let (_, list) = app.get(&ws.path("/endusers"), &ws.key).await;
    assert_eq!(list["total"], 1, "refused creations stored nothing");
    assert_eq!(app.get(&path, &ws.key).await.1, user);
}

#[tokio::test]
async fn an_external_id_belongs_to_one_end_user_of_a_workspace() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other_ws = app.workspace().await;
    end_user(&app, &ws, json!({"externalId": "crm-7"})).await;
    let second = end_user(&app, &ws, json!({"externalId": "crm-8"})).await;
    let (status, taken) = app
        .post(
            &ws.path("/endusers"),
            &ws.key,
            json!({"externalId": "crm-7"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert_error(&taken, "conflict");
    let path = ws.path(&format!("/endusers/{}", id(&second)));
    let (status, taken) = app
        .patch(&path, &ws.key, json!({"externalId": " crm-7 "}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert_eq!(app.get(&path, &ws.key).await.1, second);
    // Another workspace may use the same external id.
    end_user(&app, &other_ws, json!({"externalId": "crm-7"})).await;
}

#[tokio::test]
async fn other_workspaces_and_unknown_ids_are_not_found_and_agent_keys_only_read() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let user = end_user(&app, &ws, json!({"displayName": "Ada"})).await;
    let theirs = end_user(&app, &other, json!({"displayName": "Bob"})).await;

    for path in [
        ws.path(&format!("/endusers/{}", id(&theirs))),
        ws.path(&format!("/endusers/{}", uuid::Uuid::new_v4())),
        ws.path("/endusers/not-a-uuid"),
        ws.path(&format!("/endusers/{}/conversations", id(&theirs))),
    ] {
        let (status, body) = app.get(&path, &ws.key).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_error(&body, "not_found");
    }
    let theirs_path = ws.path(&format!("/endusers/{}", id(&theirs)));
    let (status, _) = app
        .patch(&theirs_path, &ws.key, json!({"displayName": "Mine"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .put(&theirs_path, &ws.key, json!({"displayName": "Mine"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post(&format!("{theirs_path}/anonymize"), &ws.key, json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, still) = app
        .get(
            &other.path(&format!("/endusers/{}", id(&theirs))),
            &other.key,
        )
        .await;
    assert_eq!(still, theirs);
    let (_, list) = app.get(&ws.path("/endusers"), &ws.key).await;
    assert_eq!(ids(&list), vec![id(&user)]);

    let agent = app.agent(&ws, json!({"name": "Agent"})).await;
    let agent_key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": id(&agent)}),
        )
        .await;
    let path = ws.path(&format!("/endusers/{}", id(&user)));
    let (status, _) = app.get(&path, &agent_key).await;
    assert_eq!(status, StatusCode::OK);
    for (status, body) in [
        app.post(&ws.path("/endusers"), &agent_key, json!({})).await,
        app.patch(&path, &agent_key, json!({"displayName": "X"}))
            .await,
        app.put(&path, &agent_key, json!({"displayName": "X"}))
            .await,
        app.patch(&format!("{path}/custom-attributes"), &agent_key, json!({}))
            .await,
        app.post(&format!("{path}/anonymize"), &agent_key, json!({}))
            .await,
    ] {
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_error(&body, "forbidden");
    }
    assert_eq!(app.get(&path, &ws.key).await.1, user);
}

#[tokio::test]
async fn an_end_users_conversations_are_listed_oldest_first() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let user = end_user(&app, &ws, json!({"displayName": "Ada"})).await;
    let someone_else = end_user(&app, &ws, json!({"displayName": "Bob"})).await;
    let mut made = Vec::new();
    for channel in ["messaging", "email", "voice"] {
        let (status, conversation) = app
            .post(
                &ws.path("/conversations"),
                &ws.key,
                json!({"channel": channel, "endUserId": id(&user)}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{conversation}");
        made.push(id(&conversation));
    }
    app.post(
        &ws.path("/conversations"),
        &ws.key,
        json!({"channel": "voice", "endUserId": id(&someone_else)}),
    )
    .await;
    let path = ws.path(&format!("/endusers/{}/conversations", id(&user)));
    let (status, first) = app.get(&format!("{path}?limit=2"), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(ids(&first), made[..2]);
    assert_eq!(first["total"], 3);
    assert_eq!(first["results"][0]["endUserId"], user["id"]);
    let token = first["nextPageToken"].as_str().unwrap();
    let (_, rest) = app
        .get(&format!("{path}?limit=2&pageToken={token}"), &ws.key)
        .await;
    assert_eq!(ids(&rest), made[2..]);
    let (status, body) = app.get(&format!("{path}?reverse=true"), &ws.key).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}
