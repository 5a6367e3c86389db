//! Presigned uploads and media downloads over HTTP: the S3-style form Bird clients post, the
//! signed links files are fetched by, and what each refuses.

mod common;

use common::{TestApp, Ws, assert_error, id};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

/// A small PNG-looking payload (the server does not sniff contents).
fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len.saturating_sub(8)).map(|i| (i % 251) as u8));
    bytes.truncate(len);
    bytes
}

const BOUNDARY: &str = "----switchboard-test-boundary-7d1f";

/// A `multipart/form-data` body: text fields in order, then the file part when given.
fn multipart(fields: &[(String, String)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend(value.as_bytes());
        body.extend(b"\r\n");
    }
    if let Some((content_type, bytes)) = file {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.bin\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The fields of a presigned form, in the order the server hands them out.
fn form_fields(presigned: &Value) -> Vec<(String, String)> {
    let form = presigned["formData"].as_object().expect("formData");
    form.iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("text field").to_owned()))
        .collect()
}

/// Posts a form to `url` and answers the status and the JSON body (`Null` when empty).
async fn post_form(app: &TestApp, url: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let response = app
        .client
        .post(url)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .expect("the upload reaches the server");
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status} answered non-JSON: {text}"))
    };
    (status, value)
}

/// Uploads `bytes` with the presigned form, declaring `content_type`.
async fn upload(
    app: &TestApp,
    presigned: &Value,
    content_type: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let mut fields = form_fields(presigned);
    fields.push(("Content-Type".into(), content_type.into()));
    let url = presigned["url"].as_str().expect("url");
    post_form(app, url, multipart(&fields, Some((content_type, bytes)))).await
}

async fn presign_avatar(app: &TestApp, ws: &Ws, agent: &str) -> Value {
    let (status, presigned) = app
        .get(
            &ws.path(&format!("/agents/{agent}/presigned-upload")),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{presigned}");
    presigned
}

async fn setup() -> (TestApp, Ws, String) {
    let app = TestApp::spawn().await;
    let ws = app.workspace().await;
    let agent = id(&app.agent(&ws, json!({"name": "Ann"})).await);
    (app, ws, agent)
}

/// GETs a URL (absolute) without credentials, answering status, headers and bytes.
async fn fetch(app: &TestApp, url: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app
        .client
        .get(url)
        .send()
        .await
        .expect("the link reaches the server");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn download_path(ws: &Ws, agent: &str, file: &str) -> String {
    ws.path(&format!("/agents/{agent}/media/{file}/download"))
}

#[tokio::test]
async fn a_presigned_upload_answers_the_s3_form_shape() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let file_id = presigned["fileId"].as_str().expect("fileId");
    assert!(uuid::Uuid::parse_str(file_id).is_ok(), "{presigned}");
    assert_eq!(presigned["url"], format!("{}/media-uploads", app.base));
    assert_eq!(
        presigned["mediaUrl"],
        format!("{}{}", app.base, download_path(&ws, &agent, file_id))
    );
    let form = presigned["formData"].as_object().unwrap();
    let mut keys: Vec<&str> = form.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "policy",
            "x-amz-algorithm",
            "x-amz-credential",
            "x-amz-date",
            "x-amz-signature"
        ]
    );
    for (key, value) in form {
        assert!(
            value.as_str().is_some_and(|v| !v.is_empty()),
            "{key}: {value}"
        );
    }
    let date = form["x-amz-date"].as_str().unwrap();
    assert_eq!(date.len(), 16, "YYYYMMDDThhmmssZ: {date}");
    assert!(date.ends_with('Z') && date.as_bytes()[8] == b'T', "{date}");
    assert!(
        form["x-amz-credential"]
            .as_str()
            .unwrap()
            .contains(&date[..8]),
        "{presigned}"
    );
    assert_eq!(presigned["expectedFields"], json!(["Content-Type", "file"]));

    // Each presigned upload names a new file.
    let again = presign_avatar(&app, &ws, &agent).await;
    assert_ne!(again["fileId"], presigned["fileId"]);
}

