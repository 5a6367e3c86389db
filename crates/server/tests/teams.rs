//! Teams over HTTP: `/workspaces/{workspaceId}/teams`, their members as agents see them, and who
//! may read or change them.

mod common;

use common::{TestApp, Ws, assert_error, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn team(app: &TestApp, ws: &Ws, body: Value) -> Value {
    let (status, team) = app.post(&ws.path("/teams"), &ws.key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    team
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
async fn creating_a_team_answers_201_with_public_open_defaults() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, team) = app
        .post(&ws.path("/teams"), &ws.key, json!({"name": "  Support  "}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    assert_eq!(team["name"], "Support");
    assert_eq!(team["workspaceId"], ws.id.as_str());
    assert_eq!(team["visibility"], "public");
    assert_eq!(team["accessibility"], "open");
    assert_eq!(team["description"], Value::Null);
    assert_eq!(team["activeMemberCount"], 0);
    assert_eq!(team["pendingMemberCount"], 0);
    assert_eq!(team["featuredMembers"], json!([]));
    assert_eq!(team["hideFromViews"], false);
    assert!(
        team["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{team}"
    );
    assert_eq!(team["createdAt"], team["updatedAt"]);

    let (status, full) = app
        .post(
            &ws.path("/teams"),
            &ws.key,
            json!({"name": "Billing", "description": "Money", "visibility": "private",
                   "accessibility": "invite-only", "hideFromViews": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{full}");
    assert_eq!(full["description"], "Money");
    assert_eq!(full["visibility"], "private");
    assert_eq!(full["accessibility"], "invite-only");
    assert_eq!(full["hideFromViews"], true);
}

#[tokio::test]
async fn a_team_can_be_read_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let created = team(
        &app,
        &ws,
        json!({"name": "Support", "description": "First line"}),
    )
    .await;
    let path = ws.path(&format!("/teams/{}", id(&created)));

    let (status, got) = app.get(&path, &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, created);

    let (status, updated) = app
        .patch(
            &path,
            &ws.key,
            json!({"name": "Tier 1", "accessibility": "request-to-join", "description": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["name"], "Tier 1");
    assert_eq!(updated["accessibility"], "request-to-join");
    assert_eq!(
        updated["visibility"], "public",
        "fields not given stay as they were"
    );
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(updated["createdAt"], created["createdAt"]);

    let (status, got) = app.get(&path, &ws.key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, updated);

    let (status, body) = app.delete(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(body, Value::Null);

    let (status, body) = app.get(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    let (status, body) = app.delete(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    let (status, body) = app.patch(&path, &ws.key, json!({"name": "Ghost"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
}

#[tokio::test]
async fn a_team_id_that_is_not_a_uuid_or_not_a_team_is_not_found() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    for path in [
        "/teams/not-a-uuid",
        "/teams/00000000-0000-4000-8000-000000000000",
    ] {
        let (status, body) = app.get(&ws.path(path), &ws.key).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_error(&body, "not_found");
    }
}

#[tokio::test]
async fn the_team_list_pages_through_every_team_with_limit_page_token_reverse_and_total() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let mut created = Vec::new();
    for n in 0..5 {
        created.push(id(
            &team(&app, &ws, json!({"name": format!("Team {n}")})).await
        ));
    }

    let (status, all) = app.get(&ws.path("/teams"), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["total"], 5);
    assert_eq!(ids(&all), created, "oldest first by default");
    assert!(
        all.get("nextPageToken").is_none(),
        "one page holds them all: {all}"
    );

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = ws.path("/teams?limit=2");
        if let Some(token) = &token {
            path.push_str(&format!("&pageToken={token}"));
        }
        let (status, page) = app.get(&path, &ws.key).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 5);
        assert!(page["results"].as_array().unwrap().len() <= 2);
        seen.extend(ids(&page));
        pages += 1;
        match page["nextPageToken"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);

    let (status, reversed) = app
        .get(&ws.path("/teams?reverse=true&limit=3"), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{reversed}");
    let newest: Vec<String> = created.iter().rev().take(3).cloned().collect();
    assert_eq!(ids(&reversed), newest);
    let token = reversed["nextPageToken"].as_str().unwrap();
    let (status, rest) = app
        .get(
            &ws.path(&format!("/teams?reverse=true&limit=3&pageToken={token}")),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rest}");
    assert_eq!(ids(&rest), vec![created[1].clone(), created[0].clone()]);

    for bad in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "pageToken=garbage",
        "reverse=sometimes",
    ] {
        let (status, body) = app.get(&ws.path(&format!("/teams?{bad}")), &ws.key).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
}

#[tokio::test]
async fn invalid_teams_are_refused_with_422() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let long = "x".repeat(101);
    let cases = [
        json!({}),
        json!({"description": "no name"}),
        json!({"name": ""}),
        json!({"name": "   "}),
        json!({"name": long}),
        json!({"name": "Support", "visibility": "secret"}),
        json!({"name": "Support", "accessibility": "closed"}),
        json!({"name": "Support", "description": "d".repeat(1025)}),
        json!({"name": 42}),
    ];
    for body in cases {
        let (status, answer) = app.post(&ws.path("/teams"), &ws.key, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_error(&answer, "invalid");
    }
    let (status, body) = app
        .post(
            &ws.path("/teams"),
            &ws.key,
            json!({"name": "x".repeat(100)}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "100 characters is the limit: {body}"
    );

    let (_, list) = app.get(&ws.path("/teams"), &ws.key).await;
    assert_eq!(
        list["total"], 1,
        "none of the invalid teams was stored: {list}"
    );

    let path = ws.path(&format!("/teams/{}", id(&body)));
    let changes = [
        json!({"name": ""}),
        json!({"visibility": "secret"}),
        json!({"name": long}),
    ];
    app.assert_patches_refused(&path, &ws.key, &changes).await;
    let (_, unchanged) = app.get(&path, &ws.key).await;
    assert_eq!(unchanged, body);
}

#[tokio::test]
async fn a_teams_member_count_and_an_agents_teams_reflect_team_ids() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = team(&app, &ws, json!({"name": "Support"})).await;
    let sales = team(&app, &ws, json!({"name": "Sales"})).await;
    let (support_id, sales_id) = (id(&support), id(&sales));

    let ann = app
        .agent(
            &ws,
            json!({"name": "Ann", "teamIds": [support_id, sales_id]}),
        )
        .await;
    let bob = app
        .agent(
            &ws,
            json!({"name": "Bob", "teamIds": [support_id, support_id]}),
        )
        .await;

    let (_, got) = app
        .get(&ws.path(&format!("/teams/{support_id}")), &ws.key)
        .await;
    assert_eq!(got["activeMemberCount"], 2, "{got}");
    assert_eq!(got["featuredMembers"], json!([id(&ann), id(&bob)]));
    let (_, got) = app
        .get(&ws.path(&format!("/teams/{sales_id}")), &ws.key)
        .await;
    assert_eq!(got["activeMemberCount"], 1, "{got}");
    let (_, list) = app.get(&ws.path("/teams"), &ws.key).await;
    let counts: Vec<&Value> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["activeMemberCount"])
        .collect();
    assert_eq!(counts, [&json!(2), &json!(1)]);

    let teams = ann["teams"].as_array().expect("teams on the created agent");
    assert_eq!(teams.len(), 2, "{ann}");
    let shown = teams
        .iter()
        .find(|t| t["id"] == support_id.as_str())
        .expect("support among Ann's teams");
    assert_eq!(shown["name"], "Support");
    assert!(
        shown["memberSince"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{shown}"
    );
    assert_eq!(shown["pendingMemberCount"], 0);

    let (status, ann_now) = app
        .get(&ws.path(&format!("/agents/{}", id(&ann))), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK);
    let shown = ann_now["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == support_id.as_str())
        .unwrap();
    assert_eq!(shown["activeMemberCount"], 2, "{ann_now}");
    assert_eq!(
        bob["teams"].as_array().unwrap().len(),
        1,
        "a repeated team id counts once: {bob}"
    );

    // Replacing Bob's teams moves him from Support to Sales.
    let (status, bob_now) = app
        .patch(
            &ws.path(&format!("/agents/{}", id(&bob))),
            &ws.key,
            json!({"teamIds": [sales_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bob_now}");
    let bob_teams = bob_now["teams"].as_array().unwrap();
    assert_eq!(bob_teams.len(), 1);
    assert_eq!(bob_teams[0]["id"], sales_id.as_str());
    assert_eq!(bob_teams[0]["activeMemberCount"], 2);
    let (_, got) = app
        .get(&ws.path(&format!("/teams/{support_id}")), &ws.key)
        .await;
    assert_eq!(got["activeMemberCount"], 1, "{got}");
}

#[tokio::test]
async fn creating_an_agent_with_a_team_that_does_not_exist_is_refused_and_creates_no_agent() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = id(&team(&app, &ws, json!({"name": "Support"})).await);
    let missing = "00000000-0000-4000-8000-000000000001";
    let (status, body) = app
        .post(
            &ws.path("/agents"),
            &ws.key,
            json!({"name": "Ann", "teamIds": [support, missing]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid");
    assert!(
        body["message"].as_str().unwrap().contains(missing),
        "{body}"
    );

    let (status, agents) = app.get(&ws.path("/agents"), &ws.key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(agents["total"], 0, "{agents}");
    let (_, got) = app
        .get(&ws.path(&format!("/teams/{support}")), &ws.key)
        .await;
    assert_eq!(got["activeMemberCount"], 0, "{got}");

    // A team of another workspace is just as unknown here.
    let other = app.workspace().await;
    let foreign = id(&team(&app, &other, json!({"name": "Theirs"})).await);
    let (status, body) = app
        .post(
            &ws.path("/agents"),
            &ws.key,
            json!({"name": "Ann", "teamIds": [foreign]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let agent = app.agent(&ws, json!({"name": "Ann"})).await;
    let (status, body) = app
        .patch(
            &ws.path(&format!("/agents/{}", id(&agent))),
            &ws.key,
            json!({"teamIds": [foreign]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, theirs) = app
        .get(&other.path(&format!("/teams/{foreign}")), &other.key)
        .await;
    assert_eq!(theirs["activeMemberCount"], 0, "{theirs}");
}

#[tokio::test]
async fn deleting_a_team_removes_it_from_its_agents() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = id(&team(&app, &ws, json!({"name": "Support"})).await);
    let sales = id(&team(&app, &ws, json!({"name": "Sales"})).await);
    let ann = app
        .agent(&ws, json!({"name": "Ann", "teamIds": [support, sales]}))
        .await;
    let ann_path = ws.path(&format!("/agents/{}", id(&ann)));

    let (status, _) = app
        .delete(&ws.path(&format!("/teams/{support}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, ann_now) = app.get(&ann_path, &ws.key).await;
    assert_eq!(status, StatusCode::OK, "the agent stays: {ann_now}");
    let teams = ann_now["teams"].as_array().unwrap();
    assert_eq!(teams.len(), 1, "{ann_now}");
    assert_eq!(teams[0]["id"], sales.as_str());

    // The agent can still be changed, and a new team may be joined.
    let (status, body) = app
        .patch(&ann_path, &ws.key, json!({"bio": "still here"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["teams"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn another_workspaces_key_can_neither_read_nor_change_teams() {
    let app = TestApp::spawn().await;
    let a = app.workspace().await;
    let b = app.workspace().await;
    let support = team(&app, &a, json!({"name": "Support"})).await;
    let path = a.path(&format!("/teams/{}", id(&support)));

    for (status, body) in [
        app.get(&a.path("/teams"), &b.key).await,
        app.get(&path, &b.key).await,
        app.post(&a.path("/teams"), &b.key, json!({"name": "Intruders"}))
            .await,
        app.patch(&path, &b.key, json!({"name": "Taken"})).await,
        app.delete(&path, &b.key).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error(&body, "not_found");
    }
    // Under its own workspace path, B's key does not find A's team either.
    let (status, body) = app
        .get(&b.path(&format!("/teams/{}", id(&support))), &b.key)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = app
        .patch(
            &b.path(&format!("/teams/{}", id(&support))),
            &b.key,
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = app
        .delete(&b.path(&format!("/teams/{}", id(&support))), &b.key)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, b_list) = app.get(&b.path("/teams"), &b.key).await;
    assert_eq!(b_list["total"], 0, "{b_list}");

    let (_, unchanged) = app.get(&path, &a.key).await;
    assert_eq!(unchanged, support);
}

#[tokio::test]
async fn an_agent_key_may_read_teams_but_not_change_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = team(&app, &ws, json!({"name": "Support"})).await;
    let agent = app
        .agent(&ws, json!({"name": "Ann", "teamIds": [id(&support)]}))
        .await;
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": id(&agent)}),
        )
        .await;
    let path = ws.path(&format!("/teams/{}", id(&support)));

    let (status, list) = app.get(&ws.path("/teams"), &key).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 1);
    let (status, got) = app.get(&path, &key).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["name"], "Support");

    app.assert_forbidden_changes(
        &key,
        &ws.path("/teams"),
        json!({"name": "Mine"}),
        &path,
        json!({"name": "Renamed"}),
    )
    .await;
    // Nor may it change its own teams.
    let (status, body) = app
        .patch(
            &ws.path(&format!("/agents/{}", id(&agent))),
            &key,
            json!({"teamIds": []}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (_, unchanged) = app.get(&path, &ws.key).await;
    assert_eq!(unchanged["name"], "Support");
    assert_eq!(unchanged["activeMemberCount"], 1);
}

#[tokio::test]
async fn team_requests_without_a_valid_key_are_unauthorized() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, body) = app
        .call(reqwest::Method::GET, &ws.path("/teams"), None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_error(&body, "unauthorized");
    let (status, body) = app
        .post(&ws.path("/teams"), "sbk_wrong", json!({"name": "x"}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn a_deleted_agent_leaves_its_teams() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = id(&team(&app, &ws, json!({"name": "Support"})).await);
    let ann = id(&app
        .agent(&ws, json!({"name": "Ann", "teamIds": [support]}))
        .await);
    let bob = id(&app
        .agent(&ws, json!({"name": "Bob", "teamIds": [support]}))
        .await);
    let (status, _) = app
        .delete(&ws.path(&format!("/agents/{ann}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, got) = app
        .get(&ws.path(&format!("/teams/{support}")), &ws.key)
        .await;
    assert_eq!(got["activeMemberCount"], 1, "{got}");
    assert_eq!(got["featuredMembers"], json!([bob]));
}

#[tokio::test]
async fn malformed_team_bodies_are_answered_in_json() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let url = format!("{}{}", app.base, ws.path("/teams"));
    let cases = [
        (
            "application/json",
            "{\"name\": ",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "text/plain",
            "{\"name\": \"Support\"}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "application/json",
            "[]",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "application/json",
            "{\"name\": \"x\", \"hideFromViews\": \"yes\"}",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
    ];
    for (content_type, body, expected, code) in cases {
        let response = app
            .client
            .post(&url)
            .bearer_auth(&ws.key)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let answer: Value = response.json().await.expect("a JSON error");
        assert_eq!(status, expected, "{body}: {answer}");
        assert_error(&answer, code);
    }
    let (status, body) = app
        .call(
            reqwest::Method::PUT,
            &ws.path("/teams"),
            Some(&ws.key),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(
        body["code"].as_str().map(str::is_empty),
        Some(false),
        "{body}"
    );
    let (_, list) = app.get(&ws.path("/teams"), &ws.key).await;
    assert_eq!(list["total"], 0);
}
