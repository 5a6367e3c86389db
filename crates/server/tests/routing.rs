//! Routing over HTTP: conversations in a queue are offered to its members, who learn of offers
//! on their event stream and accept or decline them; closing starts wrap-up; offers survive a
//! restart.

mod common;

use common::sse::Stream;
use common::{TestApp, Ws, id};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An available agent with its own key.
async fn agent(app: &TestApp, ws: &Ws, name: &str) -> (String, String) {
    let agent = app.agent(ws, json!({"name": name})).await;
    let agent_id = id(&agent);
    let key = app
        .api_key(
            &ws.id,
            json!({"name": name, "role": "agent", "agentId": agent_id}),
        )
        .await;
    let path = ws.path(&format!("/agents/{agent_id}/availability"));
    let (status, body) = app.patch(&path, &ws.key, json!({"status": "active"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (agent_id, key)
}

async fn queue(app: &TestApp, ws: &Ws, body: Value, members: &[&str]) -> String {
    let (status, queue) = app.post(&ws.path("/queues"), &ws.key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{queue}");
    let queue = id(&queue);
    for member in members {
        let path = ws.path(&format!("/queues/{queue}/members/{member}"));
        let (status, body) = app.put(&path, &ws.key, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    queue
}

async fn conversation(app: &TestApp, ws: &Ws, queue: &str) -> Value {
    let (status, created) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "messaging", "queueId": queue}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

async fn act(
    app: &TestApp,
    ws: &Ws,
    conversation: &str,
    action: &str,
    key: &str,
) -> (StatusCode, Value) {
    let path = ws.path(&format!("/conversations/{conversation}/{action}"));
    app.post(&path, key, json!({})).await
}

#[tokio::test]
async fn an_offer_reaches_the_agent_who_accepts_closes_and_wraps_up() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, ada_key) = agent(&app, &ws, "Ada").await;
    let queue = queue(
        &app,
        &ws,
        json!({"name": "Support", "wrapupTimeout": 1}),
        &[&ada],
    )
    .await;
    let mut stream = Stream::open(&app, &ws.path("/agents/me/events"), &ada_key, None).await;

    let created = conversation(&app, &ws, &queue).await;
    assert_eq!(created["status"], "offered", "{created}");
    let conversation = id(&created);
    let offered = loop {
        let event = stream.next().await;
        if event.kind == "conversation.offered" {
            break event;
        }
    };
    assert_eq!(
        offered.data["data"]["conversationId"],
        conversation.as_str()
    );
    assert_eq!(offered.data["data"]["agentId"], ada.as_str());
    let my_state = ws.path("/agents/me/presence");
    let (status, ringing) = app.get(&my_state, &ada_key).await;
    assert_eq!(status, StatusCode::OK, "{ringing}");
    assert_eq!(
        ringing,
        json!({"presence": "available", "activity": "available", "work": "offered", "status": "ringing"})
    );

    let (status, accepted) = act(&app, &ws, &conversation, "accept", &ada_key).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["status"], "assigned");
    let ada_state = ws.path(&format!("/agents/{ada}/presence"));
    let (_, busy) = app.get(&ada_state, &ws.key).await;
    assert_eq!(
        (&busy["work"], &busy["status"]),
        (&json!("engaged"), &json!("busy"))
    );
    assert_eq!(accepted["assigneeId"], ada.as_str());
    let (status, again) = act(&app, &ws, &conversation, "accept", &ada_key).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let workload = ws.path(&format!("/agents/{ada}/workload"));
    let (_, held) = app.get(&workload, &ws.key).await;
    assert_eq!(
        held["workload"],
        json!({"email": 0, "messaging": 1}),
        "Bird's workload counts it"
    );

    let (status, closed) = act(&app, &ws, &conversation, "close", &ada_key).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "wrapUp");
    let (_, wrapping_up) = app.get(&ada_state, &ws.key).await;
    assert_eq!(
        (&wrapping_up["work"], &wrapping_up["status"]),
        (&json!("wrap_up"), &json!("busy"))
    );
    // The queue's wrap-up of one second runs out by itself.
    let ended = loop {
        let event = stream.next().await;
        if event.kind == "conversation.closed" {
            break event;
        }
    };
    assert_eq!(ended.data["conversationId"], conversation.as_str());
    let (_, read) = app
        .get(&ws.path(&format!("/conversations/{conversation}")), &ws.key)
        .await;
    assert_eq!(read["status"], "closed");
    let (_, held) = app.get(&workload, &ws.key).await;
    assert_eq!(held["workload"], json!({"email": 0, "messaging": 0}));
    let (_, free) = app.get(&ada_state, &ws.key).await;
    assert_eq!(
        (&free["work"], &free["status"]),
        (&json!("idle"), &json!("available"))
    );
    let (_, history) = app
        .get(
            &ws.path(&format!("/conversations/{conversation}/history")),
            &ws.key,
        )
        .await;
    let kinds: Vec<&str> = history["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "conversation.created",
        "conversation.offered",
        "conversation.assigned",
        "conversation.wrap_up_started",
        "conversation.closed",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn a_declined_offer_goes_to_the_next_agent_and_only_the_offered_agent_may_accept() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, ada_key) = agent(&app, &ws, "Ada").await;
    let (bob, bob_key) = agent(&app, &ws, "Bob").await;
    let queue = queue(
        &app,
        &ws,
        json!({"name": "Support", "offerAlgorithm": "OneAtATimeRandom"}),
        &[&ada, &bob],
    )
    .await;
    let conversation = id(&conversation(&app, &ws, &queue).await);
    let offered_to = |history: &Value| -> Vec<String> {
        history["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "conversation.offered")
            .map(|e| e["data"]["agentId"].as_str().unwrap().to_owned())
            .collect()
    };
    let history_path = ws.path(&format!("/conversations/{conversation}/history"));
    let first = offered_to(&app.get(&history_path, &ws.key).await.1);
    assert_eq!(first.len(), 1, "one at a time");
    let (first_key, other_key, other) = if first[0] == ada {
        (&ada_key, &bob_key, &bob)
    } else {
        (&bob_key, &ada_key, &ada)
    };
    let (status, _) = act(&app, &ws, &conversation, "accept", other_key).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the other agent holds no offer"
    );
    let (status, declined) = act(&app, &ws, &conversation, "decline", first_key).await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    let offers = offered_to(&app.get(&history_path, &ws.key).await.1);
    assert_eq!(offers.last(), Some(other), "the next agent is offered it");
    let (status, accepted) = act(&app, &ws, &conversation, "accept", other_key).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["assigneeId"], other.as_str());
}

#[tokio::test]
async fn an_offer_out_at_a_restart_is_honoured_after_it() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, ada_key) = agent(&app, &ws, "Ada").await;
    let queue = queue(
        &app,
        &ws,
        json!({"name": "Support", "offerTimeout": 600}),
        &[&ada],
    )
    .await;
    let conversation = id(&conversation(&app, &ws, &queue).await);
    let app = app.restart().await;
    let (status, accepted) = act(&app, &ws, &conversation, "accept", &ada_key).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["status"], "assigned");
    assert_eq!(accepted["assigneeId"], ada.as_str());
}

