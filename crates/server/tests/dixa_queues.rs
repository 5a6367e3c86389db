//! Dixa's queues over HTTP: `/v1/queues` with the bare key: create (nested and flat), every
//! property stored and returned, refused input that changes nothing, and members in bulk.

mod common;

use common::{TestApp, Ws, assert_dixa_error, id};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The four properties Dixa requires.
fn required(name: &str) -> Value {
    json!({"name": name, "callFunctionality": false, "isDefault": false, "isDoNotOfferEnabled": false})
}

fn with(mut body: Value, extra: Value) -> Value {
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

async fn create(app: &TestApp, ws: &Ws, request: Value) -> Value {
    let (status, answer) = app
        .dixa(
            Method::POST,
            "/v1/queues",
            &ws.key,
            Some(json!({"request": request})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["data"].clone()
}

async fn list(app: &TestApp, ws: &Ws) -> Value {
    let (status, answer) = app.dixa(Method::GET, "/v1/queues", &ws.key, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["data"].clone()
}

async fn members(app: &TestApp, ws: &Ws, queue: &str) -> Value {
    let (status, answer) = app
        .dixa(
            Method::GET,
            &format!("/v1/queues/{queue}/members"),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["data"].clone()
}

async fn agent(app: &TestApp, ws: &Ws, name: &str) -> String {
    id(&app.agent(ws, json!({"name": name})).await)
}

async fn assign(app: &TestApp, ws: &Ws, queue: &str, body: Value) -> (StatusCode, Value) {
    app.dixa(
        Method::PATCH,
        &format!("/v1/queues/{queue}/members"),
        &ws.key,
        Some(body),
    )
    .await
}

async fn remove(app: &TestApp, ws: &Ws, queue: &str, body: Value) -> (StatusCode, Value) {
    app.dixa(
        Method::DELETE,
        &format!("/v1/queues/{queue}/members"),
        &ws.key,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_queue_created_with_every_property_returns_each_of_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let request = json!({
        "name": "Support",
        "priority": 7,
        "isDefault": true,
        "offerTimeout": 30,
        "wrapupTimeout": 60,
        "offerAlgorithm": "AgentPriorityLongestIdle",
        "queueThresholds": {"SlaPercentage": 80, "WaitingConversations": 10, "SlaTimeLimit": 120,
                            "AvailableAgents": 2, "LongestWait": 600},
        "callFunctionality": true,
        "doNotOfferTimeouts": {"WidgetChat": 1, "Email": 43200},
        "isDoNotOfferEnabled": true,
        "preferredAgentTimeouts": {"PstnPhone": 300, "Messenger": 0},
        "isPreferredAgentEnabled": true,
        "offerAbandonedConversations": false,
        "personalAgentOfflineTimeout": 500,
        "preferredAgentOfflineTimeout": 400,
        "isRestricted": true
    });
    let queue = create(&app, &ws, request).await;
    let expected = json!({
        "id": id(&queue),
        "name": "Support",
        "isDefault": true,
        "organizationId": ws.id,
        "queueThresholds": {"SlaPercentage": 80, "WaitingConversations": 10, "SlaTimeLimit": 120,
                            "AvailableAgents": 2, "LongestWait": 600},
        "slaCalculationMethod": "AbandonedIgnored",
        "doNotOfferTimeouts": {"WidgetChat": 1, "Email": 43200},
        "isDoNotOfferEnabled": true,
        "offerTimeout": 30,
        "offeringAlgorithm": "AgentPriorityLongestIdle",
        "memberListType": "Default",
        "wrapupTimeout": 60,
        "priority": 7,
        "offerAbandonedConversations": false,
        "isPreferredAgentEnabled": true,
        "preferredAgentTimeouts": {"PstnPhone": 300, "Messenger": 0},
        "preferredAgentOfflineTimeout": 400,
        "personalAgentOfflineTimeout": 500,
        "isRestricted": true
    });
    assert_eq!(queue, expected, "callFunctionality is not echoed");
    let (status, got) = app
        .dixa(
            Method::GET,
            &format!("/v1/queues/{}", id(&queue)),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, json!({"data": expected}));
    assert_eq!(list(&app, &ws).await, json!([expected]));

    // The native API sees the same queue, callFunctionality included.
    let (status, native) = app
        .get(&ws.path(&format!("/queues/{}", id(&queue))), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK, "{native}");
    assert_eq!(native["offerAlgorithm"], "AgentPriorityLongestIdle");
    assert_eq!(native["callFunctionality"], true);
    assert_eq!(native["isRestricted"], true);
    assert_eq!(native["preferredAgentOfflineTimeout"], 400);
    assert_eq!(native["workspaceId"], ws.id.as_str());
}

#[tokio::test]
async fn a_flat_body_is_accepted_and_unset_properties_are_left_out() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, answer) = app
        .dixa(Method::POST, "/v1/queues", &ws.key, Some(required("Flat")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let queue = &answer["data"];
    assert_eq!(
        queue,
        &json!({
            "id": id(queue),
            "name": "Flat",
            "isDefault": false,
            "organizationId": ws.id,
            "queueThresholds": {},
            "slaCalculationMethod": "AbandonedIgnored",
            "doNotOfferTimeouts": {},
            "isDoNotOfferEnabled": false,
            "offeringAlgorithm": "AllAtOnce",
            "memberListType": "Default",
            "priority": 1
        })
    );
    let nested = create(&app, &ws, required("Nested")).await;
    assert_eq!(nested["name"], "Nested");
    assert_eq!(list(&app, &ws).await.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_default_queue_takes_the_flag_from_the_old_one() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let first = create(
        &app,
        &ws,
        with(required("First"), json!({"isDefault": true})),
    )
    .await;
    let second = create(
        &app,
        &ws,
        with(required("Second"), json!({"isDefault": true})),
    )
    .await;
    let defaults: Vec<Value> = list(&app, &ws)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|q| json!([q["name"], q["isDefault"]]))
        .collect();
    assert_eq!(defaults, [json!(["First", false]), json!(["Second", true])]);
    assert_eq!(second["isDefault"], true);
    assert_ne!(id(&first), id(&second));
}

#[tokio::test]
async fn refused_queues_are_400_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    create(&app, &ws, required("Kept")).await;
    let before = list(&app, &ws).await;
    let mut bodies = vec![];
    for field in [
        "name",
        "callFunctionality",
        "isDefault",
        "isDoNotOfferEnabled",
    ] {
        let mut body = required("Missing");
        body.as_object_mut().unwrap().remove(field);
        bodies.push(body);
    }
    let base = required("Bad");
    for extra in [
        json!({"offerAlgorithm": "FastestFirst"}),
        json!({"offerAlgorithm": "allatonce"}),
        json!({"offerAlgorithm": 3}),
        json!({"queueThresholds": {"Speed": 1}}),
        json!({"queueThresholds": {"SlaPercentage": 101}}),
        json!({"queueThresholds": {"WaitingConversations": -1}}),
        json!({"queueThresholds": {"LongestWait": "long"}}),
        json!({"queueThresholds": [1]}),
        json!({"doNotOfferTimeouts": {"Pigeon": 5}}),
        json!({"doNotOfferTimeouts": {"Email": -5}}),
        json!({"preferredAgentTimeouts": {"widgetchat": 5}}),
        json!({"preferredAgentTimeouts": {"Sms": 604801}}),
        json!({"offerTimeout": -1}),
        json!({"wrapupTimeout": 604801}),
        json!({"personalAgentOfflineTimeout": -2}),
        json!({"preferredAgentOfflineTimeout": 10_000_000}),
        json!({"priority": 101}),
        json!({"priority": -1}),
        json!({"priority": "high"}),
        json!({"priority": 1.5}),
        json!({"isDefault": "yes"}),
        json!({"callFunctionality": null}),
        json!({"isRestricted": "no"}),
        json!({"name": ""}),
        json!({"name": "n".repeat(101)}),
        json!({"name": 5}),
    ] {
        bodies.push(with(base.clone(), extra));
    }
    for body in bodies {
        for wrapped in [json!({"request": body.clone()}), body.clone()] {
            let (status, answer) = app
                .dixa(Method::POST, "/v1/queues", &ws.key, Some(wrapped.clone()))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{wrapped}: {answer}");
            assert_dixa_error(&answer);
        }
    }
    let (status, answer) = app
        .dixa(
            Method::POST,
            "/v1/queues",
            &ws.key,
            Some(json!({"request": "Support"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, answer) = app
        .dixa(
            Method::POST,
            "/v1/queues",
            &ws.key,
            Some(with(
                required("Bad"),
                json!({"offerAlgorithm": "FastestFirst"}),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = answer["message"].as_str().unwrap();
    for allowed in [
        "AgentPriorityOneAtATimeRandom",
        "AllAtOnce",
        "AgentPriorityLongestIdle",
        "AgentPriorityAllAtOnce",
        "LongestIdle",
        "OneAtATimeRandom",
    ] {
        assert!(message.contains(allowed), "{message}");
    }
    for raw in ["{\"request\": {", "[", "name=Support"] {
        let request = app
            .client
            .post(format!("{}/v1/queues", app.base))
            .header("Authorization", &ws.key)
            .header("Content-Type", "application/json")
            .body(raw);
        let (status, answer) = common::send(request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw}: {answer}");
        assert_dixa_error(&answer);
    }
    assert_eq!(list(&app, &ws).await, before);
}

#[tokio::test]
async fn unknown_malformed_and_other_workspaces_queue_ids_are_404() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let theirs = create(&app, &other, required("Theirs")).await;
    let mine = agent(&app, &ws, "Ada").await;
    for queue in [
        id(&theirs),
        uuid::Uuid::new_v4().to_string(),
        "not-a-uuid".into(),
    ] {
        let answers = [
            app.dixa(Method::GET, &format!("/v1/queues/{queue}"), &ws.key, None)
                .await,
            app.dixa(
                Method::GET,
                &format!("/v1/queues/{queue}/members"),
                &ws.key,
                None,
            )
            .await,
            assign(&app, &ws, &queue, json!({"agentIds": [mine]})).await,
            remove(&app, &ws, &queue, json!({"agentIds": [mine]})).await,
        ];
        for (status, body) in answers {
            assert_eq!(status, StatusCode::NOT_FOUND, "{queue}: {body}");
            assert_dixa_error(&body);
        }
    }
    assert_eq!(list(&app, &ws).await, json!([]));
    assert_eq!(members(&app, &other, &id(&theirs)).await, json!([]));
}

#[tokio::test]
async fn assigning_members_answers_one_outcome_per_id_in_order() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let queue = id(&create(&app, &ws, required("Support")).await);
    assert_eq!(members(&app, &ws, &queue).await, json!([]));
    let ada = agent(&app, &ws, "Ada").await;
    let bob = agent(&app, &ws, "Bob").await;
    let stranger = agent(&app, &other, "Stranger").await;
    let unknown = uuid::Uuid::new_v4().to_string();

    let (status, answer) = assign(
        &app,
        &ws,
        &queue,
        json!({"agentIds": [ada, unknown, "not-a-uuid", stranger, bob]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer,
        json!({"data": [
            {"_type": "BulkActionSuccess", "data": ada},
            {"_type": "BulkActionFailure",
             "error": {"_type": "NotFound", "id": unknown, "message": "User not found"}},
            {"_type": "BulkActionFailure",
             "error": {"_type": "Validation", "id": "not-a-uuid", "message": "Invalid UUID"}},
            {"_type": "BulkActionFailure",
             "error": {"_type": "NotFound", "id": stranger, "message": "User not found"}},
            {"_type": "BulkActionSuccess", "data": bob},
        ]})
    );
    assert_eq!(
        members(&app, &ws, &queue).await,
        json!([{"agentId": ada}, {"agentId": bob}])
    );

    // Members stay members, with their priority, when assigned again.
    let native = ws.path(&format!("/queues/{queue}/members/{ada}"));
    let (status, member) = app.put(&native, &ws.key, json!({"priority": 2})).await;
    assert_eq!(status, StatusCode::OK, "{member}");
    let (status, answer) = assign(&app, &ws, &queue, json!({"agentIds": [ada]})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer,
        json!({"data": [{"_type": "BulkActionSuccess", "data": ada}]})
    );
    assert_eq!(
        members(&app, &ws, &queue).await,
        json!([{"agentId": ada, "priority": 2}, {"agentId": bob}])
    );
}

#[tokio::test]
async fn refused_assignments_are_400_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let queue = id(&create(&app, &ws, required("Support")).await);
    let ada = agent(&app, &ws, "Ada").await;
    let bob = agent(&app, &ws, "Bob").await;
    assign(&app, &ws, &queue, json!({"agentIds": [ada]})).await;
    let before = members(&app, &ws, &queue).await;
    for body in [
        json!({"agentIds": [bob, bob]}),
        json!({"agentIds": [bob, bob.to_uppercase()]}),
        json!({"agentIds": ["x", "x"]}),
        json!({"agentIds": []}),
        json!({}),
        json!({"agentIds": null}),
        json!({"agentIds": bob}),
        json!({"agentIds": [1, 2]}),
        json!([bob]),
    ] {
        let (status, answer) = assign(&app, &ws, &queue, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_dixa_error(&answer);
    }
    assert_eq!(members(&app, &ws, &queue).await, before);
}

#[tokio::test]
async fn removing_members_answers_204_and_ignores_agents_that_are_no_members() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let queue = id(&create(&app, &ws, required("Support")).await);
    let ada = agent(&app, &ws, "Ada").await;
    let bob = agent(&app, &ws, "Bob").await;
    let cy = agent(&app, &ws, "Cy").await;
    assign(&app, &ws, &queue, json!({"agentIds": [ada, bob]})).await;

    let (status, body) = remove(&app, &ws, &queue, json!({"agentIds": [ada, cy]})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(body, Value::Null);
    assert_eq!(members(&app, &ws, &queue).await, json!([{"agentId": bob}]));
    let (status, _) = remove(&app, &ws, &queue, json!({"agentIds": [ada]})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "removing twice is fine");
}

#[tokio::test]
async fn removing_is_all_or_nothing_and_at_most_10() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let queue = id(&create(&app, &ws, required("Support")).await);
    let mut agents = vec![];
    for i in 0..11 {
        agents.push(agent(&app, &ws, &format!("A{i}")).await);
    }
    let (status, _) = assign(&app, &ws, &queue, json!({"agentIds": agents})).await;
    assert_eq!(status, StatusCode::OK);
    let before = members(&app, &ws, &queue).await;
    assert_eq!(before.as_array().unwrap().len(), 11);

    let (status, answer) = remove(&app, &ws, &queue, json!({"agentIds": agents})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "11 ids: {answer}");
    assert_dixa_error(&answer);

    let unknown = uuid::Uuid::new_v4().to_string();
    let stranger = agent(&app, &other, "Stranger").await;
    for outsider in [&unknown, &stranger] {
        let (status, answer) = remove(
            &app,
            &ws,
            &queue,
            json!({"agentIds": [agents[0], outsider, agents[1]]}),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
        assert_dixa_error(&answer);
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains(outsider.as_str()),
            "{answer}"
        );
    }
    for body in [
        json!({"agentIds": [agents[0], "not-a-uuid"]}),
        json!({"agentIds": [agents[0], agents[0]]}),
        json!({"agentIds": []}),
        json!({}),
        json!({"agentIds": "all"}),
    ] {
        let (status, answer) = remove(&app, &ws, &queue, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_dixa_error(&answer);
    }
    assert_eq!(members(&app, &ws, &queue).await, before, "nothing removed");

    let (status, _) = remove(&app, &ws, &queue, json!({"agentIds": agents[..10]})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        members(&app, &ws, &queue).await,
        json!([{"agentId": agents[10]}])
    );
}

#[tokio::test]
async fn an_agent_key_reads_queues_but_cannot_change_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let queue = id(&create(&app, &ws, required("Support")).await);
    let ada = agent(&app, &ws, "Ada").await;
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": ada}),
        )
        .await;
    let (status, listed) = app.dixa(Method::GET, "/v1/queues", &key, None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let members_path = format!("/v1/queues/{queue}/members");
    for (method, path, body) in [
        (
            Method::POST,
            "/v1/queues".to_owned(),
            json!({"request": required("Mine")}),
        ),
        (
            Method::PATCH,
            members_path.clone(),
            json!({"agentIds": [ada]}),
        ),
        (
            Method::DELETE,
            members_path.clone(),
            json!({"agentIds": [ada]}),
        ),
    ] {
        let (status, answer) = app.dixa(method, &path, &key, Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
        assert_dixa_error(&answer);
    }
    assert_eq!(list(&app, &ws).await.as_array().unwrap().len(), 1);
    assert_eq!(members(&app, &ws, &queue).await, json!([]));
}

#[tokio::test]
async fn a_queue_made_natively_is_the_one_dixa_returns() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, native) = app
        .post(
            &ws.path("/queues"),
            &ws.key,
            json!({"name": "Native", "offerAlgorithm": "OneAtATimeRandom", "offerTimeout": 15,
                   "doNotOfferTimeouts": {"Sms": 20}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{native}");
    let ada = agent(&app, &ws, "Ada").await;
    let (status, _) = app
        .put(
            &ws.path(&format!("/queues/{}/members/{ada}", id(&native))),
            &ws.key,
            json!({"priority": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, got) = app
        .dixa(
            Method::GET,
            &format!("/v1/queues/{}", id(&native)),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(
        got["data"],
        json!({
            "id": id(&native), "name": "Native", "isDefault": false, "organizationId": ws.id,
            "queueThresholds": {}, "slaCalculationMethod": "AbandonedIgnored",
            "doNotOfferTimeouts": {"Sms": 20}, "isDoNotOfferEnabled": false, "offerTimeout": 15,
            "offeringAlgorithm": "OneAtATimeRandom", "memberListType": "Default", "priority": 1
        })
    );
    assert_eq!(
        members(&app, &ws, &id(&native)).await,
        json!([{"agentId": ada, "priority": 5}])
    );
}
