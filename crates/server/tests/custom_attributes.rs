//! Custom attributes: definitions (`/workspaces/{workspaceId}/custom-attributes`) and end users'
//! values, checked against them (`PATCH …/endusers/{id}/custom-attributes`).

mod common;

use common::{TestApp, Ws, assert_error, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn attribute(app: &TestApp, ws: &Ws, body: Value) -> Value {
    let (status, attribute) = app
        .post(&ws.path("/custom-attributes"), &ws.key, body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{attribute}");
    attribute
}

/// A select attribute of end users with options `free`, `pro` and a deactivated `legacy`.
async fn plan(app: &TestApp, ws: &Ws) -> Value {
    attribute(
        app,
        ws,
        json!({"entityType": "contact", "name": "Plan", "identifier": "plan",
               "input": {"type": "select", "options": [
                   {"label": "Free", "value": "free"},
                   {"label": "Pro", "value": "pro"},
                   {"label": "Legacy", "value": "legacy", "isDeactivated": true}]}}),
    )
    .await
}

async fn note(app: &TestApp, ws: &Ws) -> Value {
    attribute(
        app,
        ws,
        json!({"entityType": "contact", "name": "Note", "identifier": "note",
               "input": {"type": "text", "placeholder": "Anything"}}),
    )
    .await
}

async fn end_user(app: &TestApp, ws: &Ws) -> String {
    let (status, user) = app
        .post(
            &ws.path("/endusers"),
            &ws.key,
            json!({"displayName": "Ada"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    id(&user)
}

#[tokio::test]
async fn definitions_are_created_read_listed_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let plan = plan(&app, &ws).await;
    assert_eq!(plan["workspaceId"], ws.id.as_str());
    assert_eq!(plan["entityType"], "contact");
    assert_eq!(plan["name"], "Plan");
    assert_eq!(plan["identifier"], "plan");
    assert_eq!(plan["description"], Value::Null);
    assert_eq!(plan["input"]["type"], "select");
    let options = plan["input"]["options"].as_array().unwrap();
    assert_eq!(options.len(), 3);
    assert_eq!(options[2]["value"], "legacy");
    assert_eq!(options[2]["isDeactivated"], true);
    assert!(options[0]["id"].as_str().is_some(), "{plan}");
    assert_eq!(plan["isRequired"], false);
    assert_eq!(plan["isArchived"], false);
    assert_eq!(plan["isDeactivated"], false);
    let note = note(&app, &ws).await;
    assert_eq!(
        note["input"],
        json!({"type": "text", "placeholder": "Anything"})
    );
    let topic = attribute(
        &app,
        &ws,
        json!({"entityType": "conversation", "name": "Topic", "identifier": "plan"}),
    )
    .await;
    assert_eq!(topic["input"], json!({"type": "text"}), "text by default");

    let path = ws.path(&format!("/custom-attributes/{}", id(&plan)));
    assert_eq!(app.get(&path, &ws.key).await.1, plan);
    let (_, all) = app.get(&ws.path("/custom-attributes"), &ws.key).await;
    assert_eq!(all["total"], 3);
    let (_, contacts) = app
        .get(
            &ws.path("/custom-attributes?entityType=contact&limit=1"),
            &ws.key,
        )
        .await;
    assert_eq!(contacts["results"][0]["id"], plan["id"]);
    assert_eq!(contacts["total"], 2);
    let token = contacts["nextPageToken"].as_str().unwrap();
    let (_, next) = app
        .get(
            &ws.path(&format!(
                "/custom-attributes?entityType=contact&limit=1&pageToken={token}"
            )),
            &ws.key,
        )
        .await;
    assert_eq!(next["results"][0]["id"], note["id"]);
    let (status, bad) = app
        .get(&ws.path("/custom-attributes?entityType=ticket"), &ws.key)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");

    // Options keep their ids when named; new ones get one.
    let pro = options[1]["id"].clone();
    let (status, updated) = app
        .patch(
            &path,
            &ws.key,
            json!({"name": "Tier", "description": "What they pay", "isRequired": true,
                   "input": {"type": "select", "options": [
                       {"id": pro, "label": "Pro!", "value": "pro"},
                       {"label": "Gold", "value": "gold"}]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Tier");
    assert_eq!(updated["identifier"], "plan");
    assert_eq!(updated["description"], "What they pay");
    assert_eq!(updated["isRequired"], true);
    assert_eq!(updated["input"]["options"][0]["id"], pro);
    assert_eq!(updated["input"]["options"][0]["label"], "Pro!");
    assert_eq!(updated["input"]["options"][1]["value"], "gold");

    let (status, _) = app.delete(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = app.get(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");
    assert_error(&gone, "not_found");
    let (status, _) = app.delete(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_definitions_are_refused_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let plan = plan(&app, &ws).await;
    let (status, taken) = app
        .post(
            &ws.path("/custom-attributes"),
            &ws.key,
            json!({"entityType": "contact", "name": "Other", "identifier": "plan"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert_error(&taken, "conflict");

    for body in [
        json!({"name": "X", "identifier": "x"}),
        json!({"entityType": "contact", "identifier": "x"}),
        json!({"entityType": "contact", "name": "X"}),
        json!({"entityType": "ticket", "name": "X", "identifier": "x"}),
        json!({"entityType": "contact", "name": "X", "identifier": "Has Caps"}),
        json!({"entityType": "contact", "name": "X", "identifier": "x".repeat(65)}),
        json!({"entityType": "contact", "name": "", "identifier": "x"}),
        json!({"entityType": "contact", "name": "X", "identifier": "x",
               "input": {"type": "select", "options": []}}),
        json!({"entityType": "contact", "name": "X", "identifier": "x",
               "input": {"type": "select", "options": [
                   {"label": "A", "value": "a"}, {"label": "B", "value": "a"}]}}),
        json!({"entityType": "contact", "name": "X", "identifier": "x",
               "input": {"type": "dropdown"}}),
    ] {
        let (status, refused) = app
            .post(&ws.path("/custom-attributes"), &ws.key, body.clone())
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {refused}"
        );
        assert_error(&refused, "invalid");
    }
    let path = ws.path(&format!("/custom-attributes/{}", id(&plan)));
    app.assert_patches_refused(
        &path,
        &ws.key,
        &[
            json!({"entityType": "conversation"}),
            json!({"input": {"type": "text"}}),
            json!({"input": {"type": "select", "options": [
                {"id": uuid::Uuid::new_v4(), "label": "A", "value": "a"}]}}),
            json!({"identifier": "no spaces please"}),
            json!({"isArchived": "yes"}),
        ],
    )
    .await;
    let (_, list) = app.get(&ws.path("/custom-attributes"), &ws.key).await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn values_are_set_checked_against_their_definition_and_removed_by_null() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let plan = plan(&app, &ws).await;
    let note = note(&app, &ws).await;
    let topic = attribute(
        &app,
        &ws,
        json!({"entityType": "conversation", "name": "Topic", "identifier": "topic"}),
    )
    .await;
    let user = end_user(&app, &ws).await;
    let path = ws.path(&format!("/endusers/{user}/custom-attributes"));
    let (plan_id, note_id) = (id(&plan), id(&note));

    let (status, values) = app
        .patch(
            &path,
            &ws.key,
            json!({plan_id.clone(): ["pro", "free"], note_id.clone(): "likes tea"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{values}");
    assert_eq!(
        values,
        json!([
            {"id": plan_id, "name": "Plan", "identifier": "plan", "value": ["pro", "free"]},
            {"id": note_id, "name": "Note", "identifier": "note", "value": "likes tea"}
        ])
    );
    let user_path = ws.path(&format!("/endusers/{user}"));
    let (_, read) = app.get(&user_path, &ws.key).await;
    assert_eq!(read["customAttributes"], values);

    let unknown = uuid::Uuid::new_v4().to_string();
    let refused = [
        json!({unknown.clone(): "x"}),
        json!({unknown: null}),
        json!({id(&topic): "x"}),
        json!({note_id.clone(): 42}),
        json!({note_id.clone(): ["a"]}),
        json!({note_id.clone(): "x".repeat(1001)}),
        json!({plan_id.clone(): "pro"}),
        json!({plan_id.clone(): ["gold"]}),
        json!({plan_id.clone(): ["legacy"]}),
        json!({plan_id.clone(): []}),
        json!({plan_id.clone(): [1]}),
        // One bad value refuses the whole patch.
        json!({note_id.clone(): "changed", plan_id.clone(): ["nope"]}),
        json!({"not-a-uuid": "x"}),
        json!(["not", "a", "map"]),
    ];
    for body in refused {
        let (status, answer) = app.patch(&path, &ws.key, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_error(&answer, "invalid");
    }
    assert_eq!(
        app.get(&user_path, &ws.key).await.1,
        read,
        "nothing changed"
    );

    // Archived and deactivated attributes take no new values, but let old ones go.
    let note_path = ws.path(&format!("/custom-attributes/{note_id}"));
    let (status, _) = app
        .patch(&note_path, &ws.key, json!({"isArchived": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = app
        .patch(&path, &ws.key, json!({note_id.clone(): "new"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("archived"));
    let plan_path = ws.path(&format!("/custom-attributes/{plan_id}"));
    app.patch(&plan_path, &ws.key, json!({"isDeactivated": true}))
        .await;
    let (status, answer) = app
        .patch(&path, &ws.key, json!({plan_id.clone(): ["free"]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("deactivated"));

    let (status, values) = app
        .patch(&path, &ws.key, json!({note_id.clone(): null}))
        .await;
    assert_eq!(status, StatusCode::OK, "{values}");
    assert_eq!(values.as_array().unwrap().len(), 1);
    assert_eq!(values[0]["id"], plan_id.as_str());
}

#[tokio::test]
async fn a_deleted_definition_takes_its_values_with_it() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let plan = plan(&app, &ws).await;
    let note = note(&app, &ws).await;
    let user = end_user(&app, &ws).await;
    let path = ws.path(&format!("/endusers/{user}/custom-attributes"));
    let (status, _) = app
        .patch(
            &path,
            &ws.key,
            json!({id(&plan): ["pro"], id(&note): "secret note"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .delete(
            &ws.path(&format!("/custom-attributes/{}", id(&note))),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, read) = app
        .get(&ws.path(&format!("/endusers/{user}")), &ws.key)
        .await;
    assert_eq!(
        read["customAttributes"],
        json!([{"id": id(&plan), "name": "Plan", "identifier": "plan", "value": ["pro"]}])
    );
    let (_, list) = app.get(&ws.path("/endusers"), &ws.key).await;
    assert_eq!(
        list["results"][0]["customAttributes"],
        read["customAttributes"]
    );
}

#[tokio::test]
async fn definitions_of_other_workspaces_are_not_found_and_agent_keys_only_read() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let theirs = plan(&app, &other).await;
    let path = ws.path(&format!("/custom-attributes/{}", id(&theirs)));
    for (status, body) in [
        app.get(&path, &ws.key).await,
        app.patch(&path, &ws.key, json!({"name": "Mine"})).await,
        app.delete(&path, &ws.key).await,
        app.get(&ws.path("/custom-attributes/nope"), &ws.key).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error(&body, "not_found");
    }
    // Nor can their attribute be given a value here.
    let user = end_user(&app, &ws).await;
    let (status, _) = app
        .patch(
            &ws.path(&format!("/endusers/{user}/custom-attributes")),
            &ws.key,
            json!({id(&theirs): ["pro"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get(
            &other.path(&format!("/custom-attributes/{}", id(&theirs))),
            &other.key
        )
        .await
        .1,
        theirs
    );

    let agent = app.agent(&ws, json!({"name": "Ann"})).await;
    let agent_key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": id(&agent)}),
        )
        .await;
    let mine = note(&app, &ws).await;
    let item = ws.path(&format!("/custom-attributes/{}", id(&mine)));
    let (status, _) = app.get(&item, &agent_key).await;
    assert_eq!(status, StatusCode::OK);
    app.assert_forbidden_changes(
        &agent_key,
        &ws.path("/custom-attributes"),
        json!({"entityType": "contact", "name": "X", "identifier": "x"}),
        &item,
        json!({"name": "Y"}),
    )
    .await;
}
