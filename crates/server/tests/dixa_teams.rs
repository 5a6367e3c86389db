//! Dixa's Teams over HTTP (`/v1/teams`): teams, their members, the members' presence, and that
//! they are the same teams the native API and Bird's agents show.

mod common;

use std::collections::HashSet;

use common::{TestApp, Ws, assert_dixa_error, id, send};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const MISSING: &str = "00000000-0000-4000-8000-000000000001";

async fn dixa_team(app: &TestApp, ws: &Ws, name: &str) -> String {
    let (status, body) = app
        .dixa(
            Method::POST,
            "/v1/teams",
            &ws.key,
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["data"]["id"].as_str().unwrap().to_owned()
}

/// The ids of a team's members, as Dixa lists them.
async fn member_ids(app: &TestApp, ws: &Ws, team: &str) -> Vec<String> {
    let (status, body) = app
        .dixa(
            Method::GET,
            &format!("/v1/teams/{team}/agents"),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].as_array().unwrap().iter().map(id).collect()
}

/// The ids of the teams a Bird agent shows.
async fn agent_team_ids(app: &TestApp, ws: &Ws, agent: &str) -> Vec<String> {
    let (status, body) = app
        .get(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["teams"].as_array().unwrap().iter().map(id).collect()
}

/// A request with a raw body, the way a broken client sends it.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: &str,
) -> (StatusCode, Value) {
    let request = app
        .client
        .request(method, format!("{}{path}", app.base))
        .header("Authorization", key)
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    send(request).await
}

async fn set_availability(app: &TestApp, ws: &Ws, agent: &str, body: Value) -> Value {
    let path = ws.path(&format!("/agents/{agent}/availability"));
    let (status, answer) = app.patch(&path, &ws.key, body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

/// `YYYY-MM-DDThh:mm:ss.mmm`, UTC without a zone, as Dixa's presence examples write times.
fn assert_zoneless(text: &Value) {
    let text = text
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {text}"));
    let bytes = text.as_bytes();
    let digit_at = |i: &usize| bytes[*i].is_ascii_digit();
    assert_eq!(text.len(), 23, "{text}");
    assert!(
        [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22]
            .iter()
            .all(digit_at),
        "{text}"
    );
    assert_eq!(
        (
            &text[4..5],
            &text[7..8],
            &text[10..11],
            &text[13..14],
            &text[16..17],
            &text[19..20]
        ),
        ("-", "-", "T", ":", ":", "."),
        "{text}"
    );
}

#[tokio::test]
async fn a_team_is_created_listed_read_and_deleted() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, created) = app
        .dixa(
            Method::POST,
            "/v1/teams",
            &ws.key,
            Some(json!({"name": "  Support  "})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let team = created["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created, json!({"data": {"id": team, "name": "Support"}}));
    let sales = dixa_team(&app, &ws, "Sales").await;

    let (status, list) = app.dixa(Method::GET, "/v1/teams", &ws.key, None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        list,
        json!({"data": [{"id": team, "name": "Support"}, {"id": sales, "name": "Sales"}]})
    );

    let path = format!("/v1/teams/{team}");
    let (status, got) = app.dixa(Method::GET, &path, &ws.key, None).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, created);

    let (status, body) = app.dixa(Method::DELETE, &path, &ws.key, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(body, Value::Null);
    for method in [Method::GET, Method::DELETE] {
        let (status, body) = app.dixa(method.clone(), &path, &ws.key, None).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{method} after delete: {body}"
        );
        assert_dixa_error(&body);
    }
    let (_, list) = app.dixa(Method::GET, "/v1/teams", &ws.key, None).await;
    assert_eq!(list, json!({"data": [{"id": sales, "name": "Sales"}]}));

    let (status, empty) = app
        .dixa(Method::GET, "/v1/teams", &app.workspace().await.key, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty, json!({"data": []}));
}

#[tokio::test]
async fn a_team_without_a_valid_name_is_refused_with_400_and_not_stored() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let bodies = [
        json!({}),
        json!({"name": ""}),
        json!({"name": "   "}),
        json!({"name": null}),
        json!({"name": 42}),
        json!({"name": "x".repeat(101)}),
        json!([]),
    ];
    for body in bodies {
        let (status, answer) = app
            .dixa(Method::POST, "/v1/teams", &ws.key, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_dixa_error(&answer);
    }
    let (status, answer) = raw(&app, Method::POST, "/v1/teams", &ws.key, "{\"name\": ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_dixa_error(&answer);
    let without_content_type = app
        .client
        .post(format!("{}/v1/teams", app.base))
        .header("Authorization", &ws.key)
        .body("{\"name\": \"Support\"}");
    let (status, answer) = send(without_content_type).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_dixa_error(&answer);

    let (_, list) = app.dixa(Method::GET, "/v1/teams", &ws.key, None).await;
    assert_eq!(list, json!({"data": []}), "nothing was stored");
}

#[tokio::test]
async fn a_team_made_through_dixa_is_the_native_team_and_the_other_way_round() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let team = dixa_team(&app, &ws, "Support").await;
    let (status, native) = app.get(&ws.path(&format!("/teams/{team}")), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{native}");
    assert_eq!(native["name"], "Support");
    assert_eq!(native["visibility"], "public");
    assert_eq!(native["accessibility"], "open");
    assert_eq!(native["hideFromViews"], false);
    assert_eq!(native["description"], Value::Null);

    let (status, made) = app
        .post(
            &ws.path("/teams"),
            &ws.key,
            json!({"name": "Billing", "visibility": "private"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let billing = id(&made);
    let (_, got) = app
        .dixa(Method::GET, &format!("/v1/teams/{billing}"), &ws.key, None)
        .await;
    assert_eq!(got, json!({"data": {"id": billing, "name": "Billing"}}));

    // Deleting through Dixa removes it from the agents that were in it.
    let ann = id(&app
        .agent(&ws, json!({"name": "Ann", "teamIds": [team, billing]}))
        .await);
    let (status, _) = app
        .dixa(Method::DELETE, &format!("/v1/teams/{team}"), &ws.key, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(agent_team_ids(&app, &ws, &ann).await, vec![billing.clone()]);
    let (status, _) = app.get(&ws.path(&format!("/teams/{team}")), &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn adding_members_reports_each_id_and_the_agents_show_their_team() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let team = dixa_team(&app, &ws, "Support").await;
    let ann = id(&app
        .agent(
            &ws,
            json!({"name": "Ann", "userEmails": ["ann@example.com"], "user": {"phoneNumber": "+4512345678"}}),
        )
        .await);
    let bob = id(&app.agent(&ws, json!({"name": "Bob"})).await);
    let other = app.workspace().await;
    let foreign = id(&app.agent(&other, json!({"name": "Theirs"})).await);
    let path = format!("/v1/teams/{team}/agents");
    // Read first, so that a cached agent would show stale teams if the change left it there.
    assert_eq!(agent_team_ids(&app, &ws, &ann).await, Vec::<String>::new());

    let body = json!({"agentIds": [ann, MISSING, "not-a-uuid", bob, foreign]});
    let (status, added) = app.dixa(Method::PATCH, &path, &ws.key, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        added,
        json!({"data": [
            {"_type": "BulkActionSuccess", "data": ann},
            {"_type": "BulkActionFailure", "error": {"_type": "NotFound", "id": MISSING, "message": "User not found"}},
            {"_type": "BulkActionFailure", "error": {"_type": "Validation", "id": "not-a-uuid",
                "message": added["data"][2]["error"]["message"]}},
            {"_type": "BulkActionSuccess", "data": bob},
            {"_type": "BulkActionFailure", "error": {"_type": "NotFound", "id": foreign, "message": "User not found"}},
        ]})
    );
    assert!(
        added["data"][2]["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );

    let (status, members) = app.dixa(Method::GET, &path, &ws.key, None).await;
    assert_eq!(status, StatusCode::OK, "{members}");
    assert_eq!(
        members,
        json!({"data": [
            {"id": ann, "name": "Ann", "email": "ann@example.com", "phoneNumber": "+4512345678"},
            {"id": bob, "name": "Bob"},
        ]})
    );
    assert_eq!(agent_team_ids(&app, &ws, &ann).await, vec![team.clone()]);
    assert_eq!(agent_team_ids(&app, &ws, &bob).await, vec![team.clone()]);
    let (_, native) = app.get(&ws.path(&format!("/teams/{team}")), &ws.key).await;
    assert_eq!(native["activeMemberCount"], 2, "{native}");

    // Adding again keeps the members as they were (and when they joined).
    let (_, before) = app.get(&ws.path(&format!("/agents/{ann}")), &ws.key).await;
    let again = json!({"agentIds": [ann, ann]});
    let (status, added) = app.dixa(Method::PATCH, &path, &ws.key, Some(again)).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        added,
        json!({"data": [
            {"_type": "BulkActionSuccess", "data": ann},
            {"_type": "BulkActionSuccess", "data": ann},
        ]})
    );
    let (_, after) = app.get(&ws.path(&format!("/agents/{ann}")), &ws.key).await;
    assert_eq!(after["teams"], before["teams"]);
    assert_eq!(
        member_ids(&app, &ws, &team).await,
        vec![ann.clone(), bob.clone()]
    );

    let (status, empty) = app
        .dixa(Method::PATCH, &path, &ws.key, Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(empty, json!({"data": []}));

    // The other workspace's agent stayed out of every team.
    let (_, theirs) = app
        .get(&other.path(&format!("/agents/{foreign}")), &other.key)
        .await;
    assert_eq!(theirs["teams"], json!([]));
}

#[tokio::test]
async fn removing_members_needs_every_id_to_be_an_agent_and_otherwise_changes_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let team = dixa_team(&app, &ws, "Support").await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let bob = id(&app.agent(&ws, json!({"name": "Bob"})).await);
    let carol = id(&app.agent(&ws, json!({"name": "Carol"})).await);
    let path = format!("/v1/teams/{team}/agents");
    let (status, _) = app
        .dixa(
            Method::PATCH,
            &path,
            &ws.key,
            Some(json!({"agentIds": [ann, bob]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = app
        .dixa(
            Method::DELETE,
            &path,
            &ws.key,
            Some(json!({"agentIds": [ann, MISSING]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_dixa_error(&body);
    assert!(
        body["message"].as_str().unwrap().contains(MISSING),
        "{body}"
    );
    assert_eq!(
        member_ids(&app, &ws, &team).await,
        vec![ann.clone(), bob.clone()]
    );

    for bad in [
        json!({"agentIds": [ann, "not-a-uuid"]}),
        json!({"agentIds": ann}),
        json!({"agentIds": [42]}),
    ] {
        let (status, body) = app
            .dixa(Method::DELETE, &path, &ws.key, Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_dixa_error(&body);
    }
    let too_many = vec![ann.clone(); 1001];
    let (status, body) = app
        .dixa(
            Method::DELETE,
            &path,
            &ws.key,
            Some(json!({"agentIds": too_many})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "more than 1000 ids: {body}"
    );
    assert_dixa_error(&body);
    let (status, body) = raw(&app, Method::DELETE, &path, &ws.key, "{\"agentIds\": [").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_dixa_error(&body);
    assert_eq!(
        member_ids(&app, &ws, &team).await,
        vec![ann.clone(), bob.clone()]
    );

    // Carol is an agent but no member: no error.
    let (status, body) = app
        .dixa(
            Method::DELETE,
            &path,
            &ws.key,
            Some(json!({"agentIds": [ann, carol]})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(body, Value::Null);
    assert_eq!(member_ids(&app, &ws, &team).await, vec![bob.clone()]);
    assert_eq!(agent_team_ids(&app, &ws, &ann).await, Vec::<String>::new());
    assert_eq!(agent_team_ids(&app, &ws, &bob).await, vec![team.clone()]);

    let (status, _) = app
        .dixa(Method::DELETE, &path, &ws.key, Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(member_ids(&app, &ws, &team).await, vec![bob.clone()]);
}

#[tokio::test]
async fn malformed_or_mistyped_member_bodies_are_400_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let team = dixa_team(&app, &ws, "Support").await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let path = format!("/v1/teams/{team}/agents");
    let (status, body) = raw(&app, Method::PATCH, &path, &ws.key, "{\"agentIds\": [\"").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_dixa_error(&body);
    for bad in [
        json!({"agentIds": ann}),
        json!({"agentIds": [42]}),
        json!("agents"),
    ] {
        let (status, body) = app
            .dixa(Method::PATCH, &path, &ws.key, Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_dixa_error(&body);
    }
    assert_eq!(member_ids(&app, &ws, &team).await, Vec::<String>::new());
}

#[tokio::test]
async fn unknown_foreign_and_non_uuid_team_ids_are_404_everywhere() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let foreign = dixa_team(&app, &other, "Theirs").await;
    let theirs = id(&app.agent(&other, json!({"name": "Theirs"})).await);
    let (status, _) = app
        .dixa(
            Method::PATCH,
            &format!("/v1/teams/{foreign}/agents"),
            &other.key,
            Some(json!({"agentIds": [theirs]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);

    for team in [foreign.as_str(), MISSING, "not-a-uuid"] {
        let base = format!("/v1/teams/{team}");
        let calls = [
            (Method::GET, base.clone(), None),
            (Method::DELETE, base.clone(), None),
            (Method::GET, format!("{base}/agents"), None),
            (
                Method::PATCH,
                format!("{base}/agents"),
                Some(json!({"agentIds": [ann]})),
            ),
            (
                Method::DELETE,
                format!("{base}/agents"),
                Some(json!({"agentIds": [ann]})),
            ),
            (Method::GET, format!("{base}/presence"), None),
        ];
        for (method, path, body) in calls {
            let (status, answer) = app.dixa(method.clone(), &path, &ws.key, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
            assert_dixa_error(&answer);
        }
    }
    // The other workspace's team is untouched, and Ann joined nothing.
    assert_eq!(member_ids(&app, &other, &foreign).await, vec![theirs]);
    assert_eq!(agent_team_ids(&app, &ws, &ann).await, Vec::<String>::new());
}

#[tokio::test]
async fn an_agent_key_reads_teams_but_may_not_change_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let team = dixa_team(&app, &ws, "Support").await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "ann", "role": "agent", "agentId": ann}),
        )
        .await;
    let base = format!("/v1/teams/{team}");
    let members = json!({"agentIds": [ann]});
    let writes = [
        (
            Method::POST,
            "/v1/teams".to_owned(),
            Some(json!({"name": "Mine"})),
        ),
        (Method::DELETE, base.clone(), None),
        (
            Method::PATCH,
            format!("{base}/agents"),
            Some(members.clone()),
        ),
        (
            Method::DELETE,
            format!("{base}/agents"),
            Some(members.clone()),
        ),
    ];
    for (method, path, body) in writes {
        let (status, answer) = app.dixa(method.clone(), &path, &key, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
        assert_dixa_error(&answer);
    }
    for path in [
        "/v1/teams".to_owned(),
        base.clone(),
        format!("{base}/agents"),
        format!("{base}/presence"),
    ] {
        let (status, answer) = app.dixa(Method::GET, &path, &key, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
    }
    let (_, list) = app.dixa(Method::GET, "/v1/teams", &ws.key, None).await;
    assert_eq!(list, json!({"data": [{"id": team, "name": "Support"}]}));
    assert_eq!(member_ids(&app, &ws, &team).await, Vec::<String>::new());

    let (status, body) = app.dixa(Method::GET, "/v1/teams", "wrong-key", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_dixa_error(&body);
}

#[tokio::test]
async fn presence_pages_through_every_member_once_following_meta_next() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let team = dixa_team(&app, &ws, "Support").await;
    let mut agents = Vec::new();
    for n in 0..5 {
        agents.push(id(&app
            .agent(&ws, json!({"name": format!("Agent {n}")}))
            .await));
    }
    // Two joins, so that members differ in when they joined as well as by id.
    for batch in [&agents[..3], &agents[3..]] {
        let (status, _) = app
            .dixa(
                Method::PATCH,
                &format!("/v1/teams/{team}/agents"),
                &ws.key,
                Some(json!({"agentIds": batch})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }

    let mut seen = Vec::new();
    let mut path = format!("/v1/teams/{team}/presence?pageLimit=2");
    let mut pages = 0;
    loop {
        let (status, page) = app.dixa(Method::GET, &path, &ws.key, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        pages += 1;
        let data = page["data"].as_array().unwrap();
        assert!(!data.is_empty() && data.len() <= 2, "{page}");
        seen.extend(
            data.iter()
                .map(|p| p["userId"].as_str().unwrap().to_owned()),
        );
        match page.get("meta") {
            Some(meta) => {
                assert_eq!(meta.as_object().unwrap().len(), 1, "only next: {page}");
                path = meta["next"].as_str().unwrap().to_owned();
                assert!(
                    path.starts_with(&format!("/v1/teams/{team}/presence?")),
                    "{path}"
                );
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        5,
        "each member once"
    );
    assert_eq!(seen, agents, "in the order they joined");

    let (status, all) = app
        .dixa(
            Method::GET,
            &format!("/v1/teams/{team}/presence"),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["data"].as_array().unwrap().len(), 5);
    assert!(all.get("meta").is_none(), "one page holds them all: {all}");

    for bad in [
        "pageLimit=0",
        "pageLimit=1001",
        "pageLimit=two",
        "pageKey=garbage",
    ] {
        let path = format!("/v1/teams/{team}/presence?{bad}");
        let (status, body) = app.dixa(Method::GET, &path, &ws.key, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_dixa_error(&body);
    }
    let empty = dixa_team(&app, &ws, "Empty").await;
    let (status, none) = app
        .dixa(
            Method::GET,
            &format!("/v1/teams/{empty}/presence"),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none, json!({"data": []}));
}

#[tokio::test]
async fn presence_reflects_each_members_live_availability() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let team = dixa_team(&app, &ws, "Support").await;
    let ann = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    let (status, _) = app
        .dixa(
            Method::PATCH,
            &format!("/v1/teams/{team}/agents"),
            &ws.key,
            Some(json!({"agentIds": [ann]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/v1/teams/{team}/presence");
    let presence = || async {
        let (status, page) = app.dixa(Method::GET, &path, &ws.key, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["data"].as_array().unwrap().len(), 1, "{page}");
        page["data"][0].clone()
    };

    // A new agent is offline: no presenceStatus at all.
    let offline = presence().await;
    let fields: HashSet<&str> = offline
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        HashSet::from(["userId", "requestTime", "lastSeen", "connectionStatus"]),
        "{offline}"
    );
    assert_eq!(offline["userId"], ann.as_str());
    assert_eq!(offline["connectionStatus"], "Offline");
    assert_zoneless(&offline["requestTime"]);
    assert_zoneless(&offline["lastSeen"]);

    let changes = [
        (json!({"status": "active"}), "Online", Some("Working")),
        (json!({"status": "away"}), "Online", Some("Away")),
        (
            json!({"status": "active", "activity": "inMeeting"}),
            "Online",
            Some("Away"),
        ),
        (
            json!({"status": "active", "activity": "available"}),
            "Online",
            Some("Working"),
        ),
        (json!({"status": "offline"}), "Offline", None),
    ];
    for (change, connection, status) in changes {
        let availability = set_availability(&app, &ws, &ann, change.clone()).await;
        let now = presence().await;
        assert_eq!(now["connectionStatus"], connection, "{change}: {now}");
        assert_eq!(
            now.get("presenceStatus").and_then(Value::as_str),
            status,
            "{change}: {now}"
        );
        // lastSeen is when the status last changed, in UTC without the zone.
        let last_status_set = availability["lastStatusSet"].as_str().unwrap();
        assert_eq!(
            now["lastSeen"].as_str().unwrap(),
            last_status_set.trim_end_matches('Z'),
            "{change}: {now}"
        );
        assert_zoneless(&now["requestTime"]);
        assert!(
            now["requestTime"].as_str() >= now["lastSeen"].as_str(),
            "{now}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_team_endpoints() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    let endpoints = [
        ("/v1/teams", "get", Some("Teams_listAll")),
        ("/v1/teams", "post", Some("Teams_createTeam")),
        ("/v1/teams/{teamId}", "get", Some("Teams_getById")),
        ("/v1/teams/{teamId}", "delete", Some("Teams_removeTeam")),
        (
            "/v1/teams/{teamId}/agents",
            "get",
            Some("Teams_listMembers"),
        ),
        (
            "/v1/teams/{teamId}/agents",
            "patch",
            Some("Teams_addMembers"),
        ),
        (
            "/v1/teams/{teamId}/agents",
            "delete",
            Some("Teams_removeMembers"),
        ),
        (
            "/v1/teams/{teamId}/presence",
            "get",
            Some("Teams_listPresenceStatus"),
        ),
        (
            "/workspaces/{workspaceId}/teams/{teamId}/members",
            "get",
            None,
        ),
        (
            "/workspaces/{workspaceId}/teams/{teamId}/members",
            "post",
            None,
        ),
        (
            "/workspaces/{workspaceId}/teams/{teamId}/members/{agentId}",
            "delete",
            None,
        ),
        (
            "/workspaces/{workspaceId}/teams/{teamId}/presence",
            "get",
            None,
        ),
    ];
    for (path, method, operation) in endpoints {
        let described = paths
            .get(path)
            .and_then(|p| p.get(method))
            .unwrap_or_else(|| panic!("{method} {path} is documented"));
        if let Some(operation) = operation {
            assert_eq!(described["operationId"], operation, "{method} {path}");
        }
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for schema in [
        "DixaTeam",
        "DixaTeamMember",
        "DixaUserPresence",
        "TeamOut",
        "TeamMemberOut",
        "TeamMemberResults",
        "TeamPresenceOut",
    ] {
        assert!(schemas.contains_key(schema), "{schema} is described");
    }
}
