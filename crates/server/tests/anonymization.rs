//! Anonymization of end users: refused while conversations are open unless forced, complete
//! (no personal value of the end user or its conversations remains anywhere in the database),
//! irreversible and idempotent.

mod common;

use common::{TestApp, Ws, assert_error, id};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

/// Every value of every row of every table of the test database, as lower-case text.
async fn database_text(app: &TestApp) -> String {
    let url = &app.config.database_url;
    let mut text = String::new();
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&mut c)
                .await
                .unwrap();
        for table in tables {
            let columns: Vec<String> =
                sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
            for column in columns {
                // As bytes: a few columns (migration checksums) are not UTF-8 text.
                let sql = format!("SELECT CAST(\"{column}\" AS BLOB) FROM \"{table}\"");
                let values: Vec<Option<Vec<u8>>> =
                    sqlx::query_scalar(&sql).fetch_all(&mut c).await.unwrap();
                for value in values.into_iter().flatten() {
                    text.push_str(&String::from_utf8_lossy(&value));
                    text.push('\n');
                }
            }
        }
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
             JOIN information_schema.tables t ON t.table_schema = c.table_schema \
             AND t.table_name = c.table_name \
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        assert!(
            columns.iter().any(|(t, _)| t == "endusers"),
            "the scan sees the tables"
        );
        for (table, column) in columns {
            let sql = format!("SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\"");
            let values: Vec<Option<String>> =
                sqlx::query_scalar(&sql).fetch_all(&mut c).await.unwrap();
            text.extend(values.into_iter().flatten().map(|v| v + "\n"));
        }
    }
    text.to_lowercase()
}

/// The personal values of one end user, distinctive to this test run.
struct Personal {
    name: String,
    email: String,
    second_email: String,
    phone: String,
    external_id: String,
    avatar: String,
    note: String,
    subject: String,
    contact_point: String,
}

impl Personal {
    fn new() -> Self {
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
        let digits: String = tag
            .bytes()
            .map(|b| char::from(b'0' + b % 10))
            .take(9)
            .collect();
        Self {
            name: format!("Quintessa{tag}"),
            email: format!("quintessa.{tag}@example.org"),
            second_email: format!("q2.{tag}@example.org"),
            phone: format!("+47{digits}"),
            external_id: format!("crm-{tag}"),
            avatar: format!("https://img.example/{tag}.png"),
            note: format!("likes earl grey {tag}"),
            subject: format!("parcel {tag} lost"),
            contact_point: format!("chat-{tag}@widget.example"),
        }
    }

    fn all(&self) -> [&str; 9] {
        [
            &self.name,
            &self.email,
            &self.second_email,
            &self.phone,
            &self.external_id,
            &self.avatar,
            &self.note,
            &self.subject,
            &self.contact_point,
        ]
    }

    fn found_in(&self, text: &str) -> Vec<String> {
        self.all()
            .into_iter()
            .filter(|v| text.contains(&v.to_lowercase()))
            .map(str::to_owned)
            .collect()
    }
}

