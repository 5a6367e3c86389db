//! List Agents: filters, orderings, `total`, and page tokens that stay correct while agents are
//! added and removed.

mod common;

use std::collections::HashSet;

use common::{TestApp, Ws};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn page(app: &TestApp, ws: &Ws, query: &str) -> Value {
    let (status, body) = app
        .get(&ws.path(&format!("/agents?{query}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

fn names(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Every name of a list, following `nextPageToken` to the end.
async fn walk(app: &TestApp, ws: &Ws, query: &str) -> Vec<String> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let query = match &token {
            Some(t) => format!("{query}&pageToken={t}"),
            None => query.to_owned(),
        };
        let body = page(app, ws, &query).await;
        all.extend(names(&body));
        match body["nextPageToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => return all,
        }
    }
}

#[tokio::test]
async fn lists_page_by_ten_by_default_with_total() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    for i in 0..23 {
        app.agent(&ws, json!({"name": format!("Agent {i:02}")}))
            .await;
    }
    let first = page(&app, &ws, "").await;
    assert_eq!(first["results"].as_array().unwrap().len(), 10);
    assert_eq!(first["total"], 23);
    assert!(first["nextPageToken"].is_string());
    let all = walk(&app, &ws, "limit=7").await;
    let expected: Vec<String> = (0..23).map(|i| format!("Agent {i:02}")).collect();
    assert_eq!(all, expected, "oldest first, each once");
    let reversed = walk(&app, &ws, "limit=5&reverse=true").await;
    assert_eq!(reversed, expected.iter().rev().cloned().collect::<Vec<_>>());
    let by_name = walk(&app, &ws, "sortBy=name&limit=100").await;
    assert_eq!(by_name, expected);
    let last = page(&app, &ws, "limit=100").await;
    assert!(
        last.get("nextPageToken").is_none(),
        "no token on the last page"
    );
}

#[tokio::test]
async fn a_page_token_stays_correct_while_agents_are_added_and_removed() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(
            app.agent(&ws, json!({"name": format!("A{i:02}")})).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let first = page(&app, &ws, "limit=10").await;
    assert_eq!(names(&first).last().unwrap(), "A09");
    let token = first["nextPageToken"].as_str().unwrap().to_owned();

    // Meanwhile: agents of the first page go, new agents come, concurrently.
    let paths: Vec<String> = ids[0..5]
        .iter()
        .map(|id| ws.path(&format!("/agents/{id}")))
        .collect();
    futures::future::join_all(paths.iter().map(|path| app.delete(path, &ws.key))).await;
    let creates: Vec<_> = (0..10)
        .map(|i| app.agent(&ws, json!({"name": format!("B{i:02}")})))
        .collect();
    futures::future::join_all(creates).await;

    let mut rest = Vec::new();
    let mut query = format!("limit=10&pageToken={token}");
    loop {
        let body = page(&app, &ws, &query).await;
        rest.extend(names(&body));
        match body["nextPageToken"].as_str() {
            Some(t) => query = format!("limit=10&pageToken={t}"),
            None => break,
        }
    }
    let expected_old: Vec<String> = (10..30).map(|i| format!("A{i:02}")).collect();
    assert_eq!(
        &rest[..20],
        &expected_old[..],
        "no agent skipped or repeated"
    );
    let new: HashSet<&str> = rest[20..].iter().map(String::as_str).collect();
    assert_eq!(
        new.len(),
        10,
        "the agents added meanwhile come after: {rest:?}"
    );
    assert!(new.iter().all(|n| n.starts_with('B')));
}

#[tokio::test]
async fn filters_narrow_the_list_and_agent_ids_override_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let role = uuid::Uuid::new_v4();
    let ada = app
        .agent(
            &ws,
            json!({"name": "Ada Lovelace", "userEmails": ["ada_l@example.com"],
            "roles": [{"id": role, "type": "organization", "workspaces": []}]}),
        )
        .await;
    let grace = app
        .agent(
            &ws,
            json!({"name": "Grace Hopper", "userEmails": ["grace@navy.example"]}),
        )
        .await;
    app.agent(
        &ws,
        json!({"name": "Alan Turing", "userEmails": ["alan@example.org"]}),
    )
    .await;

    assert_eq!(
        names(&page(&app, &ws, "name=lovelace").await),
        ["Ada Lovelace"]
    );
    assert_eq!(
        names(&page(&app, &ws, "name=A").await).len(),
        3,
        "any case, anywhere in the name"
    );
    assert_eq!(
        names(&page(&app, &ws, "email=NAVY").await),
        ["Grace Hopper"]
    );
    assert_eq!(
        names(&page(&app, &ws, "email=a_l").await),
        ["Ada Lovelace"],
        "`_` is not a wildcard"
    );
    assert_eq!(
        names(&page(&app, &ws, &format!("roleIds={role}")).await),
        ["Ada Lovelace"]
    );
    let both = format!(
        "agentIds={},{}&name=nobody",
        ada["id"].as_str().unwrap(),
        grace["id"].as_str().unwrap()
    );
    let listed = page(&app, &ws, &both).await;
    assert_eq!(listed["total"], 2, "agentIds ignores the other filters");
    let repeated = format!(
        "agentIds={}&agentIds={}",
        ada["id"].as_str().unwrap(),
        grace["id"].as_str().unwrap()
    );
    assert_eq!(page(&app, &ws, &repeated).await["total"], 2);

    // lastStatusActivitySince/Upto: only Grace changes status after `mark`.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mark = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let path = ws.path(&format!(
        "/agents/{}/availability",
        grace["id"].as_str().unwrap()
    ));
    app.patch(&path, &ws.key, json!({"status": "active"})).await;
    let since = page(
        &app,
        &ws,
        &format!("lastStatusActivitySince={}", mark.replace('+', "%2B")),
    )
    .await;
    assert_eq!(names(&since), ["Grace Hopper"]);
    let upto = page(
        &app,
        &ws,
        &format!("lastStatusActivityUpto={}", mark.replace('+', "%2B")),
    )
    .await;
    assert_eq!(upto["total"], 2);
}