#[tokio::test]
async fn a_do_not_offer_window_outlives_a_restart() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, ada_key) = agent(&app, &ws, "Ada").await;
    let body = json!({"name": "Support", "isDoNotOfferEnabled": true,
        "doNotOfferTimeouts": {"WidgetChat": 600}});
    let queue = queue(&app, &ws, body, &[&ada]).await;
    let declined_one = id(&conversation(&app, &ws, &queue).await);
    let (status, declined) = act(&app, &ws, &declined_one, "decline", &ada_key).await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    assert_eq!(
        declined["status"], "pending",
        "Ada is not offered it again for 600 s"
    );

    // After a restart Ada, the only member, is still kept from it, though routing starts anew.
    let app = app.restart().await;
    let other = id(&conversation(&app, &ws, &queue).await);
    assert_eq!(
        offered_to(&app, &ws, &other).await,
        std::slice::from_ref(&ada)
    );
    assert_eq!(offered_to(&app, &ws, &declined_one).await, [ada]);
    assert_eq!(read(&app, &ws, &declined_one).await["status"], "pending");
}

#[tokio::test]
async fn a_wait_for_a_personal_agent_begun_before_a_restart_ends_on_time_after_it() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, _) = agent(&app, &ws, "Ada").await;
    let (bob, _) = agent(&app, &ws, "Bob").await;
    let body = json!({"name": "Support", "personalAgentOfflineTimeout": 4});
    let queue = queue(&app, &ws, body, &[&ada, &bob]).await;
    let away = ws.path(&format!("/agents/{bob}/availability"));
    app.patch(&away, &ws.key, json!({"status": "away"})).await;
    let body = json!({"channel": "messaging", "queueId": queue, "agentId": bob});
    let (status, personal) = app.post(&ws.path("/conversations"), &ws.key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{personal}");
    let created = std::time::Instant::now();
    let personal = id(&personal);

    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let app = app.restart().await;
    // The wait counts from the creation (4 s), not from the restart (which would end it 6 s
    // after the creation at the earliest).
    tokio::time::sleep(std::time::Duration::from_secs(5).saturating_sub(created.elapsed())).await;
    let conversation = read(&app, &ws, &personal).await;
    assert_eq!(conversation["agentId"], Value::Null, "{conversation}");
    assert_eq!(offered_to(&app, &ws, &personal).await, [ada]);
}

