//! A team's members and their presence in the native API:
//! `/workspaces/{workspaceId}/teams/{teamId}/members` and `/presence`.

mod common;

use common::{TestApp, Ws, assert_error, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

const MISSING: &str = "00000000-0000-4000-8000-000000000001";

async fn team(app: &TestApp, ws: &Ws, name: &str) -> String {
    let (status, team) = app
        .post(&ws.path("/teams"), &ws.key, json!({"name": name}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    id(&team)
}

async fn add(app: &TestApp, ws: &Ws, team: &str, agents: &[&str]) -> Value {
    let (status, body) = app
        .post(
            &ws.path(&format!("/teams/{team}/members")),
            &ws.key,
            json!({"agentIds": agents}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn agent_ids(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {list}"))
        .iter()
        .map(|m| m["agentId"].as_str().unwrap().to_owned())
        .collect()
}

async fn members(app: &TestApp, ws: &Ws, team: &str) -> Vec<String> {
    let (status, list) = app
        .get(
            &ws.path(&format!("/teams/{team}/members?limit=100")),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    agent_ids(&list)
}

#[tokio::test]
async fn adding_members_answers_an_outcome_per_id_and_lists_them_in_join_order() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = team(&app, &ws, "Support").await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let bob = id(&app.agent(&ws, json!({"name": "Bob"})).await);

    let added = add(&app, &ws, &support, &[&ann, MISSING, &bob]).await;
    assert_eq!(
        added,
        json!({"results": [
            {"agentId": ann, "outcome": "member"},
            {"agentId": MISSING, "outcome": "unknownAgent"},
            {"agentId": bob, "outcome": "member"},
        ]})
    );

    let (status, list) = app
        .get(&ws.path(&format!("/teams/{support}/members")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 2);
    let results = list["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["agentId"], ann.as_str());
    assert_eq!(results[0]["name"], "Ann");
    assert_eq!(results[1]["name"], "Bob");
    assert_eq!(results[0].as_object().unwrap().len(), 3, "{list}");
    let since = results[0]["memberSince"].as_str().unwrap().to_owned();
    assert!(since.ends_with('Z'), "{since}");
    assert!(list.get("nextPageToken").is_none(), "{list}");

    // The agent shows the team with the same memberSince; adding again keeps it.
    let (_, agent) = app.get(&ws.path(&format!("/agents/{ann}")), &ws.key).await;
    assert_eq!(agent["teams"][0]["id"], support.as_str());
    assert_eq!(agent["teams"][0]["memberSince"], since.as_str());
    assert_eq!(agent["teams"][0]["activeMemberCount"], 2);
    let again = add(&app, &ws, &support, &[&ann]).await;
    assert_eq!(
        again,
        json!({"results": [{"agentId": ann, "outcome": "member"}]})
    );
    let (_, list) = app
        .get(&ws.path(&format!("/teams/{support}/members")), &ws.key)
        .await;
    assert_eq!(list["total"], 2);
    assert_eq!(list["results"][0]["memberSince"], since.as_str());

    let (_, got) = app
        .get(&ws.path(&format!("/teams/{support}")), &ws.key)
        .await;
    assert_eq!(got["activeMemberCount"], 2);
    assert_eq!(got["featuredMembers"], json!([ann, bob]));
}

#[tokio::test]
async fn the_member_list_pages_with_limit_page_token_and_reverse() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = team(&app, &ws, "Support").await;
    let mut agents = Vec::new();
    for n in 0..5 {
        agents.push(id(&app
            .agent(&ws, json!({"name": format!("Agent {n}")}))
            .await));
    }
    for agent in &agents {
        add(&app, &ws, &support, &[agent]).await;
    }
    let path = ws.path(&format!("/teams/{support}/members"));

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut page_path = format!("{path}?limit=2");
        if let Some(token) = &token {
            page_path.push_str(&format!("&pageToken={token}"));
        }
        let (status, page) = app.get(&page_path, &ws.key).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 5);
        seen.extend(agent_ids(&page));
        pages += 1;
        match page["nextPageToken"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, agents);

    let (status, newest) = app
        .get(&format!("{path}?reverse=true&limit=3"), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{newest}");
    let expected: Vec<String> = agents.iter().rev().take(3).cloned().collect();
    assert_eq!(agent_ids(&newest), expected);
    let token = newest["nextPageToken"].as_str().unwrap();
    let (_, rest) = app
        .get(
            &format!("{path}?reverse=true&limit=3&pageToken={token}"),
            &ws.key,
        )
        .await;
    assert_eq!(agent_ids(&rest), vec![agents[1].clone(), agents[0].clone()]);

    // A token of the team list is not one of the member list.
    let (_, teams) = app.get(&ws.path("/teams?limit=1"), &ws.key).await;
    assert!(teams.get("nextPageToken").is_none());
    team(&app, &ws, "Sales").await;
    let (_, teams) = app.get(&ws.path("/teams?limit=1"), &ws.key).await;
    let team_token = teams["nextPageToken"].as_str().unwrap();
    for bad in [
        "limit=0".to_owned(),
        "limit=101".to_owned(),
        "pageToken=garbage".to_owned(),
        format!("pageToken={team_token}"),
        "reverse=maybe".to_owned(),
    ] {
        for list in ["members", "presence"] {
            let url = ws.path(&format!("/teams/{support}/{list}?{bad}"));
            let (status, body) = app.get(&url, &ws.key).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
            assert_error(&body, "invalid");
        }
    }
}

#[tokio::test]
async fn removing_a_member_answers_204_then_404() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = team(&app, &ws, "Support").await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let bob = id(&app.agent(&ws, json!({"name": "Bob"})).await);
    add(&app, &ws, &support, &[&ann, &bob]).await;

    let path = ws.path(&format!("/teams/{support}/members/{ann}"));
    let (status, body) = app.delete(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(body, Value::Null);
    assert_eq!(members(&app, &ws, &support).await, vec![bob.clone()]);
    let (_, agent) = app.get(&ws.path(&format!("/agents/{ann}")), &ws.key).await;
    assert_eq!(agent["teams"], json!([]), "GET agent shows the change");
    let (_, agent) = app.get(&ws.path(&format!("/agents/{bob}")), &ws.key).await;
    assert_eq!(agent["teams"][0]["activeMemberCount"], 1, "{agent}");

    // Not a member (any more), not an agent, not a UUID: not found, and nothing changes.
    for agent in [ann.as_str(), MISSING, "not-a-uuid"] {
        let path = ws.path(&format!("/teams/{support}/members/{agent}"));
        let (status, body) = app.delete(&path, &ws.key).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{agent}: {body}");
        assert_error(&body, "not_found");
    }
    assert_eq!(members(&app, &ws, &support).await, vec![bob.clone()]);
    let (status, body) = app
        .delete(
            &ws.path(&format!("/teams/{MISSING}/members/{bob}")),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
}

#[tokio::test]
async fn invalid_member_changes_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = team(&app, &ws, "Support").await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let path = ws.path(&format!("/teams/{support}/members"));
    let too_many: Vec<String> = (0..1001)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    for body in [
        json!({}),
        json!({"agentIds": ann}),
        json!({"agentIds": [ann, "not-a-uuid"]}),
        json!({"agentIds": [42]}),
        json!({"agentIds": too_many}),
    ] {
        let (status, answer) = app.post(&path, &ws.key, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_error(&answer, "invalid");
    }
    let malformed = app
        .client
        .post(format!("{}{path}", app.base))
        .bearer_auth(&ws.key)
        .header("Content-Type", "application/json")
        .body("{\"agentIds\": [");
    let (status, answer) = common::send(malformed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_error(&answer, "bad_request");
    assert_eq!(members(&app, &ws, &support).await, Vec::<String>::new());

    let exactly = vec![ann.clone(); 1000];
    let (status, answer) = app.post(&path, &ws.key, json!({"agentIds": exactly})).await;
    assert_eq!(status, StatusCode::OK, "1000 ids is the limit: {answer}");
    assert_eq!(answer["results"].as_array().unwrap().len(), 1000);
    assert_eq!(members(&app, &ws, &support).await, vec![ann]);
}

#[tokio::test]
async fn other_workspaces_teams_and_agents_are_not_found_or_unknown() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let theirs = team(&app, &other, "Theirs").await;
    let their_agent = id(&app.agent(&other, json!({"name": "Theirs"})).await);
    add(&app, &other, &theirs, &[&their_agent]).await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);

    for team in [theirs.as_str(), MISSING, "not-a-uuid"] {
        for list in ["members", "presence"] {
            let (status, body) = app
                .get(&ws.path(&format!("/teams/{team}/{list}")), &ws.key)
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{team} {list}: {body}");
            assert_error(&body, "not_found");
        }
        let (status, body) = app
            .post(
                &ws.path(&format!("/teams/{team}/members")),
                &ws.key,
                json!({"agentIds": [ann]}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{team}: {body}");
        assert_error(&body, "not_found");
        let (status, body) = app
            .delete(
                &ws.path(&format!("/teams/{team}/members/{their_agent}")),
                &ws.key,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{team}: {body}");
    }
    // Through the other workspace's path with this workspace's key: not found either.
    let (status, _) = app
        .get(&other.path(&format!("/teams/{theirs}/members")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Their agent is unknown in this workspace's team.
    let mine = team(&app, &ws, "Mine").await;
    let added = add(&app, &ws, &mine, &[&their_agent]).await;
    assert_eq!(
        added,
        json!({"results": [{"agentId": their_agent, "outcome": "unknownAgent"}]})
    );
    let (status, body) = app
        .delete(
            &ws.path(&format!("/teams/{mine}/members/{their_agent}")),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(
        members(&app, &other, &theirs).await,
        vec![their_agent.clone()]
    );
    assert_eq!(members(&app, &ws, &mine).await, Vec::<String>::new());
}

#[tokio::test]
async fn an_agent_key_reads_members_and_presence_but_may_not_change_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = team(&app, &ws, "Support").await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "ann", "role": "agent", "agentId": ann}),
        )
        .await;
    let path = ws.path(&format!("/teams/{support}/members"));
    let (status, body) = app.post(&path, &key, json!({"agentIds": [ann]})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "forbidden");
    assert_eq!(members(&app, &ws, &support).await, Vec::<String>::new());

    add(&app, &ws, &support, &[&ann]).await;
    let (status, body) = app.delete(&format!("{path}/{ann}"), &key).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "forbidden");
    assert_eq!(members(&app, &ws, &support).await, vec![ann.clone()]);

    for list in ["members", "presence"] {
        let (status, body) = app
            .get(&ws.path(&format!("/teams/{support}/{list}")), &key)
            .await;
        assert_eq!(status, StatusCode::OK, "{list}: {body}");
        assert_eq!(body["total"], 1);
    }
}

#[tokio::test]
async fn presence_shows_each_members_status_activity_and_connection() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let support = team(&app, &ws, "Support").await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let bob = id(&app.agent(&ws, json!({"name": "Bob"})).await);
    add(&app, &ws, &support, &[&ann, &bob]).await;
    let presence_path = ws.path(&format!("/teams/{support}/presence"));

    let (status, page) = app.get(&presence_path, &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 2);
    let first = &page["results"][0];
    assert_eq!(first["agentId"], ann.as_str());
    assert_eq!(first["status"], "offline");
    assert_eq!(first["activity"], "available");
    assert_eq!(first["connection"], "offline");
    assert!(first["lastStatusSet"].as_str().unwrap().ends_with('Z'));
    assert_eq!(first.as_object().unwrap().len(), 5, "{first}");

    let availability = ws.path(&format!("/agents/{ann}/availability"));
    let cases = [
        (json!({"status": "active"}), "active", "available", "online"),
        (json!({"status": "away"}), "away", "available", "online"),
        (
            json!({"status": "active", "activity": "inMeeting"}),
            "active",
            "inMeeting",
            "online",
        ),
        (
            json!({"status": "offline"}),
            "offline",
            "inMeeting",
            "offline",
        ),
    ];
    for (change, status, activity, connection) in cases {
        let (code, set) = app.patch(&availability, &ws.key, change.clone()).await;
        assert_eq!(code, StatusCode::OK, "{set}");
        let (_, page) = app.get(&presence_path, &ws.key).await;
        let ann_now = &page["results"][0];
        assert_eq!(ann_now["status"], status, "{change}: {ann_now}");
        assert_eq!(ann_now["activity"], activity, "{change}: {ann_now}");
        assert_eq!(ann_now["connection"], connection, "{change}: {ann_now}");
        assert_eq!(ann_now["lastStatusSet"], set["lastStatusSet"], "{change}");
        assert_eq!(page["results"][1]["status"], "offline", "Bob is untouched");
    }

    let (status, one) = app.get(&format!("{presence_path}?limit=1"), &ws.key).await;
    assert_eq!(status, StatusCode::OK);
    let token = one["nextPageToken"].as_str().unwrap();
    let (_, two) = app
        .get(
            &format!("{presence_path}?limit=1&pageToken={token}"),
            &ws.key,
        )
        .await;
    assert_eq!(agent_ids(&two), vec![bob]);
    assert!(two.get("nextPageToken").is_none(), "{two}");
}
