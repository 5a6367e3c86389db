//! Dixa's end users at `/v1/endusers`: every endpoint of the seed with its status codes and
//! shapes (get, patch, put, anonymize, conversations, custom attributes), plus create and list.

mod common;

use common::{TestApp, Ws, assert_dixa_error, id};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn dixa_user(app: &TestApp, ws: &Ws, body: Value) -> Value {
    let (status, created) = app
        .dixa(Method::POST, "/v1/endusers", &ws.key, Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["data"].clone()
}

/// Sends a body as it is, with the bare key.
async fn dixa_raw(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: &str,
) -> (StatusCode, Value) {
    common::send(
        app.client
            .request(method, format!("{}{path}", app.base))
            .header("Authorization", key)
            .header("content-type", "application/json")
            .body(body.to_owned()),
    )
    .await
}

fn data_ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data in {list}"))
        .iter()
        .map(|v| match &v["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

#[tokio::test]
async fn an_end_user_reads_in_dixas_shape_leaving_out_unset_fields() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let created = dixa_user(
        &app,
        &ws,
        json!({"displayName": "Alice Brown", "email": "alice@brown.com",
               "phoneNumber": "+551155256325", "firstName": "Alice", "lastName": "Brown",
               "avatarUrl": "https://files.example/alice", "externalId": "#12345678"}),
    )
    .await;
    let user_id = id(&created);
    let (status, got) = app
        .dixa(
            Method::GET,
            &format!("/v1/endusers/{user_id}"),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(
        got,
        json!({"data": {
            "id": user_id, "createdAt": created["createdAt"], "displayName": "Alice Brown",
            "email": "alice@brown.com", "phoneNumber": "+551155256325",
            "additionalEmails": [], "additionalPhoneNumbers": [], "firstName": "Alice",
            "lastName": "Brown", "middleNames": [], "avatarUrl": "https://files.example/alice",
            "externalId": "#12345678", "customAttributes": []}})
    );
    assert_eq!(got["data"], created);

    let bare = dixa_user(&app, &ws, json!({})).await;
    let keys: Vec<&String> = bare.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "additionalEmails",
            "additionalPhoneNumbers",
            "createdAt",
            "customAttributes",
            "id",
            "middleNames"
        ],
        "{bare}"
    );

    // The same end user through the native API.
    let (status, native) = app
        .get(&ws.path(&format!("/endusers/{user_id}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(native["displayName"], "Alice Brown");
}

#[tokio::test]
async fn unknown_foreign_and_malformed_ids_are_404_in_dixas_shape() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let theirs = dixa_user(&app, &other, json!({"displayName": "Theirs"})).await;
    for user in [
        id(&theirs),
        uuid::Uuid::new_v4().to_string(),
        "not-a-uuid".into(),
    ] {
        for (method, path, body) in [
            (Method::GET, format!("/v1/endusers/{user}"), None),
            (
                Method::PATCH,
                format!("/v1/endusers/{user}"),
                Some(json!({"displayName": "X"})),
            ),
            (
                Method::PUT,
                format!("/v1/endusers/{user}"),
                Some(json!({"displayName": "X"})),
            ),
            (
                Method::PATCH,
                format!("/v1/endusers/{user}/anonymize"),
                None,
            ),
            (
                Method::PATCH,
                format!("/v1/endusers/{user}/anonymize?force=true"),
                None,
            ),
            (
                Method::GET,
                format!("/v1/endusers/{user}/conversations"),
                None,
            ),
            (
                Method::PATCH,
                format!("/v1/endusers/{user}/custom-attributes"),
                Some(json!({})),
            ),
        ] {
            let (status, body) = app.dixa(method.clone(), &path, &ws.key, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
            assert_dixa_error(&body);
        }
    }
    let (_, still) = app
        .dixa(
            Method::GET,
            &format!("/v1/endusers/{}", id(&theirs)),
            &other.key,
            None,
        )
        .await;
    assert_eq!(
        still["data"], theirs,
        "the other workspace's end user is untouched"
    );
}

#[tokio::test]
async fn patch_changes_what_it_names_and_put_replaces_everything() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let user = dixa_user(
        &app,
        &ws,
        json!({"displayName": "Alice", "email": "alice@example.org", "firstName": "Alice",
               "additionalEmails": ["a2@example.org"]}),
    )
    .await;
    let path = format!("/v1/endusers/{}", id(&user));
    let (status, patched) = app
        .dixa(
            Method::PATCH,
            &path,
            &ws.key,
            Some(json!({"lastName": "Brown", "middleNames": ["M"], "email": null})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let data = &patched["data"];
    assert_eq!(data["displayName"], "Alice");
    assert_eq!(data["lastName"], "Brown");
    assert_eq!(data["middleNames"], json!(["M"]));
    assert_eq!(data["additionalEmails"], json!(["a2@example.org"]));
    assert!(data.get("email").is_none(), "cleared and left out: {data}");

    let (status, put) = app
        .dixa(
            Method::PUT,
            &path,
            &ws.key,
            Some(json!({"displayName": "Alice B", "phoneNumber": "+4512345678"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(
        put["data"],
        json!({"id": user["id"], "createdAt": user["createdAt"], "displayName": "Alice B",
               "phoneNumber": "+4512345678", "additionalEmails": [],
               "additionalPhoneNumbers": [], "middleNames": [], "customAttributes": []})
    );
    let (_, read) = app.dixa(Method::GET, &path, &ws.key, None).await;
    assert_eq!(read, put);
}

#[tokio::test]
async fn bad_input_is_400_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let user = dixa_user(
        &app,
        &ws,
        json!({"displayName": "Alice", "externalId": "e-1"}),
    )
    .await;
    dixa_user(&app, &ws, json!({"externalId": "e-2"})).await;
    let path = format!("/v1/endusers/{}", id(&user));

    // PUT needs a displayName.
    for body in [
        json!({}),
        json!({"email": "a@b.c"}),
        json!({"displayName": null}),
    ] {
        let (status, answer) = app
            .dixa(Method::PUT, &path, &ws.key, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_dixa_error(&answer);
    }
    for body in [
        json!({"email": "nope"}),
        json!({"phoneNumber": "555"}),
        json!({"avatarUrl": "javascript:alert(1)"}),
        json!({"displayName": 7}),
        json!({"middleNames": "M"}),
        json!({"additionalEmails": [1]}),
        json!({"externalId": "e-2"}),
    ] {
        for method in [Method::PATCH, Method::PUT] {
            let mut body = body.clone();
            if method == Method::PUT && body.is_object() && body.get("displayName").is_none() {
                body["displayName"] = json!("Alice");
            }
            let (status, answer) = app
                .dixa(method.clone(), &path, &ws.key, Some(body.clone()))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {body}: {answer}");
            assert_dixa_error(&answer);
        }
    }
    for text in ["{\"displayName\": ", "not json", ""] {
        for method in [Method::PATCH, Method::PUT] {
            let (status, answer) = dixa_raw(&app, method, &path, &ws.key, text).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{text}: {answer}");
            assert_dixa_error(&answer);
        }
    }
    let (status, answer) = app
        .dixa(
            Method::POST,
            "/v1/endusers",
            &ws.key,
            Some(json!({"email": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_dixa_error(&answer);
    let (status, answer) = app
        .dixa(
            Method::POST,
            "/v1/endusers",
            &ws.key,
            Some(json!({"externalId": "e-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_dixa_error(&answer);

    let (_, read) = app.dixa(Method::GET, &path, &ws.key, None).await;
    assert_eq!(read["data"], user, "nothing changed");
    let (_, list) = app.dixa(Method::GET, "/v1/endusers", &ws.key, None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2, "nothing created");
}

#[tokio::test]
async fn the_list_pages_with_page_keys_and_filters() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let mut made = Vec::new();
    for i in 0..5 {
        let user = dixa_user(
            &app,
            &ws,
            json!({"displayName": format!("U{i}"), "email": format!("u{i}@example.org"),
                   "phoneNumber": format!("+4522222{i:03}"), "externalId": format!("x{i}")}),
        )
        .await;
        made.push(id(&user));
    }
    let (status, first) = app
        .dixa(Method::GET, "/v1/endusers?pageLimit=2", &ws.key, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(data_ids(&first), made[..2]);
    assert!(
        first["data"][0].get("customAttributes").is_none(),
        "lists leave custom attributes out: {first}"
    );
    let next = first["meta"]["next"].as_str().unwrap().to_owned();
    assert!(
        next.starts_with("/v1/endusers?pageLimit=2&pageKey="),
        "{next}"
    );
    let (_, second) = app.dixa(Method::GET, &next, &ws.key, None).await;
    assert_eq!(data_ids(&second), made[2..4]);
    let (_, last) = app
        .dixa(
            Method::GET,
            second["meta"]["next"].as_str().unwrap(),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(data_ids(&last), made[4..]);
    assert!(last.get("meta").is_none(), "{last}");

    for (query, expected) in [
        ("email=U1%40EXAMPLE.org", vec![made[1].clone()]),
        ("phone=%2B45%2022222-003", vec![made[3].clone()]),
        ("externalId=x4", vec![made[4].clone()]),
        ("email=none%40example.org", vec![]),
    ] {
        let (status, found) = app
            .dixa(Method::GET, &format!("/v1/endusers?{query}"), &ws.key, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {found}");
        assert_eq!(data_ids(&found), expected, "{query}");
    }
    // A filtered list's next page keeps its filter.
    for i in 0..3 {
        dixa_user(
            &app,
            &ws,
            json!({"email": "same@example.org", "displayName": format!("S{i}")}),
        )
        .await;
    }
    let (_, page) = app
        .dixa(
            Method::GET,
            "/v1/endusers?email=same%40example.org&pageLimit=2",
            &ws.key,
            None,
        )
        .await;
    let next = page["meta"]["next"].as_str().unwrap().to_owned();
    assert!(
        next.starts_with("/v1/endusers?email=same%40example.org&pageLimit=2"),
        "{next}"
    );
    let (_, rest) = app.dixa(Method::GET, &next, &ws.key, None).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1, "{rest}");
    assert_eq!(rest["data"][0]["displayName"], "S2");

    for query in [
        "email=a%40b.c&phone=%2B4512345678",
        "pageLimit=0",
        "pageLimit=1001",
        "pageLimit=ten",
        "pageKey=garbage",
    ] {
        let (status, body) = app
            .dixa(Method::GET, &format!("/v1/endusers?{query}"), &ws.key, None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_dixa_error(&body);
    }
}

#[tokio::test]
async fn conversations_are_listed_in_dixas_shape_with_pages() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let user = dixa_user(&app, &ws, json!({"displayName": "Alice"})).await;
    let user_id = id(&user);
    let mut made = Vec::new();
    for (channel, source) in [
        ("messaging", "widgetChat"),
        ("email", "email"),
        ("voice", "pstnPhone"),
        ("messaging", "sms"),
    ] {
        let (status, conversation) = app
            .post(
                &ws.path("/conversations"),
                &ws.key,
                json!({"channel": channel, "source": source, "endUserId": user_id}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{conversation}");
        made.push(conversation);
    }
    let (status, _) = app
        .post(
            &ws.path(&format!("/conversations/{}/close", id(&made[1]))),
            &ws.key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/v1/endusers/{user_id}/conversations");
    let (status, all) = app.dixa(Method::GET, &path, &ws.key, None).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert!(all.get("meta").is_none(), "{all}");
    let items = all["data"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let first = &items[0];
    assert_eq!(
        first,
        &json!({"_type": "ChatConversation", "id": made[0]["number"], "requesterId": user_id,
                "channel": "WidgetChat", "createdAt": made[0]["createdAt"],
                "direction": "Inbound", "state": "Open",
                "stateUpdatedAt": made[0]["statusUpdatedAt"]})
    );
    assert_eq!(items[1]["_type"], "EmailConversation");
    assert_eq!(items[1]["state"], "Closed");
    assert_eq!(items[2]["_type"], "PstnPhoneConversation");
    assert_eq!(items[2]["channel"], "PstnPhone");
    assert_eq!(items[3]["_type"], "SmsConversation");

    let (_, page) = app
        .dixa(Method::GET, &format!("{path}?pageLimit=3"), &ws.key, None)
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 3);
    let next = page["meta"]["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{path}?pageLimit=3&pageKey=")),
        "{next}"
    );
    let (_, rest) = app.dixa(Method::GET, next, &ws.key, None).await;
    assert_eq!(rest["data"][0]["id"], made[3]["number"]);

    for query in ["pageLimit=0", "pageLimit=-1", "pageLimit=x", "pageKey=nope"] {
        let (status, body) = app
            .dixa(Method::GET, &format!("{path}?{query}"), &ws.key, None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_dixa_error(&body);
    }
    let lonely = dixa_user(&app, &ws, json!({})).await;
    let (status, none) = app
        .dixa(
            Method::GET,
            &format!("/v1/endusers/{}/conversations", id(&lonely)),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none, json!({"data": []}));
}

async fn definition(app: &TestApp, ws: &Ws, body: Value) -> String {
    let (status, attribute) = app
        .post(&ws.path("/custom-attributes"), &ws.key, body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{attribute}");
    id(&attribute)
}

#[tokio::test]
async fn custom_attributes_are_patched_checked_and_removed_by_null() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let plan = definition(
        &app,
        &ws,
        json!({"entityType": "contact", "name": "Plan", "identifier": "plan",
               "input": {"type": "select", "options": [
                   {"label": "Free", "value": "free"}, {"label": "Pro", "value": "pro"},
                   {"label": "Old", "value": "old", "isDeactivated": true}]}}),
    )
    .await;
    let note = definition(
        &app,
        &ws,
        json!({"entityType": "contact", "name": "Note", "identifier": "note"}),
    )
    .await;
    let archived = definition(
        &app,
        &ws,
        json!({"entityType": "contact", "name": "Gone", "identifier": "gone",
               "isArchived": true}),
    )
    .await;
    let topic = definition(
        &app,
        &ws,
        json!({"entityType": "conversation", "name": "Topic", "identifier": "topic"}),
    )
    .await;
    let user = dixa_user(&app, &ws, json!({"displayName": "Alice"})).await;
    let path = format!("/v1/endusers/{}/custom-attributes", id(&user));

    let (status, patched) = app
        .dixa(
            Method::PATCH,
            &path,
            &ws.key,
            Some(json!({plan.clone(): ["pro"], note.clone(): "VIP"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        patched,
        json!({"data": [
            {"id": plan, "name": "Plan", "identifier": "plan", "value": ["pro"]},
            {"id": note, "name": "Note", "identifier": "note", "value": "VIP"}]})
    );
    let user_path = format!("/v1/endusers/{}", id(&user));
    let (_, read) = app.dixa(Method::GET, &user_path, &ws.key, None).await;
    assert_eq!(read["data"]["customAttributes"], patched["data"]);

    for body in [
        json!({uuid::Uuid::new_v4().to_string(): "x"}),
        json!({topic.clone(): "x"}),
        json!({note.clone(): 1}),
        json!({plan.clone(): "pro"}),
        json!({plan.clone(): ["platinum"]}),
        json!({plan.clone(): ["old"]}),
        json!({archived.clone(): "x"}),
        json!({note.clone(): "changed", plan.clone(): ["nope"]}),
        json!({"nope": "x"}),
        json!("text"),
    ] {
        let (status, answer) = app
            .dixa(Method::PATCH, &path, &ws.key, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_dixa_error(&answer);
    }
    let (status, answer) = dixa_raw(&app, Method::PATCH, &path, &ws.key, "{").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_dixa_error(&answer);
    assert_eq!(
        app.dixa(Method::GET, &user_path, &ws.key, None).await.1,
        read,
        "nothing changed"
    );

    let (status, patched) = app
        .dixa(
            Method::PATCH,
            &path,
            &ws.key,
            Some(json!({plan.clone(): null, archived: null})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        patched,
        json!({"data": [{"id": note, "name": "Note", "identifier": "note", "value": "VIP"}]})
    );
}

#[tokio::test]
async fn anonymize_answers_202_with_the_request_and_409_while_conversations_are_open() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let user = dixa_user(
        &app,
        &ws,
        json!({"displayName": "Alice", "email": "alice@example.org"}),
    )
    .await;
    let user_id = id(&user);
    let (status, conversation) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "messaging", "endUserId": user_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{conversation}");

    let path = format!("/v1/endusers/{user_id}/anonymize");
    for query in ["", "?force=false"] {
        let (status, refused) = app
            .dixa(Method::PATCH, &format!("{path}{query}"), &ws.key, None)
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_dixa_error(&refused);
    }
    let (status, bad) = app
        .dixa(Method::PATCH, &format!("{path}?force=maybe"), &ws.key, None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert_dixa_error(&bad);
    let user_path = format!("/v1/endusers/{user_id}");
    assert_eq!(
        app.dixa(Method::GET, &user_path, &ws.key, None).await.1["data"],
        user,
        "a refused anonymization changed nothing"
    );

    let (status, accepted) = app
        .dixa(Method::PATCH, &format!("{path}?force=true"), &ws.key, None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let request = &accepted["data"];
    assert_eq!(request["_type"], "User");
    assert_eq!(request["entityType"], "UserAnonymizationType");
    assert_eq!(request["targetEntityId"], user_id.as_str());
    assert!(
        request["id"]
            .as_str()
            .is_some_and(|i| uuid::Uuid::parse_str(i).is_ok())
    );
    assert!(
        request["requestedBy"]
            .as_str()
            .is_some_and(|i| uuid::Uuid::parse_str(i).is_ok()),
        "{request}"
    );
    assert!(
        request["initiatedAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(request["processedAt"], request["initiatedAt"]);
    assert_eq!(request.as_object().unwrap().len(), 7, "{request}");

    let (_, read) = app.dixa(Method::GET, &user_path, &ws.key, None).await;
    assert_eq!(
        read["data"],
        json!({"id": user_id, "createdAt": user["createdAt"], "additionalEmails": [],
               "additionalPhoneNumbers": [], "middleNames": [], "customAttributes": []})
    );
    let (_, conversations) = app
        .dixa(
            Method::GET,
            &format!("/v1/endusers/{user_id}/conversations"),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(conversations["data"][0]["state"], "Closed");

    // Again: the same request, still 202.
    let (status, again) = app.dixa(Method::PATCH, &path, &ws.key, None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again, accepted);

    // An anonymized end user refuses changes with Dixa's 400.
    for (method, target, body) in [
        (
            Method::PATCH,
            user_path.clone(),
            json!({"displayName": "Back"}),
        ),
        (
            Method::PUT,
            user_path.clone(),
            json!({"displayName": "Back"}),
        ),
        (
            Method::PATCH,
            format!("/v1/endusers/{user_id}/custom-attributes"),
            json!({}),
        ),
    ] {
        let (status, answer) = app.dixa(method, &target, &ws.key, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_dixa_error(&answer);
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .starts_with("Validation failure during update"),
            "{answer}"
        );
    }
}