#[tokio::test]
async fn creates_arriving_together_are_stored_or_refused_one_by_one() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, _) = agent(&app, &ws, "Ada").await;
    let queue = queue(&app, &ws, json!({"name": "Support"}), &[&ada]).await;
    let missing = "01a20029-9ec2-7550-8910-115efa7d129d";
    // Good and bad creates at once, so that routing takes several of them in one batch.
    let bodies: Vec<(bool, Value)> = (0..30)
        .map(|i| match i % 3 {
            0 => (true, json!({"channel": "messaging", "queueId": queue})),
            1 => (false, json!({"channel": "messaging", "queueId": missing})),
            _ => (
                false,
                json!({"channel": "messaging", "queueId": queue, "agentId": missing}),
            ),
        })
        .collect();
    let path = ws.path("/conversations");
    let answers = futures::future::join_all(
        bodies
            .iter()
            .map(|(_, body)| app.post(&path, &ws.key, body.clone())),
    )
    .await;
    let mut stored = Vec::new();
    for ((good, body), (status, answer)) in bodies.iter().zip(answers) {
        if *good {
            assert_eq!(status, StatusCode::CREATED, "{body}: {answer}");
            stored.push(answer["number"].as_i64().unwrap());
        } else {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        }
    }
    stored.sort_unstable();
    stored.dedup();
    assert_eq!(
        stored.len(),
        10,
        "each stored conversation has its own number"
    );
    let (_, listed) = app.get(&ws.path("/conversations?limit=100"), &ws.key).await;
    assert_eq!(listed["results"].as_array().unwrap().len(), 10, "{listed}");
}

async fn read(app: &TestApp, ws: &Ws, conversation: &str) -> Value {
    app.get(&ws.path(&format!("/conversations/{conversation}")), &ws.key)
        .await
        .1
}