#[tokio::test]
async fn sort_by_assigned_counts_is_accepted() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    for i in 0..3 {
        app.agent(&ws, json!({"name": format!("S{i}")})).await;
    }
    for sort in ["assignedCount", "statusAssignedCount", "createdAt", "name"] {
        let all = walk(&app, &ws, &format!("sortBy={sort}&limit=2")).await;
        assert_eq!(all.len(), 3, "{sort}");
    }
}

#[tokio::test]
async fn bad_list_parameters_are_refused() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    app.agent(&ws, json!({"name": "One"})).await;
    app.agent(&ws, json!({"name": "Two"})).await;
    let first = page(&app, &ws, "limit=1&sortBy=name").await;
    for query in [
        "limit=0".to_owned(),
        "limit=101".to_owned(),
        "limit=ten".to_owned(),
        "sortBy=age".to_owned(),
        "reverse=maybe".to_owned(),
        "agentIds=not-a-uuid".to_owned(),
        "lastStatusActivitySince=yesterday".to_owned(),
        format!("pageToken={}", "x".repeat(8001)),
        "pageToken=garbage".to_owned(),
        "name=%00".to_owned(),
        "agentStatuses=busy".to_owned(),
        format!(
            "agentIds={}",
            (0..101)
                .map(|_| uuid::Uuid::new_v4().to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        // A token of one ordering is not a token of another.
        format!(
            "sortBy=createdAt&pageToken={}",
            first["nextPageToken"].as_str().unwrap_or("x")
        ),
    ] {
        let (status, body) = app
            .get(&ws.path(&format!("/agents?{query}")), &ws.key)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert!(body["message"].is_string());
    }
}
