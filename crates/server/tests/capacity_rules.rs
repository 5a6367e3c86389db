//! Capacity rules over HTTP: `/workspaces/{workspaceId}/capacity-rules`, the one default rule,
//! and the rule an agent's workload shows.

mod common;

use common::{TestApp, Ws, assert_error, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn rules(app: &TestApp, ws: &Ws) -> Vec<Value> {
    let (status, list) = app
        .get(&ws.path("/capacity-rules?limit=100"), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        list["total"].as_u64(),
        list["results"].as_array().map(|r| r.len() as u64),
        "{list}"
    );
    list["results"].as_array().unwrap().clone()
}

async fn default_rule(app: &TestApp, ws: &Ws) -> Value {
    let defaults: Vec<Value> = rules(app, ws)
        .await
        .into_iter()
        .filter(|r| r["default"] == true)
        .collect();
    assert_eq!(defaults.len(), 1, "exactly one default: {defaults:?}");
    defaults[0].clone()
}

async fn rule(app: &TestApp, ws: &Ws, body: Value) -> Value {
    let (status, rule) = app.post(&ws.path("/capacity-rules"), &ws.key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    rule
}

/// The id of the rule that applies to an agent, as the agent and its workload show it.
async fn rule_of(app: &TestApp, ws: &Ws, agent: &str) -> String {
    let (status, shown) = app
        .get(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    let (status, workload) = app
        .get(&ws.path(&format!("/agents/{agent}/workload")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{workload}");
    assert_eq!(shown["workload"]["ruleId"], workload["ruleId"]);
    assert_eq!(workload["rule"]["id"], workload["ruleId"]);
    workload["ruleId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_workspace_starts_with_exactly_one_default_rule() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let all = rules(&app, &ws).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let default = &all[0];
    assert_eq!(default["default"], true);
    assert_eq!(default["workspaceId"], ws.id.as_str());
    assert_eq!(default["capacity"], json!({"messaging": 3, "email": 5}));
    assert_eq!(
        default["assignedAgentIds"],
        Value::Null,
        "the default names no agents: {default}"
    );

    let (status, got) = app
        .get(
            &ws.path(&format!("/capacity-rules/{}", id(default))),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&got, default);

    // A new agent falls under it.
    let agent = app.agent(&ws, json!({"name": "Ann"})).await;
    assert_eq!(agent["workload"]["ruleId"], default["id"], "{agent}");
    assert_eq!(agent["workload"]["rule"]["default"], true);
    assert_eq!(
        agent["workload"]["workload"],
        json!({"messaging": 0, "email": 0})
    );

    // Another workspace has its own.
    let other = app.workspace().await;
    assert_ne!(default_rule(&app, &other).await["id"], default["id"]);
}

#[tokio::test]
async fn a_new_rule_applies_to_the_agents_it_names() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let default = default_rule(&app, &ws).await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let bob = id(&app.agent(&ws, json!({"name": "Bob"})).await);

    let (status, created) = app
        .post(
            &ws.path("/capacity-rules"),
            &ws.key,
            json!({"name": "Seniors", "description": "More at once", "capacity": {"messaging": 6, "email": 10},
                   "assignedAgentIds": [ann, ann]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], "Seniors");
    assert_eq!(created["description"], "More at once");
    assert_eq!(created["default"], false);
    assert_eq!(created["capacity"], json!({"messaging": 6, "email": 10}));
    assert_eq!(created["assignedAgentIds"], json!([ann]));
    assert_eq!(created["workspaceId"], ws.id.as_str());

    assert_eq!(rule_of(&app, &ws, &ann).await, id(&created));
    assert_eq!(rule_of(&app, &ws, &bob).await, id(&default));
    let (status, workload) = app
        .get(&ws.path(&format!("/agents/{ann}/workload")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(workload["id"], ann.as_str());
    assert_eq!(workload["workload"], json!({"messaging": 0, "email": 0}));
    assert_eq!(workload["rule"], created);
    assert!(workload["updatedAt"].is_string(), "{workload}");

    // A channel not given takes the default of one.
    let partial = rule(
        &app,
        &ws,
        json!({"name": "Email only", "capacity": {"email": 20}}),
    )
    .await;
    assert_eq!(partial["capacity"], json!({"messaging": 1, "email": 20}));
    assert_eq!(partial["assignedAgentIds"], json!([]));
    // Explicitly not the default is accepted at creation.
    let not_default = rule(&app, &ws, json!({"name": "Plain", "default": false})).await;
    assert_eq!(not_default["default"], false);

    let all = rules(&app, &ws).await;
    assert_eq!(all.len(), 4);
    assert_eq!(all.iter().filter(|r| r["default"] == true).count(), 1);

    // Moving Ann to another rule by naming her there takes her off the first.
    let path = ws.path(&format!("/capacity-rules/{}", id(&partial)));
    let (status, moved) = app
        .patch(&path, &ws.key, json!({"assignedAgentIds": [ann, bob]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["assignedAgentIds"], json!([ann, bob]));
    assert_eq!(rule_of(&app, &ws, &ann).await, id(&partial));
    let (_, seniors) = app
        .get(
            &ws.path(&format!("/capacity-rules/{}", id(&created))),
            &ws.key,
        )
        .await;
    assert_eq!(seniors["assignedAgentIds"], json!([]), "{seniors}");

    // A deleted agent leaves the rule that named it.
    let (status, _) = app
        .delete(&ws.path(&format!("/agents/{bob}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, now) = app.get(&path, &ws.key).await;
    assert_eq!(now["assignedAgentIds"], json!([ann]), "{now}");
}

#[tokio::test]
async fn a_rule_can_be_updated_partially() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let created = rule(
        &app,
        &ws,
        json!({"name": "Seniors", "capacity": {"messaging": 6, "email": 10}}),
    )
    .await;
    let path = ws.path(&format!("/capacity-rules/{}", id(&created)));
    let (status, updated) = app
        .patch(
            &path,
            &ws.key,
            json!({"name": "Leads", "capacity": {"email": 0}, "default": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Leads");
    assert_eq!(updated["capacity"], json!({"messaging": 6, "email": 0}));
    assert_eq!(updated["default"], false);
    assert_eq!(updated["createdAt"], created["createdAt"]);
    let (_, got) = app.get(&path, &ws.key).await;
    assert_eq!(got, updated);
}

#[tokio::test]
async fn making_another_rule_the_default_moves_the_flag() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let old = default_rule(&app, &ws).await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    assert_eq!(rule_of(&app, &ws, &ann).await, id(&old));

    let new = rule(
        &app,
        &ws,
        json!({"name": "Everyone", "capacity": {"messaging": 2, "email": 2}}),
    )
    .await;
    let path = ws.path(&format!("/capacity-rules/{}", id(&new)));
    let (status, updated) = app.patch(&path, &ws.key, json!({"default": true})).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["default"], true);
    assert_eq!(default_rule(&app, &ws).await["id"], new["id"]);
    let (_, old_now) = app
        .get(&ws.path(&format!("/capacity-rules/{}", id(&old))), &ws.key)
        .await;
    assert_eq!(old_now["default"], false, "{old_now}");
    assert_eq!(
        rule_of(&app, &ws, &ann).await,
        id(&new),
        "unnamed agents follow the default"
    );

    // Saying it again changes nothing; taking the flag off the default is refused.
    let (status, again) = app.patch(&path, &ws.key, json!({"default": true})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let (status, body) = app.patch(&path, &ws.key, json!({"default": false})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid");
    assert_eq!(default_rule(&app, &ws).await["id"], new["id"]);

    // A rule created as the default takes the flag too.
    let newest = rule(&app, &ws, json!({"name": "Newest", "default": true})).await;
    assert_eq!(newest["default"], true);
    assert_eq!(default_rule(&app, &ws).await["id"], newest["id"]);
    assert_eq!(rules(&app, &ws).await.len(), 3);
}

#[tokio::test]
async fn the_default_rule_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let default = default_rule(&app, &ws).await;
    let (status, body) = app
        .delete(
            &ws.path(&format!("/capacity-rules/{}", id(&default))),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    assert_eq!(default_rule(&app, &ws).await, default);
}

#[tokio::test]
async fn deleting_a_rule_moves_its_agents_back_to_the_default() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let default = default_rule(&app, &ws).await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let seniors = rule(
        &app,
        &ws,
        json!({"name": "Seniors", "assignedAgentIds": [ann]}),
    )
    .await;
    assert_eq!(rule_of(&app, &ws, &ann).await, id(&seniors));

    let path = ws.path(&format!("/capacity-rules/{}", id(&seniors)));
    let (status, body) = app.delete(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(rule_of(&app, &ws, &ann).await, id(&default));
    let (status, body) = app.get(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    let (status, _) = app.delete(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.patch(&path, &ws.key, json!({"name": "Back"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(rules(&app, &ws).await.len(), 1);

    // The agent can still be changed.
    let (status, body) = app
        .patch(
            &ws.path(&format!("/agents/{ann}")),
            &ws.key,
            json!({"bio": "here"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["workload"]["ruleId"], default["id"]);
}

#[tokio::test]
async fn invalid_rules_are_refused_with_422() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let cases = [
        json!({}),
        json!({"name": ""}),
        json!({"name": "x".repeat(101)}),
        json!({"name": "Voice", "capacity": {"voice": 1}}),
        json!({"name": "Too many", "capacity": {"messaging": 101}}),
        json!({"name": "Negative", "capacity": {"email": -1}}),
        json!({"name": "Fraction", "capacity": {"email": 1.5}}),
        json!({"name": "Text", "capacity": {"email": "3"}}),
        json!({"name": "Bad id", "assignedAgentIds": ["ann"]}),
    ];
    for body in cases {
        let (status, answer) = app
            .post(&ws.path("/capacity-rules"), &ws.key, body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_error(&answer, "invalid");
    }
    let edge = rule(
        &app,
        &ws,
        json!({"name": "Edges", "capacity": {"messaging": 0, "email": 100}}),
    )
    .await;
    assert_eq!(edge["capacity"], json!({"messaging": 0, "email": 100}));
    assert_eq!(rules(&app, &ws).await.len(), 2);

    let path = ws.path(&format!("/capacity-rules/{}", id(&edge)));
    let changes = [
        json!({"capacity": {"sms": 1}}),
        json!({"capacity": {"email": 1000}}),
        json!({"name": " "}),
    ];
    app.assert_patches_refused(&path, &ws.key, &changes).await;
    let (_, unchanged) = app.get(&path, &ws.key).await;
    assert_eq!(unchanged, edge);
}

#[tokio::test]
async fn naming_an_unknown_agent_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let default = default_rule(&app, &ws).await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let unknown = "00000000-0000-4000-8000-000000000003";

    let (status, body) = app
        .post(
            &ws.path("/capacity-rules"),
            &ws.key,
            json!({"name": "Seniors", "assignedAgentIds": [ann, unknown]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid");
    assert!(
        body["message"].as_str().unwrap().contains(unknown),
        "{body}"
    );
    assert_eq!(rules(&app, &ws).await.len(), 1, "the rule was not created");
    assert_eq!(
        rule_of(&app, &ws, &ann).await,
        id(&default),
        "Ann was not moved"
    );

    // An agent of another workspace is unknown here too.
    let other = app.workspace().await;
    let theirs = id(&app.agent(&other, json!({"name": "Zed"})).await);
    let seniors = rule(
        &app,
        &ws,
        json!({"name": "Seniors", "assignedAgentIds": [ann]}),
    )
    .await;
    let path = ws.path(&format!("/capacity-rules/{}", id(&seniors)));
    for agents in [json!([theirs]), json!([ann, unknown])] {
        let change =
            json!({"name": "Renamed", "assignedAgentIds": agents.clone(), "default": true});
        let (status, body) = app.patch(&path, &ws.key, change).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{agents}: {body}");
        assert_error(&body, "invalid");
    }
    let (_, unchanged) = app.get(&path, &ws.key).await;
    assert_eq!(
        unchanged, seniors,
        "neither the name, the default nor the agents changed"
    );
    assert_eq!(default_rule(&app, &ws).await["id"], default["id"]);
    assert_eq!(rule_of(&app, &ws, &ann).await, id(&seniors));
    let (_, zed) = app
        .get(
            &other.path(&format!("/agents/{theirs}/workload")),
            &other.key,
        )
        .await;
    assert_eq!(zed["rule"]["default"], true, "{zed}");
}

#[tokio::test]
async fn rules_of_one_workspace_are_invisible_and_untouchable_from_another() {
    let app = TestApp::spawn().await;
    let a = app.workspace().await;
    let b = app.workspace().await;
    let seniors = rule(&app, &a, json!({"name": "Seniors"})).await;
    let path = a.path(&format!("/capacity-rules/{}", id(&seniors)));
    let own_path = b.path(&format!("/capacity-rules/{}", id(&seniors)));
    for (status, body) in [
        app.get(&a.path("/capacity-rules"), &b.key).await,
        app.get(&path, &b.key).await,
        app.post(
            &a.path("/capacity-rules"),
            &b.key,
            json!({"name": "Theirs"}),
        )
        .await,
        app.patch(&path, &b.key, json!({"default": true})).await,
        app.delete(&path, &b.key).await,
        app.get(&own_path, &b.key).await,
        app.patch(&own_path, &b.key, json!({"default": true})).await,
        app.delete(&own_path, &b.key).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error(&body, "not_found");
    }
    let (_, unchanged) = app.get(&path, &a.key).await;
    assert_eq!(unchanged, seniors);
    assert_eq!(rules(&app, &b).await.len(), 1);
    assert_ne!(default_rule(&app, &b).await["id"], seniors["id"]);
}

#[tokio::test]
async fn an_agent_key_may_read_rules_but_not_change_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let seniors = rule(&app, &ws, json!({"name": "Seniors"})).await;
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": agent}),
        )
        .await;
    let path = ws.path(&format!("/capacity-rules/{}", id(&seniors)));

    let (status, list) = app.get(&ws.path("/capacity-rules"), &key).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 2);
    let (status, got) = app.get(&path, &key).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, seniors);
    let (status, workload) = app
        .get(&ws.path(&format!("/agents/{agent}/workload")), &key)
        .await;
    assert_eq!(status, StatusCode::OK, "{workload}");

    let create = json!({"name": "Mine", "assignedAgentIds": [agent]});
    let change = json!({"assignedAgentIds": [agent]});
    app.assert_forbidden_changes(&key, &ws.path("/capacity-rules"), create, &path, change)
        .await;
    let (_, unchanged) = app.get(&path, &ws.key).await;
    assert_eq!(unchanged, seniors);
}

#[tokio::test]
async fn the_rule_list_pages_with_limit_and_page_token() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let default = default_rule(&app, &ws).await;
    let mut expected = vec![id(&default)];
    for n in 0..4 {
        expected.push(id(
            &rule(&app, &ws, json!({"name": format!("Rule {n}")})).await
        ));
    }
    let mut seen = Vec::new();
    let mut path = ws.path("/capacity-rules?limit=2");
    let mut pages = 0;
    loop {
        let (status, page) = app.get(&path, &ws.key).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 5);
        seen.extend(page["results"].as_array().unwrap().iter().map(id));
        pages += 1;
        match page["nextPageToken"].as_str() {
            Some(token) => path = ws.path(&format!("/capacity-rules?limit=2&pageToken={token}")),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected);
    let (status, reversed) = app
        .get(&ws.path("/capacity-rules?reverse=true&limit=1"), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reversed["results"][0]["id"], expected[4].as_str());
}

#[tokio::test]
async fn rules_made_the_default_at_once_leave_exactly_one_default() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let mut paths = Vec::new();
    for n in 0..4 {
        let created = rule(&app, &ws, json!({"name": format!("Rule {n}")})).await;
        paths.push(ws.path(&format!("/capacity-rules/{}", id(&created))));
    }
    for _ in 0..3 {
        let answers = futures::future::join_all(
            paths
                .iter()
                .map(|path| app.patch(path, &ws.key, json!({"default": true}))),
        )
        .await;
        for (status, body) in answers {
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        default_rule(&app, &ws).await;
    }
}