/// The agents a conversation was offered to, in order.
async fn offered_to(app: &TestApp, ws: &Ws, conversation: &str) -> Vec<String> {
    let path = ws.path(&format!("/conversations/{conversation}/history"));
    app.get(&path, &ws.key).await.1["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "conversation.offered")
        .map(|e| e["data"]["agentId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_offer_nobody_takes_expires_and_moves_on() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, _) = agent(&app, &ws, "Ada").await;
    let (bob, _) = agent(&app, &ws, "Bob").await;
    let body = json!({"name": "Support", "offerAlgorithm": "LongestIdle", "offerTimeout": 1});
    let queue = queue(&app, &ws, body, &[&ada, &bob]).await;
    let conversation = id(&conversation(&app, &ws, &queue).await);
    let first = offered_to(&app, &ws, &conversation).await;
    assert_eq!(first.len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    let offers = offered_to(&app, &ws, &conversation).await;
    assert!(offers.len() >= 2, "{offers:?}");
    assert_ne!(
        offers[1], offers[0],
        "the next agent gets it after the timeout"
    );
    assert_eq!(read(&app, &ws, &conversation).await["status"], "offered");
}

#[tokio::test]
async fn an_agent_who_steps_away_loses_its_offer_to_another() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, _) = agent(&app, &ws, "Ada").await;
    let queue = queue(&app, &ws, json!({"name": "Support"}), &[&ada]).await;
    let conversation = id(&conversation(&app, &ws, &queue).await);
    assert_eq!(
        offered_to(&app, &ws, &conversation).await,
        std::slice::from_ref(&ada)
    );

    // Ada goes away through Bird, and Bob joins: routing hears of each change at once (the
    // answer comes once it has), so the offer has moved by the time the PUT answers.
    let away = ws.path(&format!("/agents/{ada}/availability"));
    app.patch(&away, &ws.key, json!({"status": "away"})).await;
    assert_eq!(read(&app, &ws, &conversation).await["status"], "pending");
    let (_, ada_now) = app
        .get(&ws.path(&format!("/agents/{ada}/presence")), &ws.key)
        .await;
    assert_eq!(
        ada_now,
        json!({"presence": "away", "activity": "available", "work": "idle", "status": "away"})
    );
    let (bob, bob_key) = agent(&app, &ws, "Bob").await;
    let path = ws.path(&format!("/queues/{queue}/members/{bob}"));
    app.put(&path, &ws.key, json!({})).await;
    let offers = offered_to(&app, &ws, &conversation).await;
    assert_eq!(offers, [ada.clone(), bob.clone()]);
    let (status, accepted) = act(&app, &ws, &conversation, "accept", &bob_key).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
}

#[tokio::test]
async fn supervisors_assign_transfer_unassign_and_customers_abandon() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, _) = agent(&app, &ws, "Ada").await;
    let (bob, _) = agent(&app, &ws, "Bob").await;
    let support = queue(&app, &ws, json!({"name": "Support"}), &[&ada]).await;
    let sales = queue(&app, &ws, json!({"name": "Sales"}), &[&bob]).await;

    let first = id(&conversation(&app, &ws, &support).await);
    let path = |action: &str| ws.path(&format!("/conversations/{first}/{action}"));
    let (status, moved) = app
        .post(&path("transfer"), &ws.key, json!({"queueId": sales}))
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["queueId"], sales.as_str());
    assert_eq!(offered_to(&app, &ws, &first).await.last(), Some(&bob));

    let (status, assigned) = app
        .post(&path("assign"), &ws.key, json!({"agentId": bob}))
        .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assert_eq!(assigned["status"], "assigned");
    assert_eq!(assigned["assigneeId"], bob.as_str());

    let (status, back) = app.post(&path("unassign"), &ws.key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_ne!(back["status"], "assigned");
    assert_eq!(back["assigneeId"], Value::Null);

    let (status, bad) = app
        .post(
            &path("transfer"),
            &ws.key,
            json!({"queueId": sales, "teamId": sales}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");

    let (status, left) = act(&app, &ws, &first, "abandon", &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{left}");
    assert_eq!(left["status"], "abandoned");
    let (status, _) = act(&app, &ws, &first, "abandon", &ws.key).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an abandoned conversation is routed no more"
    );
}

#[tokio::test]
async fn a_conversation_closed_outside_routing_stays_closed_and_its_offer_ends() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, _) = agent(&app, &ws, "Ada").await;
    let queue = queue(&app, &ws, json!({"name": "Support"}), &[&ada]).await;
    let (_, grace) = app
        .post(
            &ws.path("/endusers"),
            &ws.key,
            json!({"displayName": "Grace"}),
        )
        .await;
    let (status, created) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "messaging", "queueId": queue, "endUserId": id(&grace)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "offered");
    let forgotten = id(&created);

    // Forgetting the end user closes the conversation in the store, outside routing.
    let forget = ws.path(&format!("/endusers/{}/anonymize?force=true", id(&grace)));
    let (status, _) = app.post(&forget, &ws.key, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(read(&app, &ws, &forgotten).await["status"], "closed");
    let path = ws.path(&format!("/conversations/{forgotten}/history"));
    let (_, history) = app.get(&path, &ws.key).await;
    let cancelled = history["results"].as_array().unwrap().iter().any(|e| {
        e["kind"] == "conversation.offer_cancelled" && e["data"]["agentId"] == ada.as_str()
    });
    assert!(cancelled, "Ada's offer ended: {history}");
    // And it is not offered again.
    let next = id(&conversation(&app, &ws, &queue).await);
    assert_eq!(read(&app, &ws, &next).await["status"], "offered");
    assert_eq!(read(&app, &ws, &forgotten).await["status"], "closed");
}

