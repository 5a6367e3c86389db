//! The store on the database the environment selects (SQLite by default, PostgreSQL when
//! `SWITCHBOARD_TEST_DATABASE_URL` names one): writes that share a commit stay independent.

use domain::capacity::CapacityRule;
use domain::event::QUEUE_THRESHOLD;
use domain::tenancy::Workspace;
use domain::{Timestamp, Uuid};
use routing::{Decision, Threshold};
use store::{LogPosition, Store, StoreError};

async fn open() -> (Store, Option<tempfile::TempDir>) {
    match std::env::var("SWITCHBOARD_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => (
            Store::open(&fresh_database(&url).await).await.unwrap(),
            None,
        ),
        _ => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
            (Store::open(&url).await.unwrap(), Some(dir))
        }
    }
}

/// `seconds` after a fixed moment of the tests' clock.
fn at(seconds: i64) -> Timestamp {
    Timestamp::from_millis(1_700_000_000_000 + seconds * 1000)
}

/// A new workspace named `name`, stored with its default capacity rule.
async fn new_workspace(store: &Store, name: &str, now: Timestamp) -> Workspace {
    let ws = Workspace::build(name, now).unwrap();
    store
        .create_workspace(ws.clone(), CapacityRule::workspace_default(ws.id, now))
        .await
        .unwrap();
    ws
}

/// A new database on the PostgreSQL server of `url`, so each run starts from an empty schema.
async fn fresh_database(url: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("PostgreSQL must be reachable");
    // Databases of earlier runs go, but only those more than an hour old: another run may be
    // using a younger one right now.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let old: Vec<(String,)> = sqlx::query_as(
        "SELECT datname FROM pg_database WHERE datname LIKE 'switchboard\\_store\\_test\\_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for (name,) in old {
        let born = name.split('_').nth(3).and_then(|t| t.parse::<u64>().ok());
        if born.is_some_and(|born| now.saturating_sub(born) > 3600) {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(&drop).execute(&mut conn).await;
        }
    }
    let name = format!("switchboard_store_test_{now}_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (server, _) = url
        .rsplit_once('/')
        .expect("a database URL ends in /<database>");
    format!("{server}/{name}")
}

#[tokio::test]
async fn concurrent_writes_commit_together_and_fail_alone() {
    let (store, _dir) = open().await;
    let now = at(0);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let ws = Workspace::build(&format!("ws {i}"), now).unwrap();
            let rule = CapacityRule::workspace_default(ws.id, now);
            store.create_workspace(ws, rule).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // A failing write (same id twice) is refused without undoing its neighbours.
    let ws = Workspace::build("dup", now).unwrap();
    let again = Workspace {
        name: "dup again".into(),
        ..ws.clone()
    };
    let (a, b) = tokio::join!(
        store.create_workspace(ws.clone(), CapacityRule::workspace_default(ws.id, now)),
        store.create_workspace(again, CapacityRule::workspace_default(ws.id, now)),
    );
    assert!(
        a.is_ok() != b.is_ok(),
        "exactly one of two writes with one id commits"
    );
    assert!(matches!(a.err().or(b.err()), Some(StoreError::Conflict(_))));
    let names: Vec<String> = store
        .list_workspaces()
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert!(names.contains(&"ws 0".to_string()) && names.contains(&"ws 199".to_string()));
    assert!(matches!(
        store.get_workspace(Uuid::new_v4()).await,
        Err(StoreError::NotFound)
    ));
    store.close().await;
}