/// An end user with every personal field, a custom attribute value, and a conversation that
/// carries a subject, a contact point and an external id; returns (end user, conversation).
async fn person(app: &TestApp, ws: &Ws, p: &Personal, open: bool) -> (Value, Value) {
    let (status, note) = app
        .post(
            &ws.path("/custom-attributes"),
            &ws.key,
            json!({"entityType": "contact", "name": "Note",
                   "identifier": format!("note-{}", &p.external_id[4..])}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let (status, user) = app
        .post(
            &ws.path("/endusers"),
            &ws.key,
            json!({"displayName": p.name, "email": p.email, "phoneNumber": p.phone,
                   "firstName": p.name, "lastName": p.name, "middleNames": [p.name],
                   "additionalEmails": [p.second_email], "additionalPhoneNumbers": [p.phone],
                   "avatarUrl": p.avatar, "externalId": p.external_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let (status, _) = app
        .patch(
            &ws.path(&format!("/endusers/{}/custom-attributes", id(&user))),
            &ws.key,
            json!({id(&note): p.note}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, conversation) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "email", "endUserId": id(&user), "subject": p.subject,
                   "contactPoint": p.contact_point, "externalId": p.external_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{conversation}");
    if !open {
        let (status, _) = app
            .post(
                &ws.path(&format!("/conversations/{}/close", id(&conversation))),
                &ws.key,
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, user) = app
        .get(&ws.path(&format!("/endusers/{}", id(&user))), &ws.key)
        .await;
    assert_eq!(
        p.found_in(&database_text(app).await).len(),
        p.all().len(),
        "before anonymization the scan finds every personal value"
    );
    if app.config.database_url.starts_with("sqlite:") {
        assert_eq!(
            p.found_in(&file_bytes(app)).len(),
            p.all().len(),
            "and so does the scan of the files"
        );
    }
    (user, conversation)
}

/// The end user as it reads after anonymization: nothing but its id and times.
fn assert_scrubbed(read: &Value, before: &Value) {
    assert_eq!(read["id"], before["id"]);
    assert_eq!(read["createdAt"], before["createdAt"]);
    assert_eq!(read["anonymized"], true);
    assert!(read["anonymizedAt"].is_string(), "{read}");
    for field in [
        "displayName",
        "email",
        "phoneNumber",
        "firstName",
        "lastName",
        "avatarUrl",
        "externalId",
    ] {
        assert_eq!(read[field], Value::Null, "{field}: {read}");
    }
    for list in [
        "middleNames",
        "additionalEmails",
        "additionalPhoneNumbers",
        "customAttributes",
    ] {
        assert_eq!(read[list], json!([]), "{list}: {read}");
    }
}

async fn assert_nothing_personal_remains(app: &TestApp, p: &Personal) {
    let left = p.found_in(&database_text(app).await);
    assert!(
        left.is_empty(),
        "personal values left in the database: {left:?}"
    );
    let left = p.found_in(&file_bytes(app));
    assert!(
        left.is_empty(),
        "personal values left in the files: {left:?}"
    );
}

/// On SQLite, the database's files byte for byte (the database and its write-ahead log), as
/// lower-case text: erased values must be gone from the disk, not only from the rows.
fn file_bytes(app: &TestApp) -> String {
    let url = &app.config.database_url;
    let Some(path) = url.strip_prefix("sqlite://") else {
        return String::new();
    };
    let path = path.split('?').next().unwrap();
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::read(format!("{path}{suffix}")).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).to_lowercase())
        .collect()
}

#[tokio::test]
async fn without_open_conversations_the_end_user_is_forgotten_at_once() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let p = Personal::new();
    let (user, conversation) = person(&app, &ws, &p, false).await;
    let path = ws.path(&format!("/endusers/{}", id(&user)));

    let (status, request) = app
        .post(&format!("{path}/anonymize"), &ws.key, json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    assert_eq!(request["entityType"], "user");
    assert_eq!(request["targetId"], user["id"]);
    assert!(request["requestedBy"].is_string(), "{request}");
    assert_eq!(request["processedAt"], request["initiatedAt"]);

    let (status, read) = app.get(&path, &ws.key).await;
    assert_eq!(status, StatusCode::OK);
    assert_scrubbed(&read, &user);
    let (_, conversation) = app
        .get(
            &ws.path(&format!("/conversations/{}", id(&conversation))),
            &ws.key,
        )
        .await;
    assert_eq!(conversation["subject"], Value::Null);
    assert_eq!(conversation["contactPoint"], Value::Null);
    assert_eq!(conversation["externalId"], Value::Null);
    assert_eq!(conversation["endUserId"], user["id"]);
    assert_nothing_personal_remains(&app, &p).await;

    // Look-ups by the old values find nothing.
    for query in [
        format!("email={}", p.email),
        format!("externalId={}", p.external_id),
        format!("phoneNumber={}", p.phone.replace('+', "%2B")),
    ] {
        let (_, found) = app
            .get(&ws.path(&format!("/endusers?{query}")), &ws.key)
            .await;
        assert_eq!(found["total"], 0, "{query}: {found}");
    }

    // Asking again answers the same request; changes are refused.
    let (status, again) = app
        .post(&format!("{path}/anonymize?force=true"), &ws.key, json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(again, request);
    for (status, body) in [
        app.patch(&path, &ws.key, json!({"displayName": p.name}))
            .await,
        app.put(&path, &ws.key, json!({"displayName": p.name}))
            .await,
        app.patch(&format!("{path}/custom-attributes"), &ws.key, json!({}))
            .await,
    ] {
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_error(&body, "conflict");
    }
    // Nor can it be given new conversations.
    let (status, _) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "email", "endUserId": id(&user), "subject": p.subject}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_nothing_personal_remains(&app, &p).await;
}

#[tokio::test]
async fn open_conversations_refuse_anonymization_without_force_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let p = Personal::new();
    let (user, conversation) = person(&app, &ws, &p, true).await;
    let path = ws.path(&format!("/endusers/{}", id(&user)));
    let conversation_path = ws.path(&format!("/conversations/{}", id(&conversation)));

    for query in ["", "?force=false"] {
        let (status, refused) = app
            .post(&format!("{path}/anonymize{query}"), &ws.key, json!({}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_error(&refused, "conflict");
        assert!(
            refused["message"].as_str().unwrap().contains("force=true"),
            "{refused}"
        );
    }
    let (status, refused) = app
        .dixa(
            Method::PATCH,
            &format!("/v1/endusers/{}/anonymize", id(&user)),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");

    assert_eq!(
        app.get(&path, &ws.key).await.1,
        user,
        "the end user is intact"
    );
    assert_eq!(
        app.get(&conversation_path, &ws.key).await.1,
        conversation,
        "the conversation is intact"
    );
    assert_eq!(
        p.found_in(&database_text(&app).await).len(),
        p.all().len(),
        "every value is still there"
    );
}

#[tokio::test]
async fn force_closes_open_conversations_and_forgets_everything() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let p = Personal::new();
    let (user, conversation) = person(&app, &ws, &p, true).await;
    // A second, also open, conversation and a bystander who keeps everything.
    let (status, second) = app
        .post(
            &ws.path("/conversations"),
            &ws.key,
            json!({"channel": "messaging", "endUserId": id(&user), "subject": p.subject}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let bystander = Personal::new();
    let (other, other_conversation) = person(&app, &ws, &bystander, true).await;

    let (status, accepted) = app
        .dixa(
            Method::PATCH,
            &format!("/v1/endusers/{}/anonymize?force=true", id(&user)),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    assert_eq!(accepted["data"]["targetEntityId"], user["id"]);

    let (_, read) = app
        .get(&ws.path(&format!("/endusers/{}", id(&user))), &ws.key)
        .await;
    assert_scrubbed(&read, &user);
    for closed in [&conversation, &second] {
        let (_, now) = app
            .get(&ws.path(&format!("/conversations/{}", id(closed))), &ws.key)
            .await;
        assert_eq!(now["status"], "closed", "{now}");
        assert!(now["closedAt"].is_string(), "{now}");
        assert_eq!(now["subject"], Value::Null);
        assert_eq!(now["contactPoint"], Value::Null);
        assert_eq!(now["externalId"], Value::Null);
    }
    assert_nothing_personal_remains(&app, &p).await;

    // The bystander and its conversation are untouched.
    let (_, other_now) = app
        .get(&ws.path(&format!("/endusers/{}", id(&other))), &ws.key)
        .await;
    assert_eq!(other_now, other);
    let (_, other_conversation_now) = app
        .get(
            &ws.path(&format!("/conversations/{}", id(&other_conversation))),
            &ws.key,
        )
        .await;
    assert_eq!(other_conversation_now, other_conversation);
    assert_eq!(
        bystander.found_in(&database_text(&app).await).len(),
        bystander.all().len()
    );

    // The end user's conversation list still answers, with nothing personal in it.
    let (status, list) = app
        .dixa(
            Method::GET,
            &format!("/v1/endusers/{}/conversations", id(&user)),
            &ws.key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["state"] == "Closed")
    );
}

#[tokio::test]
async fn unknown_and_foreign_end_users_are_not_found() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let other = app.workspace().await;
    let p = Personal::new();
    let (theirs, _) = person(&app, &other, &p, false).await;
    for user in [id(&theirs), uuid::Uuid::new_v4().to_string(), "x".into()] {
        let (status, body) = app
            .post(
                &ws.path(&format!("/endusers/{user}/anonymize?force=true")),
                &ws.key,
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error(&body, "not_found");
    }
    let (_, still) = app
        .get(
            &other.path(&format!("/endusers/{}", id(&theirs))),
            &other.key,
        )
        .await;
    assert_eq!(still, theirs);
    assert_eq!(p.found_in(&database_text(&app).await).len(), p.all().len());
}

#[tokio::test]
async fn a_deleted_attribute_definition_leaves_no_values_behind() {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let secret = format!("secret {}", uuid::Uuid::new_v4().simple());
    let (_, definition) = app
        .post(
            &ws.path("/custom-attributes"),
            &ws.key,
            json!({"entityType": "contact", "name": "Secret", "identifier": "secret"}),
        )
        .await;
    let (_, user) = app
        .post(&ws.path("/endusers"), &ws.key, json!({"displayName": "A"}))
        .await;
    let (status, _) = app
        .patch(
            &ws.path(&format!("/endusers/{}/custom-attributes", id(&user))),
            &ws.key,
            json!({id(&definition): secret}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(database_text(&app).await.contains(&secret));
    let (status, _) = app
        .delete(
            &ws.path(&format!("/custom-attributes/{}", id(&definition))),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!database_text(&app).await.contains(&secret));
}