#[tokio::test]
async fn a_conversation_that_needs_a_skill_goes_only_to_agents_who_have_it() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, languages) = app
        .post(
            &ws.path("/skills"),
            &ws.key,
            json!({"name": "Languages", "valueType": "multiple",
                   "values": [{"value": "French"}, {"value": "Danish"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{languages}");
    let value = |name: &str| {
        languages["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["value"] == name)
            .map(id)
            .unwrap()
    };
    let (ada, _) = agent(&app, &ws, "Ada").await;
    let (bob, _) = agent(&app, &ws, "Bob").await;
    let skill = json!({"assignedSkills": [{"id": id(&languages), "selectedValues": [{"id": value("French")}]}]});
    let (status, body) = app
        .patch(&ws.path(&format!("/agents/{bob}")), &ws.key, skill)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let queue = queue(&app, &ws, json!({"name": "Support"}), &[&ada, &bob]).await;

    let needs = json!({"channel": "messaging", "queueId": queue,
        "requiredSkills": [{"skillId": id(&languages), "valueIds": [value("French")]}]});
    let (status, created) = app.post(&ws.path("/conversations"), &ws.key, needs).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["requiredSkills"][0]["skillId"],
        id(&languages).as_str()
    );
    assert_eq!(
        offered_to(&app, &ws, &id(&created)).await,
        std::slice::from_ref(&bob),
        "only Bob speaks French"
    );

    let danish = json!({"channel": "messaging", "queueId": queue,
        "requiredSkills": [{"skillId": id(&languages), "valueIds": [value("Danish")]}]});
    let (_, waiting) = app.post(&ws.path("/conversations"), &ws.key, danish).await;
    assert_eq!(
        waiting["status"], "pending",
        "nobody speaks Danish: it waits"
    );

    for bad in [
        json!({"channel": "voice", "requiredSkills": [{"skillId": id(&languages), "valueIds": []}]}),
        json!({"channel": "voice", "requiredSkills": [{"skillId": id(&languages), "valueIds": [ada]}]}),
        json!({"channel": "voice", "requiredSkills": [{"skillId": ada, "valueIds": [ada]}]}),
        json!({"channel": "voice", "requiredTagIds": [ada]}),
        json!({"channel": "voice", "preferredAgentId": queue}),
    ] {
        let (status, refused) = app
            .post(&ws.path("/conversations"), &ws.key, bad.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {refused}");
    }
}

/// An available agent in a team, with its own key.
async fn team_agent(app: &TestApp, ws: &Ws, name: &str, team: &str) -> (String, String) {
    let (agent, key) = agent(app, ws, name).await;
    let path = ws.path(&format!("/agents/{agent}"));
    let (status, body) = app.patch(&path, &ws.key, json!({"teamIds": [team]})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (agent, key)
}

#[tokio::test]
async fn an_agent_stepping_away_hands_its_conversations_to_the_team_given_or_keeps_them() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (status, team) = app
        .post(&ws.path("/teams"), &ws.key, json!({"name": "Night shift"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let team = id(&team);
    let (ada, ada_key) = agent(&app, &ws, "Ada").await;
    let queue = queue(&app, &ws, json!({"name": "Support"}), &[&ada]).await;
    let first = id(&conversation(&app, &ws, &queue).await);
    let (status, _) = act(&app, &ws, &first, "accept", &ada_key).await;
    assert_eq!(status, StatusCode::OK);
    let second = id(&conversation(&app, &ws, &queue).await);
    assert_eq!(read(&app, &ws, &second).await["status"], "offered");

    // Bad requests change nothing.
    let me = ws.path("/agents/me/presence");
    for bad in [
        json!({"presence": "lunch"}),
        json!({"presence": "away", "transferToTeamId": ada}),
        json!({"presence": "available", "transferToTeamId": team}),
        json!({"presence": "away", "groupKey": "x"}),
    ] {
        let (status, body) = app.put(&me, &ada_key, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    assert_eq!(read(&app, &ws, &second).await["status"], "offered");
    let (cy, cy_key) = team_agent(&app, &ws, "Cy", &team).await;
    let other = ws.path(&format!("/agents/{ada}/presence"));
    let (status, _) = app.put(&other, &cy_key, json!({"presence": "away"})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an agent changes only itself"
    );

    // Away with a team: the assigned conversation goes to the team's members, the offer ends at
    // once.
    let (status, moved) = app
        .put(
            &me,
            &ada_key,
            json!({"presence": "away", "transferToTeamId": team}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["presence"], "away");
    assert_eq!(moved["transferredConversationIds"], json!([first]));
    let taken = read(&app, &ws, &first).await;
    assert_eq!(taken["assigneeId"], Value::Null, "{taken}");
    assert_eq!(offered_to(&app, &ws, &first).await.last(), Some(&cy));
    let (status, accepted) = act(&app, &ws, &first, "accept", &cy_key).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["assigneeId"], cy.as_str());
    assert_ne!(read(&app, &ws, &second).await["status"], "offered");

    // Back, then offline without a team: Ada keeps what she holds.
    let (status, _) = app
        .put(&me, &ada_key, json!({"presence": "available"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = ws.path(&format!("/conversations/{second}/assign"));
    let (status, body) = app.post(&path, &ws.key, json!({"agentId": ada})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, kept) = app
        .put(&other, &ws.key, json!({"presence": "offline"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    assert_eq!(kept["transferredConversationIds"], json!([]));
    assert_eq!(read(&app, &ws, &second).await["assigneeId"], ada.as_str());
    let (_, availability) = app
        .get(&ws.path(&format!("/agents/{ada}/availability")), &ws.key)
        .await;
    assert_eq!(availability["status"], "offline", "Bird shows it");
}

/// Members C, A, B (created in that order, so C has been idle longest); A and B in tier 1, C in
/// tier 2.
async fn tiered_queue(app: &TestApp, ws: &Ws, algorithm: &str) -> (String, [String; 3]) {
    let (c, _) = agent(app, ws, "C").await;
    let (a, _) = agent(app, ws, "A").await;
    let (b, _) = agent(app, ws, "B").await;
    let body = json!({"name": algorithm, "offerAlgorithm": algorithm});
    let (status, queue) = app.post(&ws.path("/queues"), &ws.key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{queue}");
    let queue = id(&queue);
    for (member, tier) in [(&a, 1), (&b, 1), (&c, 2)] {
        let path = ws.path(&format!("/queues/{queue}/members/{member}"));
        let (status, body) = app.put(&path, &ws.key, json!({"priority": tier})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    (queue, [a, b, c])
}

#[tokio::test]
async fn each_offer_algorithm_of_a_queue_decides_who_is_offered() {
    let app = TestApp::spawn().await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    for (algorithm, expected) in [
        ("AllAtOnce", "a b c"),
        ("AgentPriorityAllAtOnce", "a b"),
        ("LongestIdle", "c"),
        ("AgentPriorityLongestIdle", "a"),
        ("OneAtATimeRandom", "one of a b c"),
        ("AgentPriorityOneAtATimeRandom", "one of a b"),
    ] {
        let ws = app.workspace().await;
        let (queue, [a, b, c]) = tiered_queue(&app, &ws, algorithm).await;
        let conversation = id(&conversation(&app, &ws, &queue).await);
        let offered = sorted(offered_to(&app, &ws, &conversation).await);
        let name = |n: &str| match n {
            "a" => a.clone(),
            "b" => b.clone(),
            _ => c.clone(),
        };
        match expected.strip_prefix("one of ") {
            Some(pool) => {
                assert_eq!(offered.len(), 1, "{algorithm}: {offered:?}");
                let pool: Vec<String> = pool.split(' ').map(name).collect();
                assert!(pool.contains(&offered[0]), "{algorithm}: {offered:?}");
            }
            None => {
                let want = sorted(expected.split(' ').map(name).collect());
                assert_eq!(offered, want, "{algorithm}");
            }
        }
    }

    // Round robin: each next conversation goes to the next member, even to one who just had one.
    let ws = app.workspace().await;
    let (queue, members) = tiered_queue(&app, &ws, "RoundRobin").await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let conversation = id(&conversation(&app, &ws, &queue).await);
        let offered = offered_to(&app, &ws, &conversation).await;
        assert_eq!(offered.len(), 1, "{offered:?}");
        seen.push(offered[0].clone());
    }
    assert_eq!(
        sorted(seen),
        sorted(members.to_vec()),
        "each member in turn"
    );

    // Least busy: C holds one conversation, so the next goes to A or B.
    let ws = app.workspace().await;
    let (queue, [a, b, c]) = tiered_queue(&app, &ws, "LeastBusy").await;
    let held = id(&conversation(&app, &ws, &queue).await);
    let path = ws.path(&format!("/conversations/{held}/assign"));
    let (status, body) = app.post(&path, &ws.key, json!({"agentId": c})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let next = id(&conversation(&app, &ws, &queue).await);
    let offered = offered_to(&app, &ws, &next).await;
    assert_eq!(offered.len(), 1);
    assert!(offered[0] == a || offered[0] == b, "{offered:?}");
}

#[tokio::test]
async fn preferred_and_personal_agents_are_waited_for_as_long_as_the_queue_says() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, _) = agent(&app, &ws, "Ada").await;
    let (bob, _) = agent(&app, &ws, "Bob").await;
    let (status, team) = app
        .post(&ws.path("/teams"), &ws.key, json!({"name": "VIP"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let team = id(&team);
    let (cy, _) = team_agent(&app, &ws, "Cy", &team).await;
    let body = json!({
        "name": "Support",
        "isPreferredAgentEnabled": true,
        "preferredAgentTimeouts": {"WidgetChat": 600},
        "preferredAgentOfflineTimeout": 1,
        "personalAgentOfflineTimeout": 1,
    });
    let queue = queue(&app, &ws, body, &[&ada, &bob]).await;
    let away = ws.path(&format!("/agents/{bob}/availability"));
    app.patch(&away, &ws.key, json!({"status": "away"})).await;
    let create = |extra: Value| {
        let body = json!({"channel": "messaging", "queueId": queue}).tap(extra);
        let (app, ws) = (&app, &ws);
        async move {
            let (status, created) = app.post(&ws.path("/conversations"), &ws.key, body).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            created
        }
    };

    // Preferred Bob is away: held the offline timeout (1 s), not the 600 s for an agent at work.
    let preferred = create(json!({"preferredAgentId": bob})).await;
    assert_eq!(preferred["status"], "pending", "{preferred}");
    // Personal to Bob: waits for him, then its queue takes it.
    let personal = create(json!({"agentId": bob})).await;
    assert_eq!(personal["status"], "pending", "{personal}");
    assert_eq!(personal["agentId"], bob.as_str());
    // To a team: only its members are offered it.
    let vip = create(json!({"teamId": team})).await;
    assert_eq!(vip["teamId"], team.as_str());
    assert_eq!(offered_to(&app, &ws, &id(&vip)).await, [cy]);
    for bad in [json!({"teamId": ada}), json!({"agentId": team})] {
        let (status, body) = app
            .post(
                &ws.path("/conversations"),
                &ws.key,
                json!({"channel": "messaging", "queueId": queue}).tap(bad),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    // Preferred Ada is at work: held for her (she is offered it alone).
    let held = create(json!({"preferredAgentId": ada})).await;
    assert_eq!(
        offered_to(&app, &ws, &id(&held)).await,
        std::slice::from_ref(&ada)
    );

    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(
        offered_to(&app, &ws, &id(&preferred)).await,
        std::slice::from_ref(&ada),
        "the hold for Bob ran out"
    );
    let personal = read(&app, &ws, &id(&personal)).await;
    assert_eq!(personal["agentId"], Value::Null, "{personal}");
    assert_eq!(
        offered_to(&app, &ws, &id(&personal)).await,
        std::slice::from_ref(&ada),
        "the queue took it over"
    );
}

trait Tap {
    fn tap(self, extra: Value) -> Value;
}

impl Tap for Value {
    /// This object with the fields of `extra` added.
    fn tap(mut self, extra: Value) -> Value {
        self.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        self
    }
}

#[tokio::test]
async fn where_schedules_are_enforced_only_agents_on_duty_are_offered_work() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let (ada, _) = agent(&app, &ws, "Ada").await;
    let (bob, _) = agent(&app, &ws, "Bob").await;
    // Ada works no day of the week; Bob has no schedule, so keeps no hours.
    let path = ws.path(&format!("/agents/{ada}"));
    let body = json!({"weeklySchedule": {}, "timezone": "Europe/Amsterdam"});
    let (status, changed) = app.patch(&path, &ws.key, body).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let settings = ws.path("/settings");
    let (status, read_back) = app.get(&settings, &ws.key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read_back, json!({"enforceSchedules": false}));
    let (status, bad) = app
        .patch(&settings, &ws.key, json!({"enforceSchedules": "yes"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let ada_key = app
        .api_key(
            &ws.id,
            json!({"name": "ada", "role": "agent", "agentId": ada}),
        )
        .await;
    let (status, _) = app
        .patch(&settings, &ada_key, json!({"enforceSchedules": true}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an agent key only reads them"
    );
    assert_eq!(
        app.get(&settings, &ada_key).await.1["enforceSchedules"],
        false
    );
    let (status, enforced) = app
        .patch(&settings, &ws.key, json!({"enforceSchedules": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{enforced}");
    assert_eq!(enforced["enforceSchedules"], true);

    let body = json!({"name": "Support", "offerAlgorithm": "AllAtOnce"});
    let queue = queue(&app, &ws, body, &[&ada, &bob]).await;
    let first = id(&conversation(&app, &ws, &queue).await);
    assert_eq!(
        offered_to(&app, &ws, &first).await,
        std::slice::from_ref(&bob),
        "Ada is off duty"
    );

    // Not enforced: schedules are shown, not acted on; routing hears of it at once.
    let (status, _) = app
        .patch(&settings, &ws.key, json!({"enforceSchedules": false}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let second = id(&conversation(&app, &ws, &queue).await);
    let mut offered = offered_to(&app, &ws, &second).await;
    offered.sort();
    let mut both = vec![ada, bob];
    both.sort();
    assert_eq!(offered, both);

    let (status, bad) = app
        .patch(&path, &ws.key, json!({"timezone": "Europe/Atlantis"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
}

/// Several nodes share one PostgreSQL, and one at a time routes a workspace: a routing command
/// sent to another node is passed on to it and answered as it answers, so clients may talk to
/// any node. (SQLite is one node by design.)
#[tokio::test]
async fn routing_commands_sent_to_any_node_are_decided_by_the_one_that_routes() {
    let a = TestApp::spawn().await;
    if !a.config.database_url.starts_with("postgres") {
        return;
    }
    let b = TestApp::spawn().await;
    let ws = a.workspace().await;
    let (ada, ada_key) = agent(&a, &ws, "Ada").await;
    let queue = queue(&a, &ws, json!({"name": "Support"}), &[&ada]).await;
    // The first conversation makes node A the workspace's routing node.
    let first = conversation(&a, &ws, &queue).await;
    assert_eq!(first["status"], "offered", "{first}");

    let (status, accepted) = act(&b, &ws, &id(&first), "accept", &ada_key).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["status"], "assigned");
    let second = conversation(&b, &ws, &queue).await;
    assert_eq!(second["status"], "offered", "{second}");
    assert_eq!(
        offered_to(&b, &ws, &id(&second)).await,
        std::slice::from_ref(&ada)
    );

    let mut events = Stream::open(&a, &ws.path("/events"), &ws.key, None).await;
    let presence = ws.path(&format!("/agents/{ada}/presence"));
    let (status, away) = b.put(&presence, &ws.key, json!({"presence": "away"})).await;
    assert_eq!(status, StatusCode::OK, "{away}");
    let updates = events
        .until_quiet()
        .await
        .into_iter()
        .filter(|e| e.kind == "agent.updated")
        .count();
    assert_eq!(updates, 1, "written once, by the routing node");
    assert_eq!(
        read(&a, &ws, &id(&second)).await["status"],
        "pending",
        "the routing node took the offer back from the agent gone away"
    );
    let (_, held) = a
        .get(&ws.path(&format!("/agents/{ada}/workload")), &ws.key)
        .await;
    assert_eq!(held["workload"], json!({"email": 0, "messaging": 1}));

    // A request is passed on once at most: one that arrives passed on is answered where it
    // lands, and changes nothing there.
    let passed_on = b
        .client
        .post(format!("{}{}", b.base, ws.path("/conversations")))
        .bearer_auth(&ws.key)
        .header("x-switchboard-passed-on", "1")
        .json(&json!({"channel": "messaging", "queueId": queue}));
    let (status, refused) = common::send(passed_on).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{refused}");
    let (_, all) = a.get(&ws.path("/conversations"), &ws.key).await;
    assert_eq!(all["results"].as_array().unwrap().len(), 2);
}
