//! The store on the database the environment selects (SQLite by default, PostgreSQL when
//! `SWITCHBOARD_TEST_DATABASE_URL` names one): writes that share a commit stay independent.

use domain::capacity::CapacityRule;
use domain::tenancy::Workspace;
use domain::{Timestamp, Uuid};
use store::{Store, StoreError};

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

/// A new database on the PostgreSQL server of `url`, so each run starts from an empty schema.
async fn fresh_database(url: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("PostgreSQL must be reachable");
    let old: Vec<(String,)> = sqlx::query_as(
        "SELECT datname FROM pg_database WHERE datname LIKE 'switchboard\\_store\\_test\\_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for (name,) in old {
        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::query(&drop).execute(&mut conn).await;
    }
    let name = format!("switchboard_store_test_{}", Uuid::new_v4().simple());
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
    let now = Timestamp::from_millis(1_700_000_000_000);
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
