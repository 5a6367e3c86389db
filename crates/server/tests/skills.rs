//! Skills over HTTP: `/workspaces/{workspaceId}/skills`, and skills assigned to agents through
//! `PATCH /agents/{id}` `assignedSkills`.

mod common;

use common::{TestApp, Ws, assert_error, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn skill(app: &TestApp, ws: &Ws, body: Value) -> Value {
    let (status, skill) = app.post(&ws.path("/skills"), &ws.key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{skill}");
    skill
}

/// The id of the value `value` of a skill.
fn value_id(skill: &Value, value: &str) -> String {
    skill["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == value)
        .map(id)
        .unwrap_or_else(|| panic!("no value {value} in {skill}"))
}

async fn languages_skill(app: &TestApp, ws: &Ws) -> Value {
    skill(
        app,
        ws,
        json!({"name": "Languages", "valueType": "multiple",
               "values": [{"value": "English"}, {"value": "Dutch", "icon": "🇳🇱"}, {"value": "German"}]}),
    )
    .await
}

async fn tier_skill(app: &TestApp, ws: &Ws) -> Value {
    skill(
        app,
        ws,
        json!({"name": "Tier", "valueType": "single", "values": [{"value": "1"}, {"value": "2"}]}),
    )
    .await
}

#[tokio::test]
async fn creating_a_skill_answers_201_with_its_values() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, created) = app
        .post(
            &ws.path("/skills"),
            &ws.key,
            json!({"name": "Languages", "description": "Spoken", "valueType": "multiple",
                   "values": [{"value": "English"}, {"value": "Dutch", "icon": "🇳🇱"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], "Languages");
    assert_eq!(created["description"], "Spoken");
    assert_eq!(created["valueType"], "multiple");
    assert_eq!(created["workspaceId"], ws.id.as_str());
    let values = created["values"].as_array().unwrap();
    assert_eq!(values.len(), 2);
    assert_eq!(values[0]["value"], "English");
    assert_eq!(values[0]["icon"], Value::Null);
    assert_eq!(values[1]["icon"], "🇳🇱");
    assert_ne!(values[0]["id"], values[1]["id"]);
    assert!(created["createdBy"].is_string(), "{created}");
    assert_eq!(created["createdAt"], created["updatedAt"]);

    let (status, single) = app
        .post(&ws.path("/skills"), &ws.key, json!({"name": "Tier"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{single}");
    assert_eq!(single["valueType"], "single", "single is the default");
    assert_eq!(single["values"], json!([]));

    let (status, got) = app
        .get(&ws.path(&format!("/skills/{}", id(&created))), &ws.key)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, created);

    let (status, list) = app.get(&ws.path("/skills?limit=1"), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 2);
    assert_eq!(list["results"][0]["id"], created["id"]);
    let token = list["nextPageToken"].as_str().expect("a second page");
    let (status, rest) = app
        .get(
            &ws.path(&format!("/skills?limit=1&pageToken={token}")),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rest}");
    assert_eq!(rest["results"][0]["id"], single["id"]);
    assert!(rest.get("nextPageToken").is_none(), "{rest}");
}

#[tokio::test]
async fn invalid_skills_are_refused_with_422() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let cases = [
        json!({}),
        json!({"name": ""}),
        json!({"name": "x".repeat(101)}),
        json!({"name": "Tier", "valueType": "several"}),
        json!({"name": "Tier", "valueType": "Single"}),
        json!({"name": "Tier", "values": [{"value": ""}]}),
        json!({"name": "Tier", "values": [{"value": "a"}, {"value": "A"}]}),
        json!({"name": "Tier", "values": [{"icon": "no value"}]}),
        json!({"name": "Tier", "values": "1,2"}),
    ];
    for body in cases {
        let (status, answer) = app.post(&ws.path("/skills"), &ws.key, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_error(&answer, "invalid");
    }
    let (_, list) = app.get(&ws.path("/skills"), &ws.key).await;
    assert_eq!(list["total"], 0, "{list}");

    let tier = tier_skill(&app, &ws).await;
    let path = ws.path(&format!("/skills/{}", id(&tier)));
    let (status, answer) = app
        .patch(&path, &ws.key, json!({"valueType": "many"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_error(&answer, "invalid");
    let (_, unchanged) = app.get(&path, &ws.key).await;
    assert_eq!(unchanged, tier);
}

#[tokio::test]
async fn a_skill_assigned_to_an_agent_shows_with_its_name_type_and_selected_values() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let languages = languages_skill(&app, &ws).await;
    let tier = tier_skill(&app, &ws).await;
    let agent = app.agent(&ws, json!({"name": "Ann"})).await;
    assert_eq!(agent["assignedSkills"], json!([]));
    let path = ws.path(&format!("/agents/{}", id(&agent)));

    let (status, updated) = app
        .patch(
            &path,
            &ws.key,
            json!({"assignedSkills": [
                {"id": id(&languages), "selectedValues": [{"id": value_id(&languages, "English")},
                                                         {"id": value_id(&languages, "Dutch")}]},
                {"id": id(&tier), "selectedValues": [{"id": value_id(&tier, "2")}]}
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let expected = json!([
        {"id": id(&languages), "name": "Languages", "valueType": "multiple", "selectedValues": [
            {"id": value_id(&languages, "English"), "value": "English", "icon": null},
            {"id": value_id(&languages, "Dutch"), "value": "Dutch", "icon": "🇳🇱"}]},
        {"id": id(&tier), "name": "Tier", "valueType": "single", "selectedValues": [
            {"id": value_id(&tier, "2"), "value": "2", "icon": null}]}
    ]);
    assert_eq!(updated["assignedSkills"], expected);
    let (status, got) = app.get(&path, &ws.key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["assignedSkills"], expected);

    // Skills given at creation are checked and shown the same way.
    let bob = app
        .agent(
            &ws,
            json!({"name": "Bob", "assignedSkills": [{"id": id(&tier), "selectedValues": [{"id": value_id(&tier, "1")}]}]}),
        )
        .await;
    assert_eq!(
        bob["assignedSkills"][0]["selectedValues"][0]["value"], "1",
        "{bob}"
    );

    // An empty list takes every skill away.
    let (status, cleared) = app
        .patch(&path, &ws.key, json!({"assignedSkills": []}))
        .await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert_eq!(cleared["assignedSkills"], json!([]));
}

#[tokio::test]
async fn assignments_that_break_a_skill_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let languages = languages_skill(&app, &ws).await;
    let tier = tier_skill(&app, &ws).await;
    let agent = app.agent(&ws, json!({"name": "Ann"})).await;
    let path = ws.path(&format!("/agents/{}", id(&agent)));
    let (status, before) = app
        .patch(&path, &ws.key, json!({"assignedSkills": [{"id": id(&tier), "selectedValues": [{"id": value_id(&tier, "1")}]}]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{before}");

    let other = app.workspace().await;
    let foreign = tier_skill(&app, &other).await;
    let unknown = "00000000-0000-4000-8000-000000000002";
    let cases = [
        // A skill that does not exist.
        json!([{"id": unknown, "selectedValues": []}]),
        // A skill of another workspace.
        json!([{"id": id(&foreign), "selectedValues": [{"id": value_id(&foreign, "1")}]}]),
        // A value of another skill.
        json!([{"id": id(&tier), "selectedValues": [{"id": value_id(&languages, "English")}]}]),
        // A value that does not exist.
        json!([{"id": id(&languages), "selectedValues": [{"id": unknown}]}]),
        // Two values on a single skill.
        json!([{"id": id(&tier), "selectedValues": [{"id": value_id(&tier, "1")}, {"id": value_id(&tier, "2")}]}]),
        // The same skill twice.
        json!([{"id": id(&tier), "selectedValues": []}, {"id": id(&tier), "selectedValues": []}]),
        // Not a skill id at all.
        json!([{"id": "tier", "selectedValues": []}]),
    ];
    for skills in cases {
        let (status, body) = app
            .patch(&path, &ws.key, json!({"assignedSkills": skills}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{skills}: {body}");
        assert_error(&body, "invalid");
    }
    let (_, after) = app.get(&path, &ws.key).await;
    assert_eq!(after["assignedSkills"], before["assignedSkills"]);
    assert_eq!(after["updatedAt"], before["updatedAt"]);

    let (status, body) = app
        .post(
            &ws.path("/agents"),
            &ws.key,
            json!({"name": "Bob", "assignedSkills": [{"id": unknown, "selectedValues": []}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, agents) = app.get(&ws.path("/agents"), &ws.key).await;
    assert_eq!(agents["total"], 1, "{agents}");
}

#[tokio::test]
async fn a_skill_can_be_updated_and_its_agents_follow() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let languages = languages_skill(&app, &ws).await;
    let english = value_id(&languages, "English");
    let dutch = value_id(&languages, "Dutch");
    let agent = app.agent(&ws, json!({"name": "Ann"})).await;
    let agent_path = ws.path(&format!("/agents/{}", id(&agent)));
    let (status, _) = app
        .patch(&agent_path, &ws.key, json!({"assignedSkills": [{"id": id(&languages), "selectedValues": [{"id": english}, {"id": dutch}]}]}))
        .await;
    assert_eq!(status, StatusCode::OK);

    // Rename the skill, keep English (by id) renamed, drop Dutch and German, add French.
    let path = ws.path(&format!("/skills/{}", id(&languages)));
    let (status, updated) = app
        .patch(
            &path,
            &ws.key,
            json!({"name": "Spoken languages", "description": null,
                   "values": [{"id": english, "value": "English (UK)"}, {"value": "French"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Spoken languages");
    assert_eq!(updated["valueType"], "multiple");
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(
        value_id(&updated, "English (UK)"),
        english,
        "a value keeps its id"
    );
    assert_eq!(updated["values"].as_array().unwrap().len(), 2);
    assert_eq!(updated["createdAt"], languages["createdAt"]);
    let (_, got) = app.get(&path, &ws.key).await;
    assert_eq!(got, updated);

    let (status, shown) = app.get(&agent_path, &ws.key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        shown["assignedSkills"],
        json!([{"id": id(&languages), "name": "Spoken languages", "valueType": "multiple",
                "selectedValues": [{"id": english, "value": "English (UK)", "icon": null}]}])
    );

    // The agent can still be changed although it held a value that is gone.
    let (status, body) = app
        .patch(&agent_path, &ws.key, json!({"bio": "polyglot"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .patch(
            &ws.path(&format!("/agents/{}/availability", id(&agent))),
            &ws.key,
            json!({"status": "away"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_deleted_skill_disappears_from_its_agents() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let languages = languages_skill(&app, &ws).await;
    let tier = tier_skill(&app, &ws).await;
    let agent = app.agent(&ws, json!({"name": "Ann"})).await;
    let agent_path = ws.path(&format!("/agents/{}", id(&agent)));
    let (status, _) = app
        .patch(
            &agent_path,
            &ws.key,
            json!({"assignedSkills": [
                {"id": id(&languages), "selectedValues": [{"id": value_id(&languages, "German")}]},
                {"id": id(&tier), "selectedValues": [{"id": value_id(&tier, "1")}]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let path = ws.path(&format!("/skills/{}", id(&languages)));
    let (status, body) = app.delete(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = app.get(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    let (status, _) = app.delete(&path, &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, shown) = app.get(&agent_path, &ws.key).await;
    let skills = shown["assignedSkills"].as_array().unwrap();
    assert_eq!(skills.len(), 1, "{shown}");
    assert_eq!(skills[0]["id"], id(&tier).as_str());

    // The agent can still be changed, its availability too.
    let (status, body) = app
        .patch(&agent_path, &ws.key, json!({"name": "Ann B."}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["assignedSkills"].as_array().unwrap().len(), 1);
    let (status, body) = app
        .patch(
            &ws.path(&format!("/agents/{}/availability", id(&agent))),
            &ws.key,
            json!({"status": "active"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, list) = app.get(&ws.path("/skills"), &ws.key).await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn skills_of_one_workspace_are_invisible_and_untouchable_from_another() {
    let app = TestApp::spawn().await;
    let a = app.workspace().await;
    let b = app.workspace().await;
    let tier = tier_skill(&app, &a).await;
    let path = a.path(&format!("/skills/{}", id(&tier)));
    for (status, body) in [
        app.get(&a.path("/skills"), &b.key).await,
        app.get(&path, &b.key).await,
        app.post(&a.path("/skills"), &b.key, json!({"name": "Theirs"}))
            .await,
        app.patch(&path, &b.key, json!({"name": "Taken"})).await,
        app.delete(&path, &b.key).await,
        app.get(&b.path(&format!("/skills/{}", id(&tier))), &b.key)
            .await,
        app.patch(
            &b.path(&format!("/skills/{}", id(&tier))),
            &b.key,
            json!({"name": "Taken"}),
        )
        .await,
        app.delete(&b.path(&format!("/skills/{}", id(&tier))), &b.key)
            .await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error(&body, "not_found");
    }
    let (_, unchanged) = app.get(&path, &a.key).await;
    assert_eq!(unchanged, tier);
}

#[tokio::test]
async fn an_agent_key_may_read_skills_but_not_change_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let tier = tier_skill(&app, &ws).await;
    let agent = app.agent(&ws, json!({"name": "Ann"})).await;
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": id(&agent)}),
        )
        .await;
    let path = ws.path(&format!("/skills/{}", id(&tier)));

    let (status, list) = app.get(&ws.path("/skills"), &key).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 1);
    let (status, got) = app.get(&path, &key).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, tier);
    app.assert_forbidden_changes(
        &key,
        &ws.path("/skills"),
        json!({"name": "Mine"}),
        &path,
        json!({"name": "Renamed"}),
    )
    .await;
    let (_, unchanged) = app.get(&path, &ws.key).await;
    assert_eq!(unchanged, tier);
}

#[tokio::test]
async fn a_skill_cannot_become_single_while_an_agent_holds_several_of_its_values() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let languages = languages_skill(&app, &ws).await;
    let agent = app.agent(&ws, json!({"name": "Ann"})).await;
    let agent_path = ws.path(&format!("/agents/{}", id(&agent)));
    let two = json!({"assignedSkills": [{"id": id(&languages), "selectedValues": [
        {"id": value_id(&languages, "English")}, {"id": value_id(&languages, "Dutch")}]}]});
    let (status, body) = app.patch(&agent_path, &ws.key, two).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let path = ws.path(&format!("/skills/{}", id(&languages)));
    let (status, body) = app
        .patch(&path, &ws.key, json!({"valueType": "single"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    let (_, unchanged) = app.get(&path, &ws.key).await;
    assert_eq!(unchanged, languages);

    // Once the agent holds one value, the skill may become single.
    let one = json!({"assignedSkills": [{"id": id(&languages), "selectedValues": [
        {"id": value_id(&languages, "Dutch")}]}]});
    let (status, body) = app.patch(&agent_path, &ws.key, one).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .patch(&path, &ws.key, json!({"valueType": "single"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["valueType"], "single");
    let (_, shown) = app.get(&agent_path, &ws.key).await;
    assert_eq!(shown["assignedSkills"][0]["valueType"], "single", "{shown}");
    let (status, body) = app
        .patch(&agent_path, &ws.key, json!({"bio": "single now"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_value_id_must_be_one_of_the_skills_own_values() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let languages = languages_skill(&app, &ws).await;
    let english = value_id(&languages, "English");

    // A new skill cannot borrow another skill's value id, nor make one up.
    for id_given in [english.as_str(), "00000000-0000-4000-8000-000000000005"] {
        let body = json!({"name": "Copy", "values": [{"id": id_given, "value": "English"}]});
        let (status, answer) = app.post(&ws.path("/skills"), &ws.key, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_error(&answer, "invalid");
    }

    // An update keeps its own ids, once each.
    let path = ws.path(&format!("/skills/{}", id(&languages)));
    let tier = tier_skill(&app, &ws).await;
    let cases = [
        json!({"values": [{"id": value_id(&tier, "1"), "value": "One"}]}),
        json!({"values": [{"id": english, "value": "English"}, {"id": english, "value": "British"}]}),
    ];
    for change in cases {
        let (status, answer) = app.patch(&path, &ws.key, change.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{change}: {answer}"
        );
        assert_error(&answer, "invalid");
    }
    let (_, unchanged) = app.get(&path, &ws.key).await;
    assert_eq!(unchanged, languages);
}
