//! Queues over HTTP: `/workspaces/{workspaceId}/queues`: their settings, the one default queue,
//! members with priority tiers, and who may change them.

mod common;

use common::{TestApp, Ws, assert_error, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn queue(app: &TestApp, ws: &Ws, body: Value) -> Value {
    let (status, queue) = app.post(&ws.path("/queues"), &ws.key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{queue}");
    queue
}

async fn agent(app: &TestApp, ws: &Ws, name: &str) -> String {
    id(&app.agent(ws, json!({"name": name})).await)
}

async fn defaults(app: &TestApp, ws: &Ws) -> Vec<(String, bool)> {
    let (_, list) = app.get(&ws.path("/queues?limit=100"), &ws.key).await;
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["name"].as_str().unwrap().to_owned(),
                q["isDefault"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn creating_a_queue_answers_201_with_defaults() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let created = queue(&app, &ws, json!({"name": "  Support "})).await;
    assert_eq!(
        created,
        json!({
            "id": id(&created), "workspaceId": ws.id, "name": "Support", "isDefault": false,
            "priority": 1, "offerAlgorithm": "AllAtOnce", "offerTimeout": null, "wrapupTimeout": null,
            "queueThresholds": {}, "callFunctionality": false, "doNotOfferTimeouts": {},
            "isDoNotOfferEnabled": false, "preferredAgentTimeouts": {},
            "isPreferredAgentEnabled": null, "offerAbandonedConversations": null,
            "personalAgentOfflineTimeout": null, "preferredAgentOfflineTimeout": null,
            "isRestricted": null, "createdAt": created["createdAt"], "updatedAt": created["createdAt"],
        })
    );
    let (status, got) = app
        .get(&ws.path(&format!("/queues/{}", id(&created))), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, created);
}

#[tokio::test]
async fn every_setting_is_stored_changed_and_cleared() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let settings = json!({
        "name": "Voice", "isDefault": true, "priority": 0, "offerAlgorithm": "RoundRobin",
        "offerTimeout": 0, "wrapupTimeout": 604800, "queueThresholds": {"SlaPercentage": 100},
        "callFunctionality": true, "doNotOfferTimeouts": {"PstnPhone": 300},
        "isDoNotOfferEnabled": true, "preferredAgentTimeouts": {"Callback": 60},
        "isPreferredAgentEnabled": false, "offerAbandonedConversations": true,
        "personalAgentOfflineTimeout": 500, "preferredAgentOfflineTimeout": 501,
        "isRestricted": false
    });
    let created = queue(&app, &ws, settings.clone()).await;
    for (field, value) in settings.as_object().unwrap() {
        assert_eq!(&created[field], value, "{field}");
    }
    let path = ws.path(&format!("/queues/{}", id(&created)));

    let (status, updated) = app
        .patch(
            &path,
            &ws.key,
            json!({"offerAlgorithm": "LeastBusy", "priority": 100, "offerTimeout": 45,
                   "queueThresholds": {"LongestWait": 30, "AvailableAgents": 0}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["offerAlgorithm"], "LeastBusy");
    assert_eq!(updated["priority"], 100);
    assert_eq!(updated["offerTimeout"], 45);
    assert_eq!(
        updated["queueThresholds"],
        json!({"LongestWait": 30, "AvailableAgents": 0}),
        "a map is replaced whole"
    );
    assert_eq!(updated["doNotOfferTimeouts"], json!({"PstnPhone": 300}));
    assert_eq!(updated["createdAt"], created["createdAt"]);

    let (status, cleared) = app
        .patch(
            &path,
            &ws.key,
            json!({"offerTimeout": null, "wrapupTimeout": null, "queueThresholds": null,
                   "doNotOfferTimeouts": null, "preferredAgentTimeouts": null,
                   "isPreferredAgentEnabled": null, "offerAbandonedConversations": null,
                   "personalAgentOfflineTimeout": null, "preferredAgentOfflineTimeout": null,
                   "isRestricted": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    for field in [
        "offerTimeout",
        "wrapupTimeout",
        "isPreferredAgentEnabled",
        "offerAbandonedConversations",
        "personalAgentOfflineTimeout",
        "preferredAgentOfflineTimeout",
        "isRestricted",
    ] {
        assert_eq!(cleared[field], Value::Null, "{field}");
    }
    for field in [
        "queueThresholds",
        "doNotOfferTimeouts",
        "preferredAgentTimeouts",
    ] {
        assert_eq!(cleared[field], json!({}), "{field}");
    }
    assert_eq!(cleared["name"], "Voice");
    assert_eq!(cleared["callFunctionality"], true);
    assert_eq!(app.get(&path, &ws.key).await.1, cleared);
}

#[tokio::test]
async fn invalid_queues_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let created = queue(&app, &ws, json!({"name": "Kept"})).await;
    let refused = [
        json!({"name": ""}),
        json!({"name": "n".repeat(101)}),
        json!({"offerAlgorithm": "Fastest"}),
        json!({"priority": 101}),
        json!({"priority": "high"}),
        json!({"offerTimeout": -1}),
        json!({"wrapupTimeout": 604801}),
        json!({"queueThresholds": {"Speed": 1}}),
        json!({"queueThresholds": {"SlaPercentage": 101}}),
        json!({"doNotOfferTimeouts": {"Fax": 1}}),
        json!({"preferredAgentTimeouts": {"Email": -1}}),
        json!({"isDefault": "yes"}),
        json!({"personalAgentOfflineTimeout": 1e9}),
    ];
    for body in &refused {
        let mut create = body.clone();
        if create.get("name").is_none() {
            create["name"] = json!("New");
        }
        let (status, answer) = app.post(&ws.path("/queues"), &ws.key, create).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_error(&answer, "invalid");
    }
    let (status, answer) = app.post(&ws.path("/queues"), &ws.key, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let (_, list) = app.get(&ws.path("/queues"), &ws.key).await;
    assert_eq!(list["results"], json!([created]));
    app.assert_patches_refused(
        &ws.path(&format!("/queues/{}", id(&created))),
        &ws.key,
        &refused,
    )
    .await;
}

#[tokio::test]
async fn a_workspace_has_at_most_one_default_queue() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let a = queue(&app, &ws, json!({"name": "A", "isDefault": true})).await;
    queue(&app, &ws, json!({"name": "B"})).await;
    assert_eq!(
        defaults(&app, &ws).await,
        [("A".into(), true), ("B".into(), false)]
    );
    let c = queue(&app, &ws, json!({"name": "C", "isDefault": true})).await;
    assert_eq!(
        defaults(&app, &ws).await,
        [("A".into(), false), ("B".into(), false), ("C".into(), true)]
    );
    let (_, a_now) = app
        .get(&ws.path(&format!("/queues/{}", id(&a))), &ws.key)
        .await;
    assert!(
        a_now["updatedAt"].as_str() >= a["updatedAt"].as_str(),
        "{a_now}"
    );

    let path_a = ws.path(&format!("/queues/{}", id(&a)));
    let (status, _) = app
        .patch(&path_a, &ws.key, json!({"isDefault": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        defaults(&app, &ws).await,
        [("A".into(), true), ("B".into(), false), ("C".into(), false)]
    );
    let (status, _) = app
        .patch(&path_a, &ws.key, json!({"isDefault": false}))
        .await;
    assert_eq!(status, StatusCode::OK, "no default at all is allowed");
    assert_eq!(
        defaults(&app, &ws).await,
        [
            ("A".into(), false),
            ("B".into(), false),
            ("C".into(), false)
        ]
    );

    // Concurrent new defaults still leave one.
    let collection = ws.path("/queues");
    let creates = (0..6).map(|i| {
        app.post(
            &collection,
            &ws.key,
            json!({"name": format!("D{i}"), "isDefault": true}),
        )
    });
    for (status, body) in futures::future::join_all(creates).await {
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let count = defaults(&app, &ws).await.iter().filter(|(_, d)| *d).count();
    assert_eq!(count, 1);
    let _ = c;
}

#[tokio::test]
async fn queues_list_in_pages_and_delete() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    for i in 0..3 {
        queue(&app, &ws, json!({"name": format!("Q{i}")})).await;
    }
    let (status, first) = app.get(&ws.path("/queues?limit=2"), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["total"], 3);
    assert_eq!(first["results"].as_array().unwrap().len(), 2);
    let token = first["nextPageToken"].as_str().unwrap();
    let (_, second) = app
        .get(
            &ws.path(&format!("/queues?limit=2&pageToken={token}")),
            &ws.key,
        )
        .await;
    assert_eq!(second["results"][0]["name"], "Q2");
    assert!(second.get("nextPageToken").is_none());

    let gone = ws.path(&format!("/queues/{}", id(&first["results"][0])));
    let (status, body) = app.delete(&gone, &ws.key).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    for (status, body) in [
        app.get(&gone, &ws.key).await,
        app.delete(&gone, &ws.key).await,
        app.patch(&gone, &ws.key, json!({"name": "Ghost"})).await,
        app.get(&format!("{gone}/members"), &ws.key).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error(&body, "not_found");
    }
    let (_, list) = app.get(&ws.path("/queues"), &ws.key).await;
    assert_eq!(list["total"], 2);
}

#[tokio::test]
async fn members_are_put_with_a_priority_listed_and_removed() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let q = id(&queue(&app, &ws, json!({"name": "Support"})).await);
    let ada = agent(&app, &ws, "Ada").await;
    let bob = agent(&app, &ws, "Bob").await;
    let members = ws.path(&format!("/queues/{q}/members"));

    let (status, member) = app
        .put(&format!("{members}/{ada}"), &ws.key, json!({"priority": 3}))
        .await;
    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!(
        member,
        json!({"agentId": ada, "priority": 3, "memberSince": member["memberSince"]})
    );
    assert!(member["memberSince"].as_str().unwrap().ends_with('Z'));
    let (_, kept) = app
        .put(&format!("{members}/{ada}"), &ws.key, json!({}))
        .await;
    assert_eq!(kept, member, "no priority given keeps it");
    let (status, bob_member) = app
        .put(&format!("{members}/{bob}"), &ws.key, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bob_member["priority"], Value::Null);

    let (status, list) = app.get(&members, &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list, json!({"results": [member, bob_member], "total": 2}));

    let (_, cleared) = app
        .put(
            &format!("{members}/{ada}"),
            &ws.key,
            json!({"priority": null}),
        )
        .await;
    assert_eq!(cleared["priority"], Value::Null);
    assert_eq!(cleared["memberSince"], member["memberSince"]);

    for body in [
        json!({"priority": 101}),
        json!({"priority": -1}),
        json!({"priority": "first"}),
    ] {
        let (status, answer) = app.put(&format!("{members}/{ada}"), &ws.key, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_error(&answer, "invalid");
    }

    let (status, body) = app.delete(&format!("{members}/{ada}"), &ws.key).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = app.delete(&format!("{members}/{ada}"), &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    let (_, list) = app.get(&members, &ws.key).await;
    assert_eq!(list["results"], json!([bob_member]));
}

#[tokio::test]
async fn unknown_agents_and_other_workspaces_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let q = id(&queue(&app, &ws, json!({"name": "Mine"})).await);
    let theirs = id(&queue(&app, &other, json!({"name": "Theirs"})).await);
    let stranger = agent(&app, &other, "Stranger").await;
    let ada = agent(&app, &ws, "Ada").await;
    let members = ws.path(&format!("/queues/{q}/members"));
    for agent_id in [
        stranger.clone(),
        uuid::Uuid::new_v4().to_string(),
        "nope".into(),
    ] {
        let (status, body) = app
            .put(&format!("{members}/{agent_id}"), &ws.key, json!({}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error(&body, "not_found");
        let (status, _) = app.delete(&format!("{members}/{agent_id}"), &ws.key).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    for path in [
        ws.path(&format!("/queues/{theirs}")),
        ws.path(&format!("/queues/{theirs}/members")),
        ws.path("/queues/not-a-uuid"),
    ] {
        let (status, body) = app.get(&path, &ws.key).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_error(&body, "not_found");
    }
    let (status, _) = app
        .put(
            &ws.path(&format!("/queues/{theirs}/members/{ada}")),
            &ws.key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.get(&members, &ws.key).await;
    assert_eq!(list, json!({"results": [], "total": 0}));
}

#[tokio::test]
async fn a_deleted_agent_leaves_its_queues() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let q = id(&queue(&app, &ws, json!({"name": "Support"})).await);
    let ada = agent(&app, &ws, "Ada").await;
    let members = ws.path(&format!("/queues/{q}/members"));
    app.put(&format!("{members}/{ada}"), &ws.key, json!({"priority": 1}))
        .await;
    let (status, _) = app
        .delete(&ws.path(&format!("/agents/{ada}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = app.get(&members, &ws.key).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn an_agent_key_reads_queues_but_cannot_change_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let created = queue(&app, &ws, json!({"name": "Seen"})).await;
    let ada = agent(&app, &ws, "Ada").await;
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": ada}),
        )
        .await;
    let item = ws.path(&format!("/queues/{}", id(&created)));
    let (status, _) = app.get(&item, &key).await;
    assert_eq!(status, StatusCode::OK);
    app.assert_forbidden_changes(
        &key,
        &ws.path("/queues"),
        json!({"name": "New"}),
        &item,
        json!({"isDefault": true}),
    )
    .await;
    let member = format!("{item}/members/{ada}");
    for (status, body) in [
        app.put(&member, &key, json!({"priority": 1})).await,
        app.delete(&member, &key).await,
    ] {
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_error(&body, "forbidden");
    }
    assert_eq!(app.get(&item, &ws.key).await.1, created);
}

#[tokio::test]
async fn the_queue_endpoints_are_documented() {
    let app = TestApp::spawn().await;
    let request = app.client.get(format!("{}/openapi.json", app.base));
    let (status, doc) = common::send(request).await;
    assert_eq!(status, StatusCode::OK);
    for (path, method) in [
        ("/workspaces/{workspaceId}/queues", "get"),
        ("/workspaces/{workspaceId}/queues", "post"),
        ("/workspaces/{workspaceId}/queues/{queueId}", "get"),
        ("/workspaces/{workspaceId}/queues/{queueId}", "patch"),
        ("/workspaces/{workspaceId}/queues/{queueId}", "delete"),
        ("/workspaces/{workspaceId}/queues/{queueId}/members", "get"),
        (
            "/workspaces/{workspaceId}/queues/{queueId}/members/{agentId}",
            "put",
        ),
        (
            "/workspaces/{workspaceId}/queues/{queueId}/members/{agentId}",
            "delete",
        ),
        ("/v1/queues", "get"),
        ("/v1/queues", "post"),
        ("/v1/queues/{queueId}", "get"),
        ("/v1/queues/{queueId}/members", "get"),
        ("/v1/queues/{queueId}/members", "patch"),
        ("/v1/queues/{queueId}/members", "delete"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
}
