//! Tags over HTTP: `/workspaces/{workspaceId}/tags`: one per name whatever the case, their
//! state, paging and filtering, and who may change them.

mod common;

use common::{TestApp, Ws, assert_error, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn tag(app: &TestApp, ws: &Ws, body: Value) -> Value {
    let (status, tag) = app.post(&ws.path("/tags"), &ws.key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{tag}");
    tag
}

fn names(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {list}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn creating_a_tag_answers_201_active() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let created = tag(&app, &ws, json!({"name": " VIP ", "color": "#ff0000"})).await;
    assert_eq!(
        created,
        json!({
            "id": id(&created), "workspaceId": ws.id, "name": "VIP", "color": "#ff0000",
            "state": "active", "createdAt": created["createdAt"], "updatedAt": created["createdAt"],
        })
    );
    assert!(created["createdAt"].as_str().unwrap().ends_with('Z'));
    let plain = tag(&app, &ws, json!({"name": "Plain", "state": "inactive"})).await;
    assert_eq!(plain["color"], Value::Null);
    assert_eq!(plain["state"], "inactive", "a tag may be made inactive");

    let (status, got) = app
        .get(&ws.path(&format!("/tags/{}", id(&created))), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, created);
}

#[tokio::test]
async fn a_name_the_workspace_has_is_a_409_naming_the_tag() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let vip = tag(&app, &ws, json!({"name": "VIP"})).await;
    for name in ["VIP", "vip", "  Vip "] {
        let (status, body) = app
            .post(
                &ws.path("/tags"),
                &ws.key,
                json!({"name": name, "color": "#000"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_error(&body, "conflict");
        assert!(
            body["message"].as_str().unwrap().contains(&id(&vip)),
            "{body}"
        );
    }
    let (_, list) = app.get(&ws.path("/tags"), &ws.key).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["results"], json!([vip]), "the tag is unchanged");

    // Another workspace has its own names.
    let other = app.workspace().await;
    tag(&app, &other, json!({"name": "VIP"})).await;
}

#[tokio::test]
async fn a_tag_can_be_renamed_recolored_deactivated_and_deleted() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let created = tag(&app, &ws, json!({"name": "Spam", "color": "#111"})).await;
    let path = ws.path(&format!("/tags/{}", id(&created)));

    let (status, updated) = app
        .patch(&path, &ws.key, json!({"name": "Junk", "state": "inactive"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Junk");
    assert_eq!(updated["state"], "inactive");
    assert_eq!(updated["color"], "#111", "fields not given stay");
    assert_eq!(updated["createdAt"], created["createdAt"]);

    let (status, cleared) = app
        .patch(&path, &ws.key, json!({"color": null, "state": "active"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert_eq!(cleared["color"], Value::Null);
    assert_eq!(cleared["state"], "active");
    // Renaming to its own name in another case is no conflict.
    let (status, same) = app.patch(&path, &ws.key, json!({"name": "JUNK"})).await;
    assert_eq!(status, StatusCode::OK, "{same}");
    assert_eq!(same["name"], "JUNK");
    assert_eq!(app.get(&path, &ws.key).await.1, same);

    let (status, body) = app.delete(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(body, Value::Null);
    for (status, body) in [
        app.get(&path, &ws.key).await,
        app.delete(&path, &ws.key).await,
        app.patch(&path, &ws.key, json!({"name": "Ghost"})).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error(&body, "not_found");
    }
}

#[tokio::test]
async fn renaming_to_a_name_another_tag_has_is_a_409_that_changes_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let vip = tag(&app, &ws, json!({"name": "VIP"})).await;
    let spam = tag(&app, &ws, json!({"name": "Spam"})).await;
    let path = ws.path(&format!("/tags/{}", id(&spam)));
    let (status, body) = app
        .patch(&path, &ws.key, json!({"name": "vip", "color": "#fff"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    assert!(body["message"].as_str().unwrap().contains(&id(&vip)));
    assert_eq!(app.get(&path, &ws.key).await.1, spam);
}

#[tokio::test]
async fn invalid_tags_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let created = tag(&app, &ws, json!({"name": "Kept"})).await;
    for body in [
        json!({}),
        json!({"name": ""}),
        json!({"name": "n".repeat(101)}),
        json!({"name": 3}),
        json!({"name": "x", "color": ""}),
        json!({"name": "x", "color": "c".repeat(33)}),
        json!({"name": "x", "state": "paused"}),
        json!({"name": "x", "state": "Active"}),
    ] {
        let (status, answer) = app.post(&ws.path("/tags"), &ws.key, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_error(&answer, "invalid");
    }
    let (_, list) = app.get(&ws.path("/tags"), &ws.key).await;
    assert_eq!(list["results"], json!([created]));
    app.assert_patches_refused(
        &ws.path(&format!("/tags/{}", id(&created))),
        &ws.key,
        &[
            json!({"name": ""}),
            json!({"name": "   "}),
            json!({"color": "c".repeat(33)}),
            json!({"state": "gone"}),
            json!({"state": true}),
            json!({"name": ["x"]}),
        ],
    )
    .await;
}

#[tokio::test]
async fn tags_list_in_pages_and_by_state() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    for i in 0..5 {
        let state = if i % 2 == 0 { "active" } else { "inactive" };
        tag(&app, &ws, json!({"name": format!("T{i}"), "state": state})).await;
    }
    let (status, first) = app.get(&ws.path("/tags?limit=2"), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(names(&first), ["T0", "T1"]);
    assert_eq!(first["total"], 5);
    let token = first["nextPageToken"].as_str().unwrap();
    let (_, second) = app
        .get(
            &ws.path(&format!("/tags?limit=2&pageToken={token}")),
            &ws.key,
        )
        .await;
    assert_eq!(names(&second), ["T2", "T3"]);

    let (_, active) = app.get(&ws.path("/tags?state=active"), &ws.key).await;
    assert_eq!(names(&active), ["T0", "T2", "T4"]);
    assert_eq!(active["total"], 3);
    assert!(active.get("nextPageToken").is_none(), "{active}");
    let (_, inactive) = app
        .get(
            &ws.path("/tags?state=inactive&reverse=true&limit=1"),
            &ws.key,
        )
        .await;
    assert_eq!(names(&inactive), ["T3"]);
    assert_eq!(inactive["total"], 2);
    let token = inactive["nextPageToken"].as_str().unwrap();
    let (_, rest) = app
        .get(
            &ws.path(&format!(
                "/tags?state=inactive&reverse=true&limit=1&pageToken={token}"
            )),
            &ws.key,
        )
        .await;
    assert_eq!(names(&rest), ["T1"]);

    for query in ["state=paused", "limit=0", "limit=101", "pageToken=zzz"] {
        let (status, body) = app.get(&ws.path(&format!("/tags?{query}")), &ws.key).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_error(&body, "invalid");
    }
}

#[tokio::test]
async fn other_workspaces_tags_are_not_found() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let theirs = tag(&app, &other, json!({"name": "Theirs"})).await;
    for tag_id in [id(&theirs), "not-a-uuid".into()] {
        let path = ws.path(&format!("/tags/{tag_id}"));
        for (status, body) in [
            app.get(&path, &ws.key).await,
            app.patch(&path, &ws.key, json!({"name": "Mine"})).await,
            app.delete(&path, &ws.key).await,
        ] {
            assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
            assert_error(&body, "not_found");
        }
    }
    let (status, body) = app.get(&other.path("/tags"), &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, still) = app
        .get(&other.path(&format!("/tags/{}", id(&theirs))), &other.key)
        .await;
    assert_eq!(still, theirs);
}

#[tokio::test]
async fn an_agent_key_reads_tags_but_cannot_change_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let created = tag(&app, &ws, json!({"name": "Seen"})).await;
    let agent = app.agent(&ws, json!({"name": "Ada"})).await;
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": id(&agent)}),
        )
        .await;
    let item = ws.path(&format!("/tags/{}", id(&created)));
    let (status, got) = app.get(&item, &key).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    app.assert_forbidden_changes(
        &key,
        &ws.path("/tags"),
        json!({"name": "New"}),
        &item,
        json!({"state": "inactive"}),
    )
    .await;
    assert_eq!(app.get(&item, &ws.key).await.1, created);
}

#[tokio::test]
async fn the_tag_endpoints_are_documented() {
    let app = TestApp::spawn().await;
    let request = app.client.get(format!("{}/openapi.json", app.base));
    let (status, doc) = common::send(request).await;
    assert_eq!(status, StatusCode::OK);
    for (path, method) in [
        ("/workspaces/{workspaceId}/tags", "get"),
        ("/workspaces/{workspaceId}/tags", "post"),
        ("/workspaces/{workspaceId}/tags/{tagId}", "get"),
        ("/workspaces/{workspaceId}/tags/{tagId}", "patch"),
        ("/workspaces/{workspaceId}/tags/{tagId}", "delete"),
        ("/v1/tags", "get"),
        ("/v1/tags", "post"),
        ("/v1/tags/{tagId}", "get"),
        ("/v1/tags/{tagId}/activate", "patch"),
        ("/v1/tags/{tagId}/deactivate", "patch"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
}
