//! Bird Agent Management over HTTP: every endpoint, its limits and its live availability.

mod common;

use common::sse::Stream;
use common::{TestApp, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn an_agent_is_created_read_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let user = uuid::Uuid::new_v4().to_string();
    let created = app
        .agent(
            &ws,
            json!({
                "name": "Ada Lovelace", "bio": "Analyst", "type": "user", "userId": user,
                "timezone": "Europe/London", "defaultCountryCode": "gb",
                "userEmails": ["Ada@Example.com"],
                "weeklySchedule": {"monday": {"from": {"hour": 9, "minute": 0}, "to": {"hour": 17, "minute": 30}}},
                "holidays": [{"name": "Christmas", "day": 25, "month": 12}]
            }),
        )
        .await;
    let agent = id(&created);
    assert_eq!(created["name"], "Ada Lovelace");
    assert_eq!(created["workspaceId"], ws.id.as_str());
    assert_eq!(created["type"], "user");
    assert_eq!(created["user"]["id"], user.as_str());
    assert_eq!(created["userEmails"], json!(["ada@example.com"]));
    assert_eq!(created["defaultCountryCode"], "GB");
    assert_eq!(created["weeklySchedule"]["monday"]["to"]["minute"], 30);
    assert_eq!(created["holidays"][0]["month"], 12);
    assert_eq!(created["status"], "offline");
    assert_eq!(created["availability"]["activity"], "available");
    assert_eq!(created["workload"]["rule"]["default"], true);
    let created_at = created["createdAt"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 24,
        "RFC 3339 with milliseconds: {created_at}"
    );

    let (status, fetched) = app
        .get(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);

    let patch = json!({
        "name": "Ada King", "bio": null, "wrapUpTime": 900, "transcriptionLocale": "en-GB",
        "forwardNumber": {"enabled": true, "number": "+441234567890", "maskCaller": false},
        "outOfOfficeResponse": "Back Monday", "defaultSenderId": uuid::Uuid::new_v4().to_string(),
        "dropVms": [{"name": "greeting"}], "defaultCallerId": "+3120000000"
    });
    let (status, updated) = app
        .patch(&ws.path(&format!("/agents/{agent}")), &ws.key, patch)
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Ada King");
    assert_eq!(updated["overrideName"], true);
    assert_eq!(updated["bio"], Value::Null);
    assert_eq!(updated["wrapUpTime"], 900);
    assert_eq!(updated["forwardNumber"]["number"], "+441234567890");
    assert_eq!(updated["timezone"], "Europe/London", "fields not sent stay");
    assert_eq!(updated["dropVms"], json!([{"name": "greeting"}]));

    let (status, body) = app
        .delete(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (status, body) = app
        .get(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
    let (status, _) = app
        .delete(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_same_user_cannot_be_an_agent_twice() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let user = uuid::Uuid::new_v4().to_string();
    app.agent(&ws, json!({"name": "First", "userId": user}))
        .await;
    let (status, body) = app
        .post(
            &ws.path("/agents"),
            &ws.key,
            json!({"name": "Again", "userId": user}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "conflict");
    let (_, list) = app.get(&ws.path("/agents"), &ws.key).await;
    assert_eq!(list["total"], 1);
    // Another workspace may have the same user as its agent.
    let other = app.workspace().await;
    app.agent(&other, json!({"name": "Elsewhere", "userId": user}))
        .await;
}

#[tokio::test]
async fn every_documented_limit_is_enforced_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = id(&app.agent(&ws, json!({"name": "Limits"})).await);
    let path = ws.path(&format!("/agents/{agent}"));
    let too_long = |n: usize| "x".repeat(n);
    let invalid_patches = [
        json!({"name": ""}),
        json!({"name": too_long(51)}),
        json!({"bio": too_long(241)}),
        json!({"wrapUpTime": 901}),
        json!({"wrapUpTime": -1}),
        json!({"outOfOfficeResponse": too_long(1001)}),
        json!({"status": "busy"}),
        json!({"transcriptionLocale": "xx-XX"}),
        json!({"defaultSenderId": "not-a-uuid"}),
        json!({"weeklySchedule": {"monday": {"from": {"hour": 25, "minute": 0}, "to": {"hour": 26, "minute": 0}}}}),
        json!({"holidays": [{"name": "Nope", "day": 31, "month": 2}]}),
        json!({"teamIds": [uuid::Uuid::new_v4()]}),
        json!({"assignedSkills": [{"id": uuid::Uuid::new_v4(), "selectedValues": []}]}),
        json!({"userEmails": ["not an address"]}),
        json!({"name": 42}),
    ];
    for patch in invalid_patches {
        let (status, body) = app.patch(&path, &ws.key, patch.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{patch} answered {body}"
        );
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    let availability = ws.path(&format!("/agents/{agent}/availability"));
    let invalid_availability = [
        json!({"status": "active", "activity": "inMeeting", "activityTtl": 9}),
        json!({"status": "active", "activity": "inMeeting", "activityTtl": 86401}),
        json!({"status": "active", "activity": "inMeeting", "activityText": too_long(49)}),
        json!({"status": "active", "activity": "In Meeting"}),
        json!({"status": "ringing"}),
        json!({"activity": "available"}),
    ];
    for body in invalid_availability {
        let (status, answer) = app.patch(&availability, &ws.key, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} answered {answer}"
        );
    }
    let (_, after) = app.get(&path, &ws.key).await;
    assert_eq!(after["name"], "Limits");
    assert_eq!(after["status"], "offline");
    assert_eq!(
        after["updatedAt"], after["createdAt"],
        "nothing was written"
    );

    let invalid_creates = [
        json!({}),
        json!({"name": "Bot", "type": "robot"}),
        json!({"name": "X", "userId": "123"}),
        json!({"name": "X", "timezone": "Not a zone"}),
    ];
    for body in invalid_creates {
        let (status, answer) = app.post(&ws.path("/agents"), &ws.key, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} answered {answer}"
        );
    }
    let (_, list) = app.get(&ws.path("/agents"), &ws.key).await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn the_longest_allowed_values_are_accepted() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let body = json!({
        "name": "é".repeat(50), "bio": "b".repeat(240), "wrapUpTime": 900,
        "outOfOfficeResponse": "o".repeat(1000), "type": "bot"
    });
    let agent = app.agent(&ws, body).await;
    assert_eq!(agent["type"], "bot");
    assert_eq!(agent["name"].as_str().unwrap().chars().count(), 50);
    let (status, _) = app
        .patch(
            &ws.path(&format!("/agents/{}/availability", id(&agent))),
            &ws.key,
            json!({"status": "active", "activity": "onBreak", "activityTtl": 86400, "activityText": "t".repeat(48)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn availability_follows_every_change() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = id(&app.agent(&ws, json!({"name": "Grace"})).await);
    let path = ws.path(&format!("/agents/{agent}/availability"));
    let (status, initial) = app.get(&path, &ws.key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(initial["status"], "offline");

    let (status, active) = app.patch(&path, &ws.key, json!({"status": "active"})).await;
    assert_eq!(status, StatusCode::OK, "{active}");
    assert_eq!(active["status"], "active");
    assert_eq!(active["activity"], "available");
    assert!(active["lastStatusSet"].as_str() > initial["lastStatusSet"].as_str());

    let (_, away) = app.patch(&path, &ws.key, json!({"status": "away"})).await;
    assert_eq!(away["status"], "away");
    let (_, agent_view) = app
        .get(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    assert_eq!(agent_view["status"], "away");
    assert_eq!(agent_view["lastSetToAwayAt"], away["lastStatusSet"]);

    let (_, offline) = app
        .patch(&path, &ws.key, json!({"status": "offline"}))
        .await;
    assert_eq!(offline["status"], "offline");
    let (_, agent_view) = app
        .get(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    assert_eq!(agent_view["statusBeforeOffline"], "away");

    // PATCH /agents/{id} with `status` does what the availability endpoint does.
    let (_, via_agent) = app
        .patch(
            &ws.path(&format!("/agents/{agent}")),
            &ws.key,
            json!({"status": "active"}),
        )
        .await;
    assert_eq!(via_agent["status"], "active");
    assert_eq!(via_agent["availability"]["status"], "active");
    let (_, all) = app.get(&ws.path("/all-agents"), &ws.key).await;
    assert_eq!(all["results"][0]["status"], "active");
    assert_eq!(all["results"][0]["activity"], "available");
}

#[tokio::test]
async fn an_activity_returns_to_available_when_its_ttl_runs_out() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = id(&app.agent(&ws, json!({"name": "Brief"})).await);
    let path = ws.path(&format!("/agents/{agent}/availability"));
    let body = json!({"status": "active", "activity": "inMeeting", "activityTtl": 10, "activityText": "standup"});
    let (status, set) = app.patch(&path, &ws.key, body).await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["activity"], "inMeeting");
    assert_eq!(set["activityTtl"], 10);
    assert_eq!(set["activityText"], "standup");

    tokio::time::sleep(std::time::Duration::from_millis(10_300)).await;
    let (_, expired) = app.get(&path, &ws.key).await;
    assert_eq!(expired["activity"], "available");
    assert_eq!(expired["activityText"], Value::Null);
    assert_eq!(expired["status"], "active");
    let set_at = time::OffsetDateTime::parse(
        set["lastActivitySet"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let moved_at = time::OffsetDateTime::parse(
        expired["lastActivitySet"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(
        (moved_at - set_at).whole_seconds(),
        10,
        "lastActivitySet moves to the expiry"
    );
    // The sweeper has persisted it too: the minimal list reads the stored row.
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let (_, all) = app.get(&ws.path("/all-agents"), &ws.key).await;
    assert_eq!(all["results"][0]["activity"], "available");
}

#[tokio::test]
async fn me_is_the_agent_of_an_agent_key() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = id(&app.agent(&ws, json!({"name": "Me"})).await);
    let other = id(&app.agent(&ws, json!({"name": "Other"})).await);
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "me", "role": "agent", "agentId": agent}),
        )
        .await;

    let (status, me) = app.get(&ws.path("/agents/me"), &key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(id(&me), agent);
    let (status, me) = app
        .patch(
            &ws.path("/agents/me"),
            &key,
            json!({"bio": "It's me", "status": "active"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["bio"], "It's me");
    assert_eq!(me["status"], "active");
    let (status, _) = app
        .patch(
            &ws.path(&format!("/agents/{agent}/availability")),
            &key,
            json!({"status": "away"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // It reads the workspace but changes only itself.
    let (status, _) = app.get(&ws.path(&format!("/agents/{other}")), &key).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .patch(
            &ws.path(&format!("/agents/{other}")),
            &key,
            json!({"bio": "hijack"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = app
        .patch(
            &ws.path(&format!("/agents/{other}/availability")),
            &key,
            json!({"status": "away"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .delete(&ws.path(&format!("/agents/{other}")), &key)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(&ws.path("/agents"), &key, json!({"name": "New"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .patch(&ws.path("/agents/me"), &key, json!({"teamIds": []}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an agent does not choose its own teams"
    );
    let (_, untouched) = app
        .get(&ws.path(&format!("/agents/{other}")), &ws.key)
        .await;
    assert_eq!(untouched["bio"], Value::Null);

    // An admin key has no `me`.
    let (status, body) = app.get(&ws.path("/agents/me"), &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // Deleting the agent revokes its key.
    app.delete(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    let (status, _) = app.get(&ws.path("/agents/me"), &key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn workload_shows_open_work_against_the_capacity_rule() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = app.agent(&ws, json!({"name": "Busy"})).await;
    let (status, workload) = app
        .get(
            &ws.path(&format!("/agents/{}/workload", id(&agent))),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(workload["id"], agent["id"]);
    assert_eq!(workload["workload"], json!({"email": 0, "messaging": 0}));
    assert_eq!(workload["rule"]["default"], true);
    assert_eq!(
        workload["rule"]["capacity"],
        json!({"email": 5, "messaging": 3})
    );
    assert_eq!(workload["ruleId"], workload["rule"]["id"]);
    let (status, _) = app
        .get(
            &ws.path(&format!("/agents/{}/workload", uuid::Uuid::new_v4())),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Several nodes share one PostgreSQL; each caches agents it read, and a change made through
/// one node is what the others answer at once. (SQLite is one node by design.)
#[tokio::test]
async fn an_agent_changed_on_one_node_reads_changed_on_the_others() {
    let a = TestApp::spawn().await;
    if !a.config.database_url.starts_with("postgres") {
        return;
    }
    let b = TestApp::spawn().await;
    let ws = a.workspace().await;
    let agent = id(&a.agent(&ws, json!({"name": "Before"})).await);
    let path = ws.path(&format!("/agents/{agent}"));
    // Let node B's change listener connect, then have it read (and cache) the agent.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(b.get(&path, &ws.key).await.1["name"], "Before");
    assert_eq!(b.get(&path, &ws.key).await.1["name"], "Before");

    let (status, _) = a
        .patch(&path, &ws.key, json!({"name": "After", "status": "active"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let changed = std::time::Instant::now();
    loop {
        let (_, seen) = b.get(&path, &ws.key).await;
        if seen["name"] == "After" {
            assert_eq!(seen["status"], "active");
            break;
        }
        assert!(
            changed.elapsed() < std::time::Duration::from_millis(500),
            "node B still answers the old agent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    a.delete(&path, &ws.key).await;
    let deleted = std::time::Instant::now();
    while b.get(&path, &ws.key).await.0 != StatusCode::NOT_FOUND {
        assert!(
            deleted.elapsed() < std::time::Duration::from_millis(500),
            "node B still answers a deleted agent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// Creates that share one commit (and one statement) stay independent: a refused one undoes
/// nothing else, and only the agents made are told of.
#[tokio::test]
async fn concurrent_creates_of_one_user_make_one_agent_and_spare_the_others() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let mut events = Stream::open(&app, &ws.path("/events"), &ws.key, None).await;
    let user = uuid::Uuid::new_v4();
    let path = ws.path("/agents");
    let creates = (0..40).map(|i| {
        let body = if i % 2 == 0 {
            json!({"name": format!("Same {i}"), "userId": user})
        } else {
            json!({"name": format!("Other {i}")})
        };
        app.post(&path, &ws.key, body)
    });
    let answers = futures::future::join_all(creates).await;
    let mut created: Vec<String> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, agent)| id(agent))
        .collect();
    let conflicts = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created.len(), conflicts), (21, 19), "{answers:?}");
    let (_, list) = app.get(&ws.path("/agents?limit=100"), &ws.key).await;
    assert_eq!(list["total"], 21);
    let mut stored: Vec<String> = list["results"].as_array().unwrap().iter().map(id).collect();
    let mut told = Vec::new();
    while told.len() < created.len() {
        let event = events.next().await;
        assert_eq!(event.kind, "agent.created");
        told.push(event.data["agentId"].as_str().unwrap().to_owned());
    }
    events.quiet().await;
    created.sort();
    stored.sort();
    told.sort();
    assert_eq!(stored, created);
    assert_eq!(told, created);
}
