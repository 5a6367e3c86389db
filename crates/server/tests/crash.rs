//! A write that was acknowledged survives the process being killed (`kill -9`) mid-load.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::ADMIN_TOKEN;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The real binary on a free port over `database_url`.
fn launch(database_url: &str, data_dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env("SWITCHBOARD_LISTEN", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", database_url)
        .env("SWITCHBOARD_DATA_DIR", data_dir)
        .env("SWITCHBOARD_ADMIN_TOKEN", ADMIN_TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the switchboard binary starts")
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == StatusCode::OK
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn post(
    client: &reqwest::Client,
    url: String,
    key: &str,
    body: Value,
) -> Option<(StatusCode, Value)> {
    let response = client
        .post(url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .ok()?;
    let status = response.status();
    Some((status, response.json().await.ok()?))
}

#[tokio::test]
async fn acknowledged_agents_survive_kill_dash_nine() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::database_url(dir.path()).await;
    let client = reqwest::Client::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = launch(&database_url, dir.path(), port);
    wait_ready(&client, &base).await;

    let (_, ws) = post(
        &client,
        format!("{base}/admin/workspaces"),
        ADMIN_TOKEN,
        json!({"name": "crash"}),
    )
    .await
    .unwrap();
    let ws_id = ws["id"].as_str().unwrap().to_owned();
    let keys = format!("{base}/admin/workspaces/{ws_id}/api-keys");
    let (_, key) = post(
        &client,
        keys,
        ADMIN_TOKEN,
        json!({"name": "k", "role": "admin"}),
    )
    .await
    .unwrap();
    let key = key["key"].as_str().unwrap().to_owned();

    // Writers create agents as fast as they can; the process is killed in the middle.
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (client, url, key) = (
                client.clone(),
                format!("{base}/workspaces/{ws_id}/agents"),
                key.clone(),
            );
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for i in 0.. {
                    match post(
                        &client,
                        url.clone(),
                        &key,
                        json!({"name": format!("w{w} #{i}")}),
                    )
                    .await
                    {
                        Some((StatusCode::CREATED, agent)) => {
                            acknowledged.push(agent["id"].as_str().unwrap().to_owned())
                        }
                        Some(_) => continue,
                        None => break,
                    }
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    assert!(
        acknowledged.len() > 10,
        "the load got going ({} writes)",
        acknowledged.len()
    );

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = launch(&database_url, dir.path(), port);
    wait_ready(&client, &base).await;
    for id in &acknowledged {
        let response = client
            .get(format!("{base}/workspaces/{ws_id}/agents/{id}"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "acknowledged agent {id} was lost"
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Sends a request with a JSON body; answers the status and the JSON answer.
async fn send(request: reqwest::RequestBuilder, key: &str, body: Value) -> (StatusCode, Value) {
    let response = request.bearer_auth(key).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_offer_out_when_the_process_is_killed_is_honoured_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::database_url(dir.path()).await;
    let client = reqwest::Client::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = launch(&database_url, dir.path(), port);
    wait_ready(&client, &base).await;

    let (_, ws) = send(
        client.post(format!("{base}/admin/workspaces")),
        ADMIN_TOKEN,
        json!({"name": "crash"}),
    )
    .await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let keys = format!("{base}/admin/workspaces/{ws}/api-keys");
    let (_, key) = send(
        client.post(&keys),
        ADMIN_TOKEN,
        json!({"name": "k", "role": "admin"}),
    )
    .await;
    let key = key["key"].as_str().unwrap().to_owned();
    let w = format!("{base}/workspaces/{ws}");
    let (_, agent) = send(
        client.post(format!("{w}/agents")),
        &key,
        json!({"name": "Ada"}),
    )
    .await;
    let agent = agent["id"].as_str().unwrap().to_owned();
    let availability = client.patch(format!("{w}/agents/{agent}/availability"));
    send(availability, &key, json!({"status": "active"})).await;
    let body = json!({"name": "ada", "role": "agent", "agentId": agent});
    let (_, agent_key) = send(client.post(&keys), ADMIN_TOKEN, body).await;
    let agent_key = agent_key["key"].as_str().unwrap().to_owned();
    let (_, queue) = send(
        client.post(format!("{w}/queues")),
        &key,
        json!({"name": "Q", "offerTimeout": 600}),
    )
    .await;
    let queue = queue["id"].as_str().unwrap().to_owned();
    send(
        client.put(format!("{w}/queues/{queue}/members/{agent}")),
        &key,
        json!({}),
    )
    .await;
    let body = json!({"channel": "messaging", "queueId": queue});
    let (status, conversation) = send(client.post(format!("{w}/conversations")), &key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{conversation}");
    assert_eq!(conversation["status"], "offered", "{conversation}");
    let conversation = conversation["id"].as_str().unwrap().to_owned();

    server.kill().unwrap();
    server.wait().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = launch(&database_url, dir.path(), port);
    wait_ready(&client, &base).await;
    let accept = client.post(format!(
        "{base}/workspaces/{ws}/conversations/{conversation}/accept"
    ));
    let (status, accepted) = send(accept, &agent_key, json!({})).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the restarted node routes at once: {accepted}"
    );
    assert_eq!(accepted["status"], "assigned");
    assert_eq!(accepted["assigneeId"], agent.as_str());
    server.kill().unwrap();
    server.wait().unwrap();
}