#[tokio::test]
async fn an_uploaded_avatar_downloads_as_json_and_as_a_redirect_with_the_same_bytes() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let file_id = presigned["fileId"].as_str().unwrap().to_owned();
    let bytes = png(4096);

    let (status, body) = upload(&app, &presigned, "image/png", &bytes).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(body, Value::Null);

    // The mediaUrl is the authenticated download endpoint.
    let media_path = presigned["mediaUrl"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.base)
        .unwrap()
        .to_owned();
    let (status, location) = app.get(&media_path, &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{location}");
    assert_eq!(location["contentType"], "image/png");
    assert_eq!(location["size"], bytes.len());
    assert!(
        location["expiresAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{location}"
    );
    let url = location["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&app.base), "{url}");

    let (status, headers, served) = fetch(&app, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(served, bytes);

    for query in ["?redirect=true", "?redirect=false"] {
        let response = app
            .client
            .get(format!(
                "{}{}{query}",
                app.base,
                download_path(&ws, &agent, &file_id)
            ))
            .bearer_auth(&ws.key)
            .send()
            .await
            .unwrap();
        if query == "?redirect=true" {
            assert_eq!(response.status(), StatusCode::FOUND);
            let target = response.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned();
            let (status, headers, served) = fetch(&app, &target).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(headers[header::CONTENT_TYPE], "image/png");
            assert_eq!(served, bytes);
        } else {
            assert_eq!(response.status(), StatusCode::OK);
            let body: Value = response.json().await.unwrap();
            assert!(body["url"].is_string(), "{body}");
        }
    }

    // An agent key may fetch its own agent's file too.
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": agent}),
        )
        .await;
    let (status, location) = app.get(&media_path, &key).await;
    assert_eq!(status, StatusCode::OK, "{location}");
}

#[tokio::test]
async fn an_audio_upload_takes_audio_and_refuses_images() {
    let (app, ws, agent) = setup().await;
    let path = ws.path(&format!("/agents/{agent}/presigned-upload/audio"));
    let (status, presigned) = app.post(&path, &ws.key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{presigned}");
    let (status, body) = upload(&app, &presigned, "image/png", &png(100)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_error(&body, "unsupported_media_type");

    let (status, presigned) = app.post(&path, &ws.key, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let bytes = b"ID3\x03\x00fake mp3 frames".repeat(100);
    let (status, body) = upload(&app, &presigned, "audio/mpeg", &bytes).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let file = presigned["fileId"].as_str().unwrap();
    let (status, location) = app.get(&download_path(&ws, &agent, file), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{location}");
    assert_eq!(location["contentType"], "audio/mpeg");
    let (status, headers, served) = fetch(&app, location["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "audio/mpeg");
    assert_eq!(served, bytes);

    // An avatar form refuses audio.
    let avatar = presign_avatar(&app, &ws, &agent).await;
    let (status, body) = upload(&app, &avatar, "audio/mpeg", &bytes).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
}

#[tokio::test]
async fn a_tampered_upload_is_forbidden_and_stores_nothing() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let url = presigned["url"].as_str().unwrap();

    // A signature that is not the policy's.
    let mut fields = form_fields(&presigned);
    for (name, value) in fields.iter_mut() {
        if name == "x-amz-signature" {
            let flipped = if value.starts_with('0') { '1' } else { '0' };
            value.replace_range(0..1, &flipped.to_string());
        }
    }
    fields.push(("Content-Type".into(), "image/png".into()));
    let (status, body) =
        post_form(&app, url, multipart(&fields, Some(("image/png", &png(64))))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "forbidden");

    // Another form's policy (for an audio file) with this form's signature.
    let (status, audio) = app
        .post(
            &ws.path(&format!("/agents/{agent}/presigned-upload/audio")),
            &ws.key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut fields = form_fields(&presigned);
    for (name, value) in fields.iter_mut() {
        if name == "policy" {
            *value = audio["formData"]["policy"].as_str().unwrap().to_owned();
        }
    }
    fields.push(("Content-Type".into(), "audio/mpeg".into()));
    let (status, body) = post_form(
        &app,
        url,
        multipart(&fields, Some(("audio/mpeg", b"ID3 frames"))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Nothing was stored under that file id; the intact form still works once.
    let file = presigned["fileId"].as_str().unwrap();
    let (status, body) = app.get(&download_path(&ws, &agent, file), &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = upload(&app, &presigned, "image/png", &png(64)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

#[tokio::test]
async fn a_form_without_its_parts_is_a_bad_request() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let url = presigned["url"].as_str().unwrap();

    // No file part.
    let (status, body) = post_form(&app, url, multipart(&form_fields(&presigned), None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "bad_request");
    // The file before the policy.
    let (status, body) = post_form(&app, url, multipart(&[], Some(("image/png", &png(64))))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "bad_request");
    // An empty file.
    let (status, body) = upload(&app, &presigned, "image/png", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Not a multipart body at all.
    let response = app
        .client
        .post(url)
        .json(&json!({"file": "nope"}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_error(&body, "unsupported_media_type");
    // A truncated form.
    let mut truncated = multipart(&form_fields(&presigned), Some(("image/png", &png(64))));
    truncated.truncate(truncated.len() - 20);
    let (status, body) = post_form(&app, url, truncated).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "bad_request");

    // After all that, the form is still good.
    let (status, body) = upload(&app, &presigned, "image/png", &png(64)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

#[tokio::test]
async fn a_wrong_content_type_is_415() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let (status, body) = upload(&app, &presigned, "text/plain", b"hello").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_error(&body, "unsupported_media_type");
    let file = presigned["fileId"].as_str().unwrap();
    let (status, _) = app.get(&download_path(&ws, &agent, file), &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The type is matched without regard to case or parameters, and kept in its plain form.
    let (status, body) = upload(&app, &presigned, "Image/JPEG; foo=bar", b"\xff\xd8\xff").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, location) = app.get(&download_path(&ws, &agent, file), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{location}");
    assert_eq!(location["contentType"], "image/jpeg");
}

#[tokio::test]
async fn a_file_over_the_limit_is_413_and_not_kept() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let (status, body) = upload(&app, &presigned, "image/png", &png(5 * 1024 * 1024 + 1)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_error(&body, "payload_too_large");
    let file = presigned["fileId"].as_str().unwrap();
    let (status, _) = app.get(&download_path(&ws, &agent, file), &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Exactly the limit is fine.
    let (status, body) = upload(&app, &presigned, "image/png", &png(5 * 1024 * 1024)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

#[tokio::test]
async fn reusing_an_upload_form_is_a_conflict_and_keeps_the_first_file() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let first = png(300);
    let (status, body) = upload(&app, &presigned, "image/png", &first).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let second = b"GIF89a another picture".to_vec();
    let (status, body) = upload(&app, &presigned, "image/gif", &second).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");

    let file = presigned["fileId"].as_str().unwrap();
    let (status, location) = app.get(&download_path(&ws, &agent, file), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{location}");
    assert_eq!(location["contentType"], "image/png");
    assert_eq!(location["size"], first.len());
    let (status, headers, served) = fetch(&app, location["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(
        served, first,
        "the replay did not overwrite the first upload"
    );
}

#[tokio::test]
async fn download_refuses_a_bad_redirect_and_unknown_files() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let (status, _) = upload(&app, &presigned, "image/png", &png(64)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let file = presigned["fileId"].as_str().unwrap();

    for query in [
        "redirect=maybe",
        "redirect=",
        "redirect=TRUE",
        "redirect=true&redirect=false",
    ] {
        let path = format!("{}?{query}", download_path(&ws, &agent, file));
        let (status, body) = app.get(&path, &ws.key).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_error(&body, "bad_request");
    }

    let other = id(&app.agent(&ws, json!({"name": "Bob"})).await);
    let unknown = "00000000-0000-4000-8000-000000000004";
    for path in [
        download_path(&ws, &agent, unknown),
        download_path(&ws, &agent, "not-a-uuid"),
        download_path(&ws, &other, file),
        download_path(&ws, unknown, file),
    ] {
        let (status, body) = app.get(&path, &ws.key).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_error(&body, "not_found");
    }
    // A presigned upload for an agent that does not exist.
    let (status, body) = app
        .get(
            &ws.path(&format!("/agents/{unknown}/presigned-upload")),
            &ws.key,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    let (status, body) = app
        .post(
            &ws.path(&format!("/agents/{unknown}/presigned-upload/audio")),
            &ws.key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn a_tampered_download_link_is_forbidden() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let (status, _) = upload(&app, &presigned, "image/png", &png(64)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let file = presigned["fileId"].as_str().unwrap();
    let (_, location) = app.get(&download_path(&ws, &agent, file), &ws.key).await;
    let url = location["url"].as_str().unwrap().to_owned();
    let (base, query) = url.split_once('?').unwrap();
    let mut params: Vec<(String, String)> = query
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    params.sort();
    let (expires, signature) = (params[0].1.clone(), params[1].1.clone());
    let flipped = format!(
        "{}{}",
        if signature.starts_with('0') { '1' } else { '0' },
        &signature[1..]
    );

    let later: i64 = expires.parse::<i64>().unwrap() + 3_600_000;
    let second = presign_avatar(&app, &ws, &agent).await;
    let (status, _) = upload(&app, &second, "image/png", &png(64)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let other_file = second["fileId"].as_str().unwrap();
    let cases = [
        format!("{base}?expires={expires}&signature={flipped}"),
        format!("{base}?expires={later}&signature={signature}"),
        format!("{base}?expires={expires}"),
        format!("{base}?signature={signature}"),
        base.to_owned(),
        format!(
            "{}?expires={expires}&signature={signature}",
            base.replace(file, other_file)
        ),
        format!("{base}?expires={expires}&signature=not-hex"),
        format!("{base}?expires=soon&signature={signature}"),
        format!("{base}?expires={expires}&expires={expires}&signature={signature}"),
    ];
    for link in cases {
        let response = app.client.get(&link).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.expect("a JSON error");
        assert_eq!(status, StatusCode::FORBIDDEN, "{link}: {body}");
        assert_error(&body, "forbidden");
    }
    // The untouched link still works.
    let (status, _, _) = fetch(&app, &url).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn another_workspace_cannot_presign_or_download_and_agent_keys_only_for_themselves() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let (status, _) = upload(&app, &presigned, "image/png", &png(64)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let file = presigned["fileId"].as_str().unwrap();

    let other = app.workspace().await;
    for (status, body) in [
        app.get(
            &ws.path(&format!("/agents/{agent}/presigned-upload")),
            &other.key,
        )
        .await,
        app.post(
            &ws.path(&format!("/agents/{agent}/presigned-upload/audio")),
            &other.key,
            json!({}),
        )
        .await,
        app.get(&download_path(&ws, &agent, file), &other.key).await,
        app.get(
            &other.path(&format!("/agents/{agent}/presigned-upload")),
            &other.key,
        )
        .await,
        app.get(&download_path(&other, &agent, file), &other.key)
            .await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error(&body, "not_found");
    }

    let bob = id(&app.agent(&ws, json!({"name": "Bob"})).await);
    let key = app
        .api_key(
            &ws.id,
            json!({"name": "a", "role": "agent", "agentId": bob}),
        )
        .await;
    let (status, body) = app
        .get(&ws.path(&format!("/agents/{agent}/presigned-upload")), &key)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "forbidden");
    let (status, body) = app
        .post(
            &ws.path(&format!("/agents/{agent}/presigned-upload/audio")),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, own) = app
        .get(&ws.path(&format!("/agents/{bob}/presigned-upload")), &key)
        .await;
    assert_eq!(status, StatusCode::OK, "{own}");
    let (status, body) = upload(&app, &own, "image/webp", &png(64)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // A file goes with its agent.
    let (status, _) = app
        .delete(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get(&download_path(&ws, &agent, file), &ws.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn an_upload_for_an_agent_deleted_meanwhile_is_not_found() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let (status, _) = app
        .delete(&ws.path(&format!("/agents/{agent}")), &ws.key)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = upload(&app, &presigned, "image/png", &png(64)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
}

#[tokio::test]
async fn the_same_form_posted_twice_at_once_is_stored_once() {
    let (app, ws, agent) = setup().await;
    let presigned = presign_avatar(&app, &ws, &agent).await;
    let (first, second) = (png(200_000), png(100_000));
    let ((a, _), (b, _)) = futures::join!(
        upload(&app, &presigned, "image/png", &first),
        upload(&app, &presigned, "image/gif", &second),
    );
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::CONFLICT]);

    let file = presigned["fileId"].as_str().unwrap();
    let (status, location) = app.get(&download_path(&ws, &agent, file), &ws.key).await;
    assert_eq!(status, StatusCode::OK, "{location}");
    let (status, headers, served) = fetch(&app, location["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let kept = if a == StatusCode::NO_CONTENT {
        (&first, "image/png")
    } else {
        (&second, "image/gif")
    };
    assert_eq!(
        &served, kept.0,
        "the bytes are those of the upload that won"
    );
    assert_eq!(headers[header::CONTENT_TYPE], kept.1);
    assert_eq!(location["size"], kept.0.len());
}