#[tokio::test]
async fn one_node_at_a_time_routes_a_workspace() {
    let (store, _dir) = open().await;
    let ws = new_workspace(&store, "leases", at(0)).await;
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());

    let first = store
        .take_lease(ws.id, a, "http://a", at(0), at(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.epoch, 1);
    let routing_node = |at| store.routing_node_url(ws.id, at);
    assert_eq!(
        routing_node(at(5)).await.unwrap().as_deref(),
        Some("http://a")
    );
    assert_eq!(
        store
            .take_lease(ws.id, b, "http://b", at(5), at(15))
            .await
            .unwrap(),
        None,
        "A holds it"
    );
    let renewed = store
        .take_lease(ws.id, a, "http://a", at(8), at(18))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (renewed.epoch, renewed.expires_at),
        (1, at(18)),
        "renewing keeps the epoch"
    );
    assert_eq!(
        store
            .take_lease(ws.id, b, "http://b", at(17), at(27))
            .await
            .unwrap(),
        None
    );

    let taken = store
        .take_lease(ws.id, b, "http://b", at(18), at(28))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.epoch, 2, "a new holder moves the epoch on");
    assert_eq!(
        routing_node(at(19)).await.unwrap().as_deref(),
        Some("http://b")
    );
    assert_eq!(
        store
            .take_lease(ws.id, a, "http://a", at(19), at(29))
            .await
            .unwrap(),
        None,
        "A lost it"
    );

    store.release_lease(taken, at(20)).await.unwrap();
    assert_eq!(
        routing_node(at(20)).await.unwrap(),
        None,
        "no node routes it"
    );
    let back = store
        .take_lease(ws.id, a, "http://a", at(20), at(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.epoch, 3, "released, it can be taken at once");
    // A stale holder's release changes nothing.
    store.release_lease(taken, at(21)).await.unwrap();
    assert_eq!(
        store
            .take_lease(ws.id, b, "http://b", at(21), at(31))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_node_that_lost_its_lease_writes_nothing() {
    let (store, _dir) = open().await;
    let ws = new_workspace(&store, "stale", at(0)).await;
    let lease = |node, from, until| store.take_lease(ws.id, node, "http://node", from, until);
    let former = lease(Uuid::new_v4(), at(0), at(10)).await.unwrap().unwrap();
    let current = lease(Uuid::new_v4(), at(10), at(20))
        .await
        .unwrap()
        .unwrap();
    let crossed = |raised| {
        vec![Decision::ThresholdCrossed {
            queue: Uuid::new_v4(),
            threshold: Threshold::WaitingConversations,
            value: 1,
            raised,
        }]
    };

    let refused = store.apply_decisions(former, at(11), crossed(true)).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    // The refusal spoils no pooled connection: the holder writes on, more times than the pool
    // has connections.
    for i in 0..40 {
        store
            .apply_decisions(current, at(12), crossed(i % 2 == 0))
            .await
            .unwrap();
    }
    // On PostgreSQL the log shows an event once every transaction older than its own has
    // ended, on the whole server: other tests' transactions may hold the last ones back a while.
    let mut thresholds = 0;
    for _ in 0..100 {
        let logged = store
            .events_after(ws.id, None, LogPosition::START, 100)
            .await
            .unwrap();
        thresholds = logged
            .iter()
            .filter(|(_, event)| event.kind == QUEUE_THRESHOLD)
            .count();
        if thresholds >= 40 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(thresholds, 40, "only the holder's decisions are stored");
}

#[tokio::test]
async fn racing_nodes_get_one_lease() {
    let (store, _dir) = open().await;
    let now = at(0);
    let ws = new_workspace(&store, "race", now).await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        let until = Timestamp::from_millis(now.millis() + 10_000);
        tasks.push(tokio::spawn(async move {
            store
                .take_lease(ws.id, Uuid::new_v4(), "http://node", now, until)
                .await
                .unwrap()
        }));
    }
    let mut held = 0;
    for task in tasks {
        held += usize::from(task.await.unwrap().is_some());
    }
    assert_eq!(held, 1);
}

#[tokio::test]
async fn a_routing_snapshot_holds_what_an_engine_is_rebuilt_from() {
    use domain::agent::{AgentChanges, AgentType, NewAgent};
    use domain::conversation::{Media, NewConversation};
    use domain::queue::{Queue, QueueChanges};

    let (store, _dir) = open().await;
    let now = at(0);
    let ws = new_workspace(&store, "snapshot", now).await;
    let agent = |name: &str| {
        let changes = AgentChanges {
            name: Some(name.into()),
            ..Default::default()
        };
        NewAgent::build(ws.id, AgentType::User, None, changes, vec![], now).unwrap()
    };
    let ada = store.create_agent(agent("Ada")).await.unwrap().agent;
    let bob = store.create_agent(agent("Bob")).await.unwrap().agent;
    let changes = QueueChanges {
        name: Some("Support".into()),
        ..Default::default()
    };
    let queue = store
        .create_queue(Queue::build(ws.id, changes, now).unwrap())
        .await
        .unwrap();
    store
        .add_queue_members(
            ws.id,
            queue.id,
            vec![(ada.id, Some(1)), (bob.id, None)],
            now,
        )
        .await
        .unwrap();
    let conversation = |queue_id| NewConversation {
        media: Some(Media::Messaging),
        queue_id,
        ..Default::default()
    };
    let waiting = conversation(Some(queue.id)).build(ws.id, now).unwrap();
    let waiting = store
        .create_conversation(waiting, Default::default())
        .await
        .unwrap();
    let done = conversation(None).build(ws.id, now).unwrap();
    let done = store
        .create_conversation(done, Default::default())
        .await
        .unwrap();
    store.close_conversation(ws.id, done.id, now).await.unwrap();

    let snapshot = store.routing_snapshot(ws.id).await.unwrap();
    let names: Vec<_> = snapshot
        .agents
        .iter()
        .map(|a| a.agent.name.as_str())
        .collect();
    assert_eq!(names, ["Ada", "Bob"]);
    assert_eq!(snapshot.agents[0].capacity.rule.capacity["messaging"], 3);
    assert_eq!(snapshot.queues.len(), 1);
    let members: Vec<_> = snapshot.queues[0]
        .1
        .iter()
        .map(|m| (m.agent_id, m.priority))
        .collect();
    assert_eq!(members, [(ada.id, Some(1)), (bob.id, None)]);
    let open: Vec<_> = snapshot.open_conversations.iter().map(|c| c.id).collect();
    assert_eq!(open, [waiting.id], "closed conversations are not routed");
    assert!(snapshot.offers.is_empty());
}

/// Under steady writes, SQLite's write-ahead log starts over after its checkpoints instead of
/// growing with every write. The file keeps the largest size it reached, so what shows it is
/// that the size stops growing while the writes go on.
#[tokio::test]
async fn the_write_ahead_log_stops_growing_under_steady_writes() {
    let (store, dir) = open().await;
    let Some(dir) = dir else {
        return; // PostgreSQL keeps its own log.
    };
    let log = dir.path().join("t.db-wal");
    let now = at(0);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(7);
    let writers: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                while std::time::Instant::now() < until {
                    let ws = Workspace::build("steady", now).unwrap();
                    let rule = CapacityRule::workspace_default(ws.id, now);
                    store.create_workspace(ws, rule).await.unwrap();
                }
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let early = std::fs::metadata(&log).unwrap().len();
    for writer in writers {
        writer.await.unwrap();
    }
    let late = std::fs::metadata(&log).unwrap().len();
    // Growing with every write, the log would be near three times as large 7 s in as 2.5 s in.
    assert!(
        late < 2 * early,
        "the log grew from {early} to {late} bytes"
    );
    store.close().await;
}
